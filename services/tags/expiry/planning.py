"""When an assignment expires, and what expiring it writes: the pure half of tag expiry.

No I/O here; `timers.py` fires and sweeps, `assignments/plan.py` asks `expires_at` and `refreshed`.
The rules (argued in docs/tag-expiry.md):

- An input's own `expires_at` wins. Otherwise an assignment expires at the earliest of
  - its definition's TTL (`ttl_days` after it was last (re)assigned), whatever its source, and
  - for a machine source only (rule, channel, conversation, model, import, system), its definition's
    update cycle: a `daily` / `monthly` / `quarterly` tag is one a job recomputes every day / 30 days /
    90 days, so a machine value that has not been re-asserted within one and a half cycles (the job
    missed a run, and half a cycle of slack for a run that starts late) is stale and expires. A
    person's value never expires by cycle: nobody re-types their decisions on a schedule.
- Re-asserting the active value (same value, same kind of source: machine for machine, person for
  person) refreshes it: the expiry is computed again from the new time. A refresh only ever moves the
  expiry later (or drops it when the definition no longer expires anything): a replayed or delayed
  message never makes a fresh value expire sooner. It changes no value, so it writes no history entry
  and no event, only the new `expires_at` and its timer.
- Every stored assignment with an `expires_at` has a `tags.expire` timer keyed by customer, tag and
  that expiry instant. A changed expiry is a new key (the old timer is cancelled, or finds nothing).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from common.ids import new_id
from common.mongo import epoch_ms
from common.scheduler import Timer
from services.tags.model import MACHINE_SOURCES, Assignment, HistoryEntry, TagDef

EXPIRE_KIND = "tags.expire"

CYCLES: dict[str, timedelta] = {
    "daily": timedelta(days=1),
    "monthly": timedelta(days=30),
    "quarterly": timedelta(days=90),
}
# How many cycles a machine value lives without being re-asserted: one missed run, plus half a cycle.
CYCLE_LIFETIME = 1.5


def is_machine(source: str) -> bool:
    return source in MACHINE_SOURCES


def cycle_lifetime(update_cycle: str) -> timedelta | None:
    """How long a machine value of a tag with this cycle lives unrefreshed; None for `realtime`."""
    cycle = CYCLES.get(update_cycle)
    return cycle * CYCLE_LIFETIME if cycle is not None else None


def expires_at(
    definition: TagDef, *, source: str, assigned_at: datetime, given: datetime | None
) -> datetime | None:
    """When a value of `definition` set by `source` at `assigned_at` expires (None: never).

    At millisecond precision, as MongoDB stores it, so a re-read compares equal (a refresh to the
    same instant is no refresh, and the timer key names the stored instant).
    """
    if given is not None:
        return _ms(given)
    limits: list[datetime] = []
    if definition.ttl_days > 0:
        limits.append(assigned_at + timedelta(days=definition.ttl_days))
    lifetime = cycle_lifetime(definition.update_cycle)
    if lifetime is not None and is_machine(source):
        limits.append(assigned_at + lifetime)
    earliest = min(limits, default=None)
    return _ms(earliest) if earliest is not None else None


def _ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def refreshed(
    previous: Assignment, definition: TagDef, *, source: str, at: datetime, given: datetime | None
) -> Assignment | None:
    """`previous` with its expiry moved by a re-assertion of its value, or None if nothing moves.

    A machine re-asserting a person's value (or the other way round: that is a confirmation, planned
    elsewhere) refreshes nothing.
    """
    if is_machine(source) != is_machine(previous.source):
        return None
    new = expires_at(definition, source=previous.source, assigned_at=at, given=given)
    old = previous.expires_at
    if new == old or (new is not None and old is not None and new < old):
        return None
    return replace(previous, expires_at=new)


def expire(
    assignments: dict[str, Assignment], *, now: datetime
) -> tuple[dict[str, Assignment], list[HistoryEntry]]:
    """The customer's assignments without those expired at `now`, and one `expired` entry per removal.

    The entry has the same shape as the one the lazy path writes (`assignments/plan.py`): source
    `system`, no actor, reason "expired", at the time of the write. The caller orders the entries'
    ids after the customer's last one (`plan.ordered_after`), as for every write.
    """
    gone = sorted((a for a in assignments.values() if a.is_expired(now)), key=lambda a: a.tag_key)
    if not gone:
        return assignments, []
    final = {key: a for key, a in assignments.items() if not a.is_expired(now)}
    ids = sorted(new_id("th") for _ in gone)
    entries = [
        HistoryEntry(
            id=ident,
            customer_id=a.customer_id,
            tag_key=a.tag_key,
            action="expired",
            value=a.value,
            previous_value="",
            source="system",
            confidence=a.confidence,
            evidence=a.evidence,
            actor="",
            reason="expired",
            at=now,
        )
        for a, ident in zip(gone, ids, strict=True)
    ]
    return final, entries


def timer_key(customer_id: str, tag_key: str, expires: datetime) -> str:
    """One timer per (customer, tag, expiry instant): a moved expiry is another timer."""
    return f"{customer_id}/{tag_key}@{epoch_ms(expires)}"


def expiry_timer(tenant: str, assignment: Assignment) -> Timer:
    """The `tags.expire` timer of an assignment that has an expiry."""
    assert assignment.expires_at is not None
    return timer_for(tenant, assignment.customer_id, assignment.tag_key, assignment.expires_at)


def timer_for(tenant: str, customer_id: str, tag_key: str, expires: datetime) -> Timer:
    """The `tags.expire` timer due at `expires` for the customer's tag."""
    return Timer(
        tenant=tenant,
        kind=EXPIRE_KIND,
        key=timer_key(customer_id, tag_key, expires),
        due_at=expires,
        payload={"customer_id": customer_id, "tag_key": tag_key},
    )


def timer_changes(
    tenant: str, before: dict[str, Assignment], after: dict[str, Assignment], *, now: datetime
) -> tuple[list[Timer], list[str]]:
    """What a write from `before` to `after` does to timers: the timers to create (every expiry that
    is new in `after`) and the keys of the timers to cancel: those that no longer stand for a stored
    expiry and are not due yet. One already due is running (an expiry's own timer) or about to, and
    finds nothing to do: cancelling it would cost a write for nothing."""
    create: list[Timer] = []
    stale: list[str] = []
    for key, new in after.items():
        old = before.get(key)
        if new.expires_at is not None and (old is None or old.expires_at != new.expires_at):
            create.append(expiry_timer(tenant, new))
    for key, old in before.items():
        new_ = after.get(key)
        gone = new_ is None or new_.expires_at != old.expires_at
        if old.expires_at is not None and old.expires_at > now and gone:
            stale.append(timer_key(old.customer_id, key, old.expires_at))
    return create, stale
