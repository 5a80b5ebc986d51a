"""Saved segments and membership changes: the pure rules, no I/O.

A saved segment is a named expression of one tenant, owned by whoever created it. Its name is
unique per tenant; the owner or an admin may change or delete it (`may_change`). Membership of a
customer changes only when the customer's tags change, so `membership_changes` compares the
customer's assignments before and after one write against each saved segment: that is where the
`segment_entered` / `segment_left` events and the membership history come from (`membership.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from common.errors import InvalidArgument, PermissionDenied
from common.timeutil import iso_utc
from services.tags.model import Assignment, HistoryEntry
from services.tags.segments.expression import Node, tag_keys

MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_EXPRESSION = 4000
# Who may change any segment, not only their own ones.
SEGMENT_ADMINS = frozenset({"admin", "tag_admin"})

Matcher = Callable[[Node, Mapping[str, Assignment], datetime], bool]


@dataclass(frozen=True, kw_only=True)
class SavedSegment:
    """One saved segment as stored: the canonical text for people, the tree for evaluation."""

    id: str
    tenant: str
    name: str
    description: str
    expression: str
    tree: Node
    owner: str
    version: int
    created_at: datetime
    updated_at: datetime
    # The version at which the expression was last set: its members are announced for it (syncing.py).
    expression_version: int = 0

    @cached_property
    def tag_keys(self) -> frozenset[str]:
        """The tags the tree names (computed once: membership asks on every tag write)."""
        return frozenset(tag_keys(self.tree))


@dataclass(frozen=True, kw_only=True)
class MembershipChange:
    """A customer entered or left a saved segment through one write of their tags."""

    id: str
    customer_id: str
    segment_id: str
    segment_name: str
    segment_version: int
    change: str  # entered | left
    causes: tuple[HistoryEntry, ...] = field(default_factory=tuple)
    actor: str = ""
    at: datetime
    trigger: str = "tag_change"  # tag_change | segment_change | time_window (TRIGGERS)


# Why a membership change happened: the customer's tags changed; the segment was created or its
# expression edited (the background sync, segments/syncing.py); an ASSIGNED WITHIN window moved on
# with time (segments/windows.py).
TAG_CHANGE = "tag_change"
SEGMENT_CHANGE = "segment_change"
TIME_WINDOW = "time_window"
TRIGGERS = (TAG_CHANGE, SEGMENT_CHANGE, TIME_WINDOW)


@dataclass(frozen=True, kw_only=True)
class Recheck:
    """Saved segments to judge for one customer although their tags did not change, and why."""

    segments: tuple[SavedSegment, ...]
    trigger: str


def require_name(value: str, *, field: str = "name") -> str:
    name = " ".join((value or "").split())
    if not name:
        raise InvalidArgument("a segment needs a name", field=field)
    if len(name) > MAX_NAME:
        raise InvalidArgument(f"a segment name has at most {MAX_NAME} characters", field=field)
    return name


def require_description(value: str, *, field: str = "description") -> str:
    text = (value or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidArgument(f"a description has at most {MAX_DESCRIPTION} characters", field=field)
    return text


def require_expression_text(value: str, *, field: str = "expression") -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidArgument("an expression is required, e.g. 高意向 AND NOT 已成交", field=field)
    if len(text) > MAX_EXPRESSION:
        raise InvalidArgument(f"an expression has at most {MAX_EXPRESSION} characters", field=field)
    return text


def may_change(segment: SavedSegment, *, caller: str, roles: frozenset[str] | None) -> bool:
    """The owner, an admin (or tag_admin), or the platform (`roles` None) may change a segment."""
    return roles is None or bool(roles & SEGMENT_ADMINS) or (bool(caller) and caller == segment.owner)


def require_may_change(segment: SavedSegment, *, caller: str, roles: frozenset[str] | None) -> None:
    if not may_change(segment, caller=caller, roles=roles):
        raise PermissionDenied(
            f"segment {segment.name!r} belongs to {segment.owner or 'nobody'}; only its owner or an admin "
            "may change it",
            metadata={"segment_id": segment.id, "owner": segment.owner},
        )


def membership_changes(
    segments: Iterable[SavedSegment],
    *,
    customer_id: str,
    before: Mapping[str, Assignment],
    after: Mapping[str, Assignment],
    history: list[HistoryEntry],
    at: datetime,
    matches: Matcher,
    new_id: Callable[[], str],
    recorded: Mapping[str, int] | None = None,
    recheck: Recheck | None = None,
) -> list[MembershipChange]:
    """The segments the customer entered or left when their tags went from `before` to `after`.

    With `recorded` (the segments the customer's document says they are in: what was announced),
    a segment is entered when `after` matches and it is not recorded, and left when it is recorded
    and `after` does not match. So the events always move a partner's mirror from what it was told
    to what is true, whether the last word came from a tag change, the sync of a new or edited
    segment, or a time window that moved on; none of them can announce twice. Without `recorded`,
    `before` is judged instead (the same instant `at` on both sides).

    Only segments that name a tag whose stored assignment changed are judged (the matcher reads only
    the tags a tree names, so no other segment can flip with this write), plus `recheck.segments`:
    those the sync or the window timer asks about for a customer whose tags did not change.
    """
    extra = {s.id: s for s in recheck.segments} if recheck is not None else {}
    if not history and not extra:
        return []
    changed = {h.tag_key for h in history}
    moved = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    actor = history[-1].actor if history else ""
    out: list[MembershipChange] = []
    judged = [s for s in segments if s.id not in extra and not s.tag_keys.isdisjoint(moved)]
    for segment in [*judged, *extra.values()]:
        keys = segment.tag_keys
        was = segment.id in recorded if recorded is not None else matches(segment.tree, before, at)
        now = matches(segment.tree, after, at)
        if was == now:
            continue
        causes = tuple(h for h in history if h.tag_key in keys) or tuple(
            h for h in history if h.tag_key in changed
        )
        out.append(
            MembershipChange(
                id=new_id(),
                customer_id=customer_id,
                segment_id=segment.id,
                segment_name=segment.name,
                segment_version=segment.version,
                change="entered" if now else "left",
                causes=causes,
                actor=actor,
                at=at,
                trigger=recheck.trigger if segment.id in extra and recheck is not None else TAG_CHANGE,
            )
        )
    return out


def referencing(segments: Iterable[SavedSegment], keys: Iterable[str]) -> dict[str, list[SavedSegment]]:
    """Per tag key asked about, the saved segments whose expression names it (by name; absent: none).

    What the library reports as "referenced by saved segments" (usage, the dead-tag report, a merge).
    """
    wanted = set(keys)
    found: dict[str, list[SavedSegment]] = {}
    for segment in sorted(segments, key=lambda s: s.name.casefold()):
        for key in sorted(segment.tag_keys & wanted):
            found.setdefault(key, []).append(segment)
    return found


def cause_data(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "tag_key": entry.tag_key,
        "action": entry.action,
        "value": entry.value,
        "previous_value": entry.previous_value,
        "history_id": entry.id,
    }


def change_event_data(change: MembershipChange) -> dict[str, Any]:
    """The data of a `segment_entered` / `segment_left` event (docs/events.md)."""
    return {
        "segment_id": change.segment_id,
        "segment_name": change.segment_name,
        "segment_version": change.segment_version,
        "customer_id": change.customer_id,
        "change": change.change,
        "causes": [cause_data(c) for c in change.causes],
        "actor": change.actor,
        "at": iso_utc(change.at),
        "membership_id": change.id,
        "trigger": change.trigger,
    }


def segment_event_data(segment: SavedSegment, *, change: str, count: int | None = None) -> dict[str, Any]:
    """The data of `segment_created` / `segment_updated` / `segment_deleted`."""
    data: dict[str, Any] = {
        "segment_id": segment.id,
        "name": segment.name,
        "description": segment.description,
        "expression": segment.expression,
        "owner": segment.owner,
        "version": segment.version,
        "change": change,
        "updated_at": iso_utc(segment.updated_at),
    }
    if count is not None:
        data["count"] = count
    return data
