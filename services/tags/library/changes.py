"""How an existing tag may change: partial updates, status transitions and the create-only rule.

Pure: given the stored definition and what the caller asked, return the definition to store or raise
a domain error naming the field. The full validation of the result is `rules.define` (the same check a
new tag passes), so an update can never store something a create would refuse.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, PermissionDenied
from services.tags.library import rules
from services.tags.model import SYSTEM_CATEGORY, Hints, TagDef

ACTIVE, DEPRECATED, ARCHIVED = "active", "deprecated", "archived"
# from -> the statuses it may move to. Restoring (-> active) works from both; a merged tag stays archived.
TRANSITIONS: dict[str, frozenset[str]] = {
    ACTIVE: frozenset({DEPRECATED, ARCHIVED}),
    DEPRECATED: frozenset({ACTIVE, ARCHIVED}),
    ARCHIVED: frozenset({ACTIVE}),
}


@dataclass(frozen=True, kw_only=True)
class TagPatch:
    """The fields an update sets; None means "absent: keep the stored value" (never "clear")."""

    display_name: str | None = None
    description: str | None = None
    group: str | None = None
    category: str | None = None
    allowed_values: tuple[str, ...] | None = None
    exclusive: bool | None = None
    update_cycle: str | None = None
    ttl_days: int | None = None
    assign_roles: tuple[str, ...] | None = None
    hints: Hints | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))


def create(candidate: TagDef, *, existing: TagDef | None, now: datetime, by_platform: bool) -> TagDef:
    """A new definition; an existing key is ALREADY_EXISTS unless the request repeats it exactly.

    Repeating the stored definition is a retry (or a seed run again) and changes nothing; anything
    else must go through an update, so a re-sent definition can never wipe fields by leaving them out.
    """
    if candidate.status not in ("", ACTIVE):
        raise InvalidArgument(
            f"a new tag is active; deprecate or archive it afterwards (status {candidate.status})",
            field=f"{rules.FIELD}.status",
        )
    definition = rules.define(candidate, existing=None, now=now, by_platform=by_platform)
    if existing is not None:
        if existing.same_content(definition):
            return existing
        raise AlreadyExists(
            f"tag {definition.key!r} already exists; change it with updateTag",
            field=f"{rules.FIELD}.key",
            metadata={"tag_key": definition.key},
        )
    return definition


def update(existing: TagDef, patch: TagPatch, *, now: datetime, by_platform: bool) -> TagDef:
    """`existing` with the patch's fields set; the rest (hints above all) exactly as stored."""
    if patch.is_empty():
        raise InvalidArgument("the update sets no field; say what to change", field="key")
    changed = {f.name: getattr(patch, f.name) for f in dataclasses.fields(patch)}
    candidate = dataclasses.replace(existing, **{k: v for k, v in changed.items() if v is not None})
    if not by_platform and existing.category == SYSTEM_CATEGORY:
        raise PermissionDenied(
            f"tag {existing.key!r} is a system tag; only the platform changes it", field="key"
        )
    if candidate.value_type == "enum" and patch.allowed_values is not None:
        dropped = [h.value for h in existing.hints.values if h.value not in candidate.allowed_values]
        if dropped and patch.hints is None:
            raise InvalidArgument(
                f"allowed values drop {', '.join(dropped)}, which have hints; send hints too",
                field=f"{rules.FIELD}.allowed_values",
            )
    return rules.define(candidate, existing=existing, now=now, by_platform=by_platform)


def transition(existing: TagDef, status: str, *, now: datetime, by_platform: bool) -> TagDef:
    """`existing` moved to `status` (the same status is a no-op returned as is)."""
    if status not in TRANSITIONS:
        raise InvalidArgument(f"status {status or 'unspecified'} is not a tag status", field="status")
    if not by_platform and existing.category == SYSTEM_CATEGORY:
        raise PermissionDenied(
            f"tag {existing.key!r} is a system tag; only the platform changes it", field="key"
        )
    if existing.status == status:
        return existing
    if existing.merged_into and status != ARCHIVED:
        raise FailedPrecondition(
            f"tag {existing.key!r} was merged into {existing.merged_into!r}; its values live there now",
            field="key",
            metadata={"merged_into": existing.merged_into},
        )
    if status not in TRANSITIONS[existing.status]:
        raise FailedPrecondition(f"a {existing.status} tag cannot become {status}", field="status")
    return dataclasses.replace(existing, status=status, updated_at=now)


def merged(existing: TagDef, *, into: str, now: datetime) -> TagDef:
    """The source of a merge: archived, pointing at its target."""
    return dataclasses.replace(existing, status=ARCHIVED, merged_into=into, updated_at=now)
