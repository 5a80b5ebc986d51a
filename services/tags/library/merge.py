"""Merging tag A into tag B: which merges are allowed, and what one customer's move is.

Pure. The runner (`merging.py`) applies `plan_move` to each customer through the versioned write of
the customer's aggregate, so each move is atomic with its history and events.

Rules (docs/tag-library.md, "Merge"):
- A and B are different, existing, non-system tags of the tenant; B is not archived; A was not merged.
- Values must fit B: the same value type; for enum tags every value of A is one of B's allowed values
  or is mapped to one by the value map. A flag merges into a flag, a number into a number, and so on.
- Per customer, B's state wins: where the customer already holds B (or an exclusive rival of B in
  B's group), A's value is dropped and the history says which value stood. Otherwise A's value moves
  to B unchanged: source, confidence, evidence, actor, assigned_at and expiry travel with it.
- History gets one `merged` entry on A (the value leaving, reason naming B) and, when the value
  moved, one `merged` entry on B (the value arriving, reason naming A).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from common.ids import new_id
from services.tags.model import SYSTEM_CATEGORY, Assignment, HistoryEntry, TagDef

MERGED = "merged"
MAX_VALUE_MAP = 200


@dataclass(frozen=True, kw_only=True)
class Move:
    """One customer's part of a merge: the tags after it and the history that records it."""

    final: dict[str, Assignment]
    history: list[HistoryEntry]
    moved: bool  # False: B's value (or a rival's) stood and A's value was dropped


def check_merge(
    source: TagDef | None,
    target: TagDef | None,
    value_map: Mapping[str, str],
    *,
    source_key: str,
    target_key: str,
) -> tuple[TagDef, TagDef]:
    """The two definitions if A may merge into B with `value_map`; otherwise the error naming the field."""
    if not source_key:
        raise InvalidArgument("sourceKey is required", field="source_key")
    if not target_key:
        raise InvalidArgument("targetKey is required", field="target_key")
    if source_key == target_key:
        raise InvalidArgument("a tag cannot be merged into itself", field="target_key")
    if source is None:
        raise InvalidArgument(f"tag {source_key!r} is not defined", field="source_key")
    if target is None:
        raise InvalidArgument(f"tag {target_key!r} is not defined", field="target_key")
    for definition, field in ((source, "source_key"), (target, "target_key")):
        if definition.category == SYSTEM_CATEGORY:
            raise PermissionDenied(f"tag {definition.key!r} is a system tag; it is not merged", field=field)
    if source.merged_into:
        raise FailedPrecondition(
            f"tag {source.key!r} was already merged into {source.merged_into!r}", field="source_key"
        )
    if target.status == "archived":
        raise FailedPrecondition(f"tag {target.key!r} is archived; restore it first", field="target_key")
    if source.value_type != target.value_type:
        raise InvalidArgument(
            f"tag {source.key!r} holds {source.value_type} values and {target.key!r} {target.value_type}; "
            "only tags of the same value type merge",
            field="target_key",
        )
    _check_value_map(source, target, value_map)
    return source, target


def _check_value_map(source: TagDef, target: TagDef, value_map: Mapping[str, str]) -> None:
    if value_map and source.value_type != "enum":
        raise InvalidArgument("a value map is for enum tags only", field="value_map")
    if len(value_map) > MAX_VALUE_MAP:
        raise InvalidArgument(f"at most {MAX_VALUE_MAP} value mappings", field="value_map")
    for i, (old, new) in enumerate(value_map.items()):
        if old not in source.allowed_values:
            raise InvalidArgument(f"{old!r} is not a value of {source.key!r}", field=f"value_map[{i}].from")
        if new not in target.allowed_values:
            raise InvalidArgument(f"{new!r} is not a value of {target.key!r}", field=f"value_map[{i}].to")
    if source.value_type == "enum":
        missing = [v for v in source.allowed_values if v not in target.allowed_values and v not in value_map]
        if missing:
            raise InvalidArgument(
                f"{target.key!r} has no value {', '.join(missing)}; map them in value_map",
                field="value_map",
            )


def plan_move(
    current: Mapping[str, Assignment],
    *,
    source: TagDef,
    target: TagDef,
    definitions: Mapping[str, TagDef],
    value_map: Mapping[str, str],
    actor: str,
    now: datetime,
) -> Move | None:
    """The move of one customer's value of A to B; None when the customer holds no value of A."""
    leaving = current.get(source.key)
    if leaving is None:
        return None
    final = {k: a for k, a in current.items() if k != source.key}
    standing = _standing(final, target, definitions)
    if standing is not None:
        reason = f"merged into {target.key}; kept {standing.tag_key}={standing.value or 'set'}"
        return Move(final=final, history=_ordered([_entry(leaving, actor, reason, now)]), moved=False)
    arriving = dataclasses.replace(
        leaving, tag_key=target.key, value=value_map.get(leaving.value, leaving.value)
    )
    final[target.key] = arriving
    history = [
        _entry(leaving, actor, f"merged into {target.key}", now),
        _entry(arriving, actor, f"merged from {source.key}", now),
    ]
    return Move(final=final, history=_ordered(history), moved=True)


def _standing(
    final: Mapping[str, Assignment], target: TagDef, definitions: Mapping[str, TagDef]
) -> Assignment | None:
    """The customer's value that B's move must not overwrite: B itself or an exclusive rival of B."""
    if target.key in final:
        return final[target.key]
    if not target.exclusive:
        return None
    for key, held in final.items():
        rival = definitions.get(key)
        if rival is not None and rival.exclusive and rival.group == target.group:
            return held
    return None


def _entry(assignment: Assignment, actor: str, reason: str, now: datetime) -> HistoryEntry:
    return HistoryEntry(
        id="",
        customer_id=assignment.customer_id,
        tag_key=assignment.tag_key,
        action=MERGED,
        value=assignment.value,
        previous_value="",
        source=assignment.source,
        confidence=assignment.confidence,
        evidence=assignment.evidence,
        actor=actor,
        reason=reason,
        at=now,
    )


def _ordered(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    ids = sorted(new_id("th") for _ in entries)
    return [dataclasses.replace(e, id=i) for e, i in zip(entries, ids, strict=True)]
