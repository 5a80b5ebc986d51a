"""Checks of assignment inputs against their tag definitions: value by type, confidence, roles,
and who may claim which provenance."""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import date, datetime

from common.errors import InvalidArgument, PermissionDenied
from services.tags.model import ADMIN_ROLE, SOURCES, SYSTEM_CATEGORY, AssignInput, TagDef

MAX_ITEMS = 100
MAX_TEXT = 200
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# float() also takes " 1 ", "1_000" and "inf"; a tag value is a plain decimal number
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def check_value(definition: TagDef, value: str, *, field: str) -> None:
    """Raise InvalidArgument naming `field` unless `value` suits the definition's value type.

    flag: always ""; enum: one of allowed_values; number: a finite decimal; date: YYYY-MM-DD;
    text: 1 to 200 characters.
    """
    kind = definition.value_type
    if kind == "flag":
        if value:
            raise InvalidArgument(f"{definition.key} is a flag tag; its value must be empty", field=field)
    elif kind == "enum":
        if value not in definition.allowed_values:
            raise InvalidArgument(
                f"{value!r} is not an allowed value of {definition.key} "
                f"({', '.join(definition.allowed_values)})",
                field=field,
            )
    elif kind == "number":
        if not _is_finite_number(value):
            raise InvalidArgument(f"{definition.key} needs a finite number, got {value!r}", field=field)
    elif kind == "date":
        if not _is_iso_date(value):
            raise InvalidArgument(f"{definition.key} needs a date as YYYY-MM-DD, got {value!r}", field=field)
    elif kind == "text":
        if not value or len(value) > MAX_TEXT:
            raise InvalidArgument(f"{definition.key} needs text of 1 to {MAX_TEXT} characters", field=field)
    else:  # a stored definition always has a known type; guard against a hand-edited document
        raise InvalidArgument(f"{definition.key} has unknown value type {kind!r}", field=field)


def may_assign(definition: TagDef, roles: frozenset[str]) -> bool:
    """Empty assign_roles lets anyone assign; otherwise the caller needs one of them or admin."""
    if not definition.assign_roles:
        return True
    return ADMIN_ROLE in roles or bool(roles.intersection(definition.assign_roles))


def check_items(
    items: list[AssignInput],
    definitions: dict[str, TagDef],
    *,
    roles: frozenset[str] | None,
    now: datetime,
) -> list[AssignInput]:
    """Validate every item of one request before anything is written; returns them with defaults.

    `roles` are the caller's roles, or None when the platform itself assigns (its consumers), which
    may also assign SYSTEM tags. Any problem raises, naming `tags[i].<field>`, so one bad item fails
    the whole request. Two exclusive tags of one group in one request are contradictory and rejected.
    """
    if not items:
        raise InvalidArgument("tags must list at least one tag", field="tags")
    if len(items) > MAX_ITEMS:
        raise InvalidArgument(f"tags has {len(items)} items; at most {MAX_ITEMS} are allowed", field="tags")
    checked: list[AssignInput] = []
    seen: dict[str, int] = {}
    exclusive_groups: dict[str, int] = {}
    for i, item in enumerate(items):
        prefix = f"tags[{i}]"
        definition = definitions.get(item.tag_key)
        if definition is None or definition.status == "archived":
            state = "is archived" if definition else "is not defined"
            raise InvalidArgument(f"tag {item.tag_key!r} {state}", field=f"{prefix}.tag_key")
        if definition.status == "deprecated" and roles is not None:
            # Deprecated: people stop using it now; the platform's automations may still refresh it
            # while they are moved to its successor (docs/tag-library.md, "Statuses").
            raise InvalidArgument(
                f"tag {item.tag_key!r} is deprecated; new assignments by people are refused",
                field=f"{prefix}.tag_key",
            )
        if item.tag_key in seen:
            raise InvalidArgument(
                f"tag {item.tag_key!r} is listed twice (also tags[{seen[item.tag_key]}])",
                field=f"{prefix}.tag_key",
            )
        seen[item.tag_key] = i
        if roles is not None:
            _check_permission(definition, roles, field=f"{prefix}.tag_key")
        if definition.exclusive:
            if definition.group in exclusive_groups:
                other = exclusive_groups[definition.group]
                raise InvalidArgument(
                    f"tags[{other}] and {prefix} are exclusive in group {definition.group!r}; assign one",
                    field=f"{prefix}.tag_key",
                )
            exclusive_groups[definition.group] = i
        checked.append(_check_item(item, definition, prefix=prefix, now=now))
    return checked


def check_person_provenance(items: list[AssignInput]) -> None:
    """Refuse machine provenance claimed by a person: PermissionDenied naming `tags[i].<field>`.

    Only the platform sets machine sources (rule, channel, conversation, model, import, system) and
    the evidence that goes with them (rule id, channel code, conversation span, event ids) or a
    confidence other than 1.0. A person's assignment is `manual` with confidence 1.0 and at most a
    note, so history never shows a person's guess as a model's output or a rule that never ran.
    Run on what a caller sent, before `check_items`: an accepted suggestion keeps its conversation
    evidence because the service, not the caller, attaches it.
    """
    for i, item in enumerate(items):
        prefix = f"tags[{i}]"
        if item.source not in ("", "manual"):
            raise PermissionDenied(
                f"source {item.source} is set by the platform only; a person's assignment is manual",
                field=f"{prefix}.source",
            )
        # proto3 sends an unset confidence as 0, which means the default 1.0
        if item.confidence not in (0.0, 1.0):
            raise PermissionDenied(
                f"confidence {item.confidence:g} is set by the platform only; a person's assignment "
                "has confidence 1.0",
                field=f"{prefix}.confidence",
            )
        evidence = item.evidence
        for name, claimed in (
            ("rule_id", evidence.rule_id),
            ("channel_code", evidence.channel_code),
            ("conversation_id", evidence.conversation_id),
            ("quote", evidence.quote),
            ("event_ids", evidence.event_ids),
        ):
            if claimed:
                raise PermissionDenied(
                    f"evidence {name} is set by the platform only; a person may give a note",
                    field=f"{prefix}.evidence.{name}",
                )


def _check_permission(definition: TagDef, roles: frozenset[str], *, field: str) -> None:
    if definition.category == SYSTEM_CATEGORY:
        raise PermissionDenied(f"{definition.key} is a system tag; only the platform assigns it", field=field)
    if not may_assign(definition, roles):
        raise PermissionDenied(
            f"assigning {definition.key} needs one of the roles {', '.join(definition.assign_roles)}",
            field=field,
        )


def _check_item(item: AssignInput, definition: TagDef, *, prefix: str, now: datetime) -> AssignInput:
    check_value(definition, item.value, field=f"{prefix}.value")
    source = item.source or "manual"
    if source not in SOURCES:
        raise InvalidArgument(f"source {source!r} is not known", field=f"{prefix}.source")
    confidence = item.confidence
    if math.isnan(confidence) or not 0.0 <= confidence <= 1.0:
        raise InvalidArgument("confidence must be between 0 and 1", field=f"{prefix}.confidence")
    if item.expires_at is not None and item.expires_at <= now:
        raise InvalidArgument("expires_at must be in the future", field=f"{prefix}.expires_at")
    # proto3 cannot tell an unset confidence from 0, and 0 confidence would be no assignment at all
    return dataclasses.replace(item, source=source, confidence=confidence or 1.0)


def _is_finite_number(value: str) -> bool:
    return bool(_NUMBER_RE.match(value)) and math.isfinite(float(value))


def _is_iso_date(value: str) -> bool:
    if not _DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
