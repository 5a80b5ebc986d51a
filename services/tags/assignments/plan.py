"""What an assignment request does to one customer's tags: the pure planning step of AssignTags.

Given the checked inputs, the definitions involved and the customer's current assignments, `plan`
decides which values become active, which previous values they supersede, which inputs change
nothing (and why), and the history entries and writes that record it. It performs no I/O.

Rules, in order, per input:
1. the same value already active is a no-op ("unchanged"), except that a person confirming a machine's
   value takes it over (so later machine output no longer overturns it);
2. a machine source never overturns a value a person set ("human_decision"), neither for the same tag
   nor by displacing a person's tag of the same exclusive group;
3. otherwise the value becomes active, superseding the previous value of that tag and, when the tag is
   exclusive, every other active exclusive tag of its group.
Expired assignments count as absent (the `tags.expire` timer records them as expired when due; a
write that comes first records them itself). Re-asserting the active value with the same kind of
source refreshes its expiry (`expiry/planning.py`): listed as "unchanged", written without history.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from common.errors import NotFound, PermissionDenied
from common.ids import new_id, ulid
from services.tags.assignments.values import may_assign
from services.tags.expiry import planning as expiry_rules
from services.tags.model import (
    MACHINE_SOURCES,
    SYSTEM_CATEGORY,
    AssignInput,
    Assignment,
    Evidence,
    HistoryEntry,
    Skipped,
    TagDef,
)

UNCHANGED = "unchanged"
HUMAN_DECISION = "human_decision"


@dataclass(kw_only=True)
class Plan:
    """The outcome of one request: the response lists, the writes, and the history to append."""

    assigned: list[Assignment] = field(default_factory=list)
    replaced: list[Assignment] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    upserts: list[Assignment] = field(default_factory=list)
    deletes: list[Assignment] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    # Active values whose expiry a re-assertion moved (in `upserts` too): a write with no history.
    refreshed: list[Assignment] = field(default_factory=list)
    # Every stored assignment of the customer once the plan is applied (expired ones of other tags kept).
    final: dict[str, Assignment] = field(default_factory=dict)


def expiry(
    definition: TagDef, *, given: datetime | None, assigned_at: datetime, source: str = "manual"
) -> datetime | None:
    """The input's own expiry if given, else the earliest of assigned_at + ttl_days and, for a
    machine source, the definition's update cycle (`expiry/planning.py`), else never."""
    return expiry_rules.expires_at(definition, source=source, assigned_at=assigned_at, given=given)


def plan(
    customer_id: str,
    items: list[AssignInput],
    definitions: dict[str, TagDef],
    current: dict[str, Assignment],
    *,
    actor: str,
    now: datetime,
    assigned_at: datetime | None = None,
    reason: str = "",
) -> Plan:
    """Plan the assignment of checked `items`; see the module docstring for the rules.

    `current` maps tag keys to the customer's stored assignments (expired ones included);
    `definitions` must hold the definitions of the items and of the current assignments.
    `assigned_at` defaults to `now`; consumers pass the time of the fact they apply.
    """
    at = assigned_at or now
    result = Plan()
    active = {key: a for key, a in current.items() if not a.is_expired(now)}
    final = dict(current)
    entries: list[HistoryEntry] = []
    for item in items:
        definition = definitions[item.tag_key]
        previous = active.get(item.tag_key)
        confirming = previous is not None and previous.source != "manual" and item.source == "manual"
        if previous is not None and previous.value == item.value and not confirming:
            moved = expiry_rules.refreshed(
                previous, definition, source=item.source, at=at, given=item.expires_at
            )
            if moved is not None:
                result.refreshed.append(moved)
                result.upserts.append(moved)
                active[item.tag_key] = final[item.tag_key] = moved
            result.skipped.append(Skipped(tag_key=item.tag_key, value=item.value, reason=UNCHANGED))
            continue
        losers = _exclusive_rivals(definition, active, definitions)
        if item.source in MACHINE_SOURCES and any(
            a.source == "manual" for a in [*losers, *([previous] if previous else [])]
        ):
            result.skipped.append(Skipped(tag_key=item.tag_key, value=item.value, reason=HUMAN_DECISION))
            continue
        stale = current.get(item.tag_key)
        if stale is not None and stale.is_expired(now):
            entries.append(_entry(stale, action="expired", actor="", reason="expired", at=now))
        new = Assignment(
            customer_id=customer_id,
            tag_key=item.tag_key,
            value=item.value,
            source=item.source,
            confidence=item.confidence,
            evidence=item.evidence,
            actor=actor,
            assigned_at=at,
            expires_at=expiry(definition, given=item.expires_at, assigned_at=at, source=item.source),
        )
        result.assigned.append(new)
        result.upserts.append(new)
        why = "confirmed by a person" if confirming and previous and previous.value == item.value else reason
        entries.append(_entry(new, action="assigned", actor=actor, reason=why, at=now, previous=previous))
        if previous is not None and previous.value != item.value:
            result.replaced.append(previous)
        for loser in losers:
            result.replaced.append(loser)
            result.deletes.append(loser)
            entries.append(
                _entry(
                    loser,
                    action="replaced",
                    actor=actor,
                    reason=f"exclusive in group {definition.group!r}: replaced by {item.tag_key}",
                    at=now,
                    by=new,
                )
            )
            del active[loser.tag_key]
            final.pop(loser.tag_key, None)
        active[item.tag_key] = new
        final[item.tag_key] = new
    result.history = _with_ordered_ids(entries)
    result.final = final
    return result


