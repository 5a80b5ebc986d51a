"""Partial updates of a profile: which fields change, from what to what, and the history entry.

Pure logic, no I/O. An update names the fields it sets (a field mask); every other field keeps its
value. The whole resulting profile is validated with the same rules as a create (`validate_customer`),
so an update can never store what a create would refuse. The identity keys that appear and disappear
are computed here; the store claims the new ones before it writes and frees the old ones after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument
from services.leads.profiles import CustomerFields, IdentityKey, identity_keys, validate_customer

# Fields an update may set. The owner changes through the pool (claim, release, assignment rules),
# which keeps per-rep limits; an update that names it is refused rather than silently ignored.
UPDATABLE = (
    "name", "company", "title", "phone", "email", "wechat_id", "region", "industry",
    "company_size", "source_channel", "campaign",
)  # fmt: skip


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ProfileUpdate:
    """The outcome of applying a partial update to a stored profile."""

    fields: CustomerFields
    changes: list[FieldChange]
    added_keys: list[IdentityKey]
    removed_keys: list[IdentityKey]


def check_mask(paths: Iterable[str]) -> list[str]:
    """The distinct fields an update sets; unknown or reserved names are refused with the path."""
    chosen = list(dict.fromkeys(p.strip() for p in paths))
    if not chosen:
        raise InvalidArgument("update_mask names no field; nothing would change", field="update_mask")
    for path in chosen:
        if path == "owner_id":
            raise InvalidArgument(
                "owner_id changes through the pool (claim, release, assignment), not an update",
                field="update_mask",
            )
        if path not in UPDATABLE:
            raise InvalidArgument(
                f"{path!r} is not a field an update can set; use one of {', '.join(UPDATABLE)}",
                field="update_mask",
            )
    return chosen


def apply_update(stored: Mapping[str, Any], raw: Mapping[str, str], paths: Iterable[str]) -> ProfileUpdate:
    """The validated profile after setting `paths` from `raw` on `stored`, with what changed."""
    before = {name: str(stored.get(name) or "") for name in CustomerFields.__dataclass_fields__}
    merged = dict(before)
    for path in check_mask(paths):
        merged[path] = raw.get(path, "")
    fields = validate_customer(merged)
    after = fields.as_dict()
    changes = [FieldChange(n, before[n], after[n]) for n in UPDATABLE if before[n] != after[n]]
    old_keys = set(identity_keys(validate_customer(before))) if before.get("name") else set()
    new_keys = identity_keys(fields)
    return ProfileUpdate(
        fields=fields,
        changes=changes,
        added_keys=[k for k in new_keys if k not in old_keys],
        removed_keys=sorted(old_keys - set(new_keys), key=lambda k: (k.kind, k.value)),
    )


def history_entry(
    changes: Iterable[FieldChange], *, actor: str, at_ms: int, reason: str = "", merged_from: str = ""
) -> dict[str, Any]:
    """One stored history entry: who, when, and old → new per field (status changes included)."""
    return {
        "at_ms": at_ms,
        "actor": actor,
        "reason": reason,
        "merged_from": merged_from,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in changes],
    }
