"""The rules of the tag library: what a valid tag definition is and how one may change.

Who may change the library at all (admin or tag_admin, or the platform) is checked per RPC before
this runs (`common.roles`); here: system tags are the platform's, and assign roles are real roles.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from common.roles import END_USER_ROLES
from services.tags.model import (
    CATEGORIES,
    SYSTEM_CATEGORY,
    TAG_STATUSES,
    UPDATE_CYCLES,
    VALUE_TYPES,
    Hints,
    TagDef,
    ValueHints,
)

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_DISPLAY_NAME = 64
MAX_GROUP = 64
MAX_DESCRIPTION = 1000
MAX_ALLOWED_VALUES = 200
MAX_VALUE = 200
MAX_ROLES = 32
MAX_HINTS = 200
MAX_HINT_LENGTH = 50
MAX_PATTERN_PARTS = 4
FIELD = "definition"


def define(candidate: TagDef, *, existing: TagDef | None, now: datetime, by_platform: bool = False) -> TagDef:
    """Validate `candidate` (a create, or an update of `existing`) and return the definition to store.

    Unset category/value_type arrive as "" and are rejected with the field named; unset status and
    update cycle take their defaults. Callers may not define or redefine SYSTEM tags: those belong to
    the platform (`by_platform=True` is how the service's own consumers define them). A tag's value
    type never changes once defined, because existing assignments were validated against it.
    """
    definition = normalized(candidate)
    if not by_platform and (
        definition.category == SYSTEM_CATEGORY or (existing and existing.category == SYSTEM_CATEGORY)
    ):
        raise PermissionDenied(
            f"tag {definition.key!r}: category system is reserved for tags the platform defines",
            field=f"{FIELD}.category",
        )
    check_definition(definition)
    if existing is not None and existing.value_type != definition.value_type:
        raise FailedPrecondition(
            f"tag {definition.key!r} has value type {existing.value_type}; it cannot change to "
            f"{definition.value_type} (define a new key instead)",
            field=f"{FIELD}.value_type",
        )
    created_at = existing.created_at if existing and existing.created_at else now
    return dataclasses.replace(definition, created_at=created_at, updated_at=now)


def normalized(candidate: TagDef) -> TagDef:
    """Trim text, drop empty list entries, and fill the defaulted enums."""
    hints = candidate.hints
    return dataclasses.replace(
        candidate,
        key=candidate.key.strip(),
        display_name=candidate.display_name.strip(),
        description=candidate.description.strip(),
        group=candidate.group.strip(),
        allowed_values=tuple(v.strip() for v in candidate.allowed_values),
        assign_roles=tuple(sorted({r.strip() for r in candidate.assign_roles if r.strip()})),
        update_cycle=candidate.update_cycle or "realtime",
        status=candidate.status or "active",
        hints=Hints(
            keywords=_clean(hints.keywords),
            synonyms=_clean(hints.synonyms),
            patterns=_clean(hints.patterns),
            values=tuple(
                ValueHints(value=v.value.strip(), keywords=_clean(v.keywords), patterns=_clean(v.patterns))
                for v in hints.values
            ),
        ),
    )


def check_definition(definition: TagDef) -> None:
    """Raise InvalidArgument naming the first field of a normalized definition that is not valid."""
    if not KEY_RE.match(definition.key):
        raise InvalidArgument(
            f"key {definition.key!r} must be a slug: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, at most 64 characters",
            field=f"{FIELD}.key",
        )
    if not definition.display_name:
        raise InvalidArgument("display_name is required", field=f"{FIELD}.display_name")
    if len(definition.display_name) > MAX_DISPLAY_NAME:
        raise InvalidArgument(
            f"display_name is at most {MAX_DISPLAY_NAME} characters", field=f"{FIELD}.display_name"
        )
    if len(definition.description) > MAX_DESCRIPTION:
        raise InvalidArgument(
            f"description is at most {MAX_DESCRIPTION} characters", field=f"{FIELD}.description"
        )
    if len(definition.group) > MAX_GROUP:
        raise InvalidArgument(f"group is at most {MAX_GROUP} characters", field=f"{FIELD}.group")
    _require_choice(definition.category, CATEGORIES, "category")
    _require_choice(definition.value_type, VALUE_TYPES, "value_type")
    _require_choice(definition.update_cycle, UPDATE_CYCLES, "update_cycle")
    _require_choice(definition.status, TAG_STATUSES, "status")
    _check_allowed_values(definition)
    if definition.exclusive and not definition.group:
        raise InvalidArgument(
            "an exclusive tag needs a group (it is exclusive within its group)", field=f"{FIELD}.group"
        )
    if definition.ttl_days < 0:
        raise InvalidArgument("ttl_days must be 0 (never expires) or more", field=f"{FIELD}.ttl_days")
    if len(definition.assign_roles) > MAX_ROLES:
        raise InvalidArgument(f"at most {MAX_ROLES} assign_roles", field=f"{FIELD}.assign_roles")
    _check_assign_roles(definition.assign_roles)
    _check_hints(definition)


def _check_assign_roles(roles: tuple[str, ...]) -> None:
    """Assign roles name end-user roles: a misspelt role would silently lock every person but admins
    out, and `platform` needs no grant (it may assign any tag) and is never a person's role."""
    for role in roles:
        if role not in END_USER_ROLES:
            raise InvalidArgument(
                f"assign role {role!r} is not a role; choose from {', '.join(END_USER_ROLES)}",
                field=f"{FIELD}.assign_roles",
            )


def _check_hints(definition: TagDef) -> None:
    """Hints are bounded lists of short phrases; patterns are literal text with `*` gaps, never regexes."""
    hints = definition.hints
    base = f"{FIELD}.hints"
    _check_phrases(hints.keywords, f"{base}.keywords")
    _check_phrases(hints.synonyms, f"{base}.synonyms")
    _check_patterns(hints.patterns, f"{base}.patterns")
    if hints.values and definition.value_type != "enum":
        raise InvalidArgument(
            f"only enum tags have value hints, not {definition.value_type}", field=f"{base}.values"
        )
    seen: set[str] = set()
    for i, value_hints in enumerate(hints.values):
        name = f"{base}.values[{i}]"
        if value_hints.value not in definition.allowed_values:
            raise InvalidArgument(
                f"value hint for {value_hints.value!r}, which is not an allowed value", field=f"{name}.value"
            )
        if value_hints.value in seen:
            raise InvalidArgument(f"value {value_hints.value!r} has hints twice", field=f"{name}.value")
        seen.add(value_hints.value)
        _check_phrases(value_hints.keywords, f"{name}.keywords")
        _check_patterns(value_hints.patterns, f"{name}.patterns")


def _check_phrases(phrases: tuple[str, ...], field: str) -> None:
    if len(phrases) > MAX_HINTS:
        raise InvalidArgument(f"at most {MAX_HINTS} entries", field=field)
    for i, phrase in enumerate(phrases):
        if len(phrase) > MAX_HINT_LENGTH:
            raise InvalidArgument(f"hints are at most {MAX_HINT_LENGTH} characters", field=f"{field}[{i}]")


def _check_patterns(patterns: tuple[str, ...], field: str) -> None:
    _check_phrases(patterns, field)
    for i, pattern in enumerate(patterns):
        parts = pattern.split("*")
        if any(not part.strip() for part in parts) or len(parts) > MAX_PATTERN_PARTS:
            raise InvalidArgument(
                f"pattern {pattern!r}: literal text joined by single `*` gaps, not starting or ending "
                f"with `*`, at most {MAX_PATTERN_PARTS - 1} gaps",
                field=f"{field}[{i}]",
            )


def _check_allowed_values(definition: TagDef) -> None:
    values = definition.allowed_values
    field = f"{FIELD}.allowed_values"
    if definition.value_type != "enum":
        if values:
            raise InvalidArgument(
                f"only enum tags have allowed_values, not {definition.value_type}", field=field
            )
        return
    if not values:
        raise InvalidArgument("an enum tag needs at least one allowed value", field=field)
    if len(values) > MAX_ALLOWED_VALUES:
        raise InvalidArgument(f"at most {MAX_ALLOWED_VALUES} allowed values", field=field)
    seen: set[str] = set()
    for i, value in enumerate(values):
        if not value or len(value) > MAX_VALUE:
            raise InvalidArgument(f"allowed values are 1 to {MAX_VALUE} characters", field=f"{field}[{i}]")
        if value in seen:
            raise InvalidArgument(f"allowed value {value!r} is listed twice", field=f"{field}[{i}]")
        seen.add(value)


def _require_choice(value: str, choices: tuple[str, ...], name: str) -> None:
    if value not in choices:
        shown = value or "unspecified"
        raise InvalidArgument(
            f"{name} is {shown}; choose one of {', '.join(choices)}", field=f"{FIELD}.{name}"
        )


def _clean(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v.strip())