def plan_removal(
    current: Assignment | None,
    definition: TagDef | None,
    *,
    customer_id: str,
    tag_key: str,
    roles: frozenset[str] | None,
    actor: str,
    reason: str,
    now: datetime,
) -> HistoryEntry:
    """The history entry that removing `tag_key` from a customer appends; raises if it may not.

    NOT_FOUND when the customer has no active value for the tag (an expired value counts as none);
    callers (`roles` not None) need the same permission to remove a tag as to assign it.
    """
    if current is None or current.is_expired(now):
        raise NotFound(f"customer {customer_id} has no active value for tag {tag_key!r}", field="tag_key")
    if roles is not None and definition is not None:
        if definition.category == SYSTEM_CATEGORY:
            raise PermissionDenied(
                f"{tag_key} is a system tag; only the platform removes it", field="tag_key"
            )
        if not may_assign(definition, roles):
            raise PermissionDenied(
                f"removing {tag_key} needs one of the roles {', '.join(definition.assign_roles)}",
                field="tag_key",
            )
    removal = replace(
        current, source="manual" if roles is not None else "system", confidence=1.0, evidence=Evidence()
    )
    entry = _entry(current, action="removed", actor=actor, reason=reason, at=now, by=removal)
    return _with_ordered_ids([entry])[0]


def _exclusive_rivals(
    definition: TagDef, active: dict[str, Assignment], definitions: dict[str, TagDef]
) -> list[Assignment]:
    """The customer's other active tags that are exclusive in the same group as `definition`."""
    if not definition.exclusive:
        return []
    rivals = []
    for key, assignment in active.items():
        other = definitions.get(key)
        if key != definition.key and other and other.exclusive and other.group == definition.group:
            rivals.append(assignment)
    return sorted(rivals, key=lambda a: a.tag_key)


def _entry(
    subject: Assignment,
    *,
    action: str,
    actor: str,
    reason: str,
    at: datetime,
    previous: Assignment | None = None,
    by: Assignment | None = None,
) -> HistoryEntry:
    """A history entry about `subject`; `by` is the assignment that displaced it, if any."""
    cause = by or subject
    return HistoryEntry(
        id="",
        customer_id=subject.customer_id,
        tag_key=subject.tag_key,
        action=action,
        value=subject.value,
        previous_value=previous.value if previous else "",
        source=cause.source if action != "expired" else "system",
        confidence=cause.confidence,
        evidence=cause.evidence,
        actor=actor,
        reason=reason,
        at=at,
    )


def ordered_after(entries: list[HistoryEntry], last_id: str) -> list[HistoryEntry]:
    """`entries` with ids that sort after `last_id` (the customer's last history entry), order kept.

    Ids are ULIDs: milliseconds, then random bits. Two writes in the same millisecond could otherwise
    sort against the order in which they happened; the history is listed by (at, id).
    """
    if not entries or not last_id or entries[0].id > last_id:
        return entries
    floor = _ulid_ms(last_id.partition("_")[2]) + 1
    ids = sorted(f"th_{ulid(floor)}" for _ in entries)
    return [replace(entry, id=ident) for entry, ident in zip(entries, ids, strict=True)]


def _ulid_ms(body: str) -> int:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = 0
    for char in body[:10]:
        value = value * 32 + alphabet.index(char)
    return value


def _with_ordered_ids(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """Give entries ids that sort in the order they happened, since several share one timestamp."""
    ids = sorted(new_id("th") for _ in entries)
    return [replace(entry, id=ident) for entry, ident in zip(entries, ids, strict=True)]
