"""Time windows that move without writes: `高意向 ASSIGNED WITHIN 7 DAYS` loses a customer when the
assignment turns seven days old, though nothing is written; `NOT (… ASSIGNED WITHIN 7 DAYS)` gains one.

Choice: one `tags.segment_window` timer per saved segment whose expression has a `WITHIN n DAYS`
window, re-armed every `interval` (TAGS_SEGMENT_WINDOW_SECONDS, 60 s by default), rather than one
timer at the exact instant the next member ages out. Finding that instant needs the oldest
assignment time among the current members of every windowed tag, which the index contract
(`index.py`) does not answer, and re-computing it after every write would put a scheduler write on
the hot path. A periodic check costs two bitmap evaluations per windowed segment per interval
(milliseconds at 10 M customers, DESIGN §8) and is late by at most the interval plus the scheduler's
poll — for windows people count in days. Only `last_days` moves with time: `ASSIGNED AFTER/BEFORE`
are fixed instants, and TTL expiry is a write of its own (services/tags/expiry/).

Each firing evaluates the segment on this replica's index at the previous check (`from_ms`) and now
(`to_ms`), both on today's assignments: the customers in exactly one of the two are the ones time
moved. For each (in bounded batches, the rest by an immediate re-firing that keeps `to_ms`), the
customer's recorded membership is brought to what the matcher says on MongoDB (`syncing.announce`,
trigger `time_window`) through the one write path: idempotent, so a re-run or a customer whose tags
changed meanwhile (already announced by that write) costs a read and nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from common.mongo import epoch_ms
from common.outbox import Outbox, PendingInsert
from common.scheduler import TIMERS, Scheduler, Timer, timer_document
from services.tags.operations import TagOperations, now_ms
from services.tags.segments.evaluate import evaluate
from services.tags.segments.expression import AssignedWithin, Node, predicates
from services.tags.segments.index import TagIndex
from services.tags.segments.saved import TIME_WINDOW, SavedSegment
from services.tags.segments.saved_store import SavedSegmentStore
from services.tags.segments.syncing import announce

WINDOW_TIMER = "tags.segment_window"
BATCH = 200
DEFAULT_INTERVAL_SECONDS = 60.0


def moves_with_time(node: Node) -> bool:
    """Whether the segment's answer can change with time alone (a `WITHIN n DAYS` window)."""
    return any(isinstance(p, AssignedWithin) and p.last_days is not None for p in predicates(node))


def window_timer(outbox: Outbox, segment: SavedSegment, *, interval: timedelta) -> PendingInsert:
    """The pending insert that arms the segment's window checks (a no-op if a timer is armed)."""
    timer = Timer(
        tenant=segment.tenant,
        kind=WINDOW_TIMER,
        key=segment.id,
        due_at=segment.updated_at + interval,
        payload={"from_ms": epoch_ms(segment.updated_at)},
    )
    return outbox.insert(TIMERS, timer_document(timer))


class WindowChecks:
    """The `tags.segment_window` timer's handler."""

    def __init__(
        self,
        ops: TagOperations,
        segments: SavedSegmentStore,
        scheduler: Scheduler,
        index: TagIndex,
        *,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
    ) -> None:
        self._ops = ops
        self._segments = segments
        self._scheduler = scheduler
        self._index = index
        self.interval = timedelta(seconds=interval_seconds)

    async def step(self, tenant: str, key: str, payload: Mapping[str, Any]) -> None:
        """Announce the customers time moved in or out since the last check; re-arm."""
        found = await self._segments.get(tenant, key)
        if found is None or not moves_with_time(found[0].tree):
            return  # deleted, or edited to a fixed window: no more checks (an edit back re-arms)
        segment = found[0]
        to_ms = _int(payload.get("to_ms")) or epoch_ms(now_ms())
        from_ms = _int(payload.get("from_ms")) or to_ms - int(self.interval.total_seconds() * 1000)
        after = _int(payload.get("after"))
        was = evaluate(segment.tree, self._index, tenant, now_ms=from_ms)
        now = evaluate(segment.tree, self._index, tenant, now_ms=to_ms)
        moved = was ^ now
        if after is not None:
            moved.remove_range(0, after + 1)
        numbers = list(moved[:BATCH])
        ids = self._index.customer_ids(tenant, numbers)
        reads = await self._ops.store.customers(tenant, ids) if ids else {}
        for customer_id in ids:
            await announce(self._ops, reads[customer_id], segment, trigger=TIME_WINDOW)
        if len(moved) > BATCH:
            carry_on = {"from_ms": from_ms, "to_ms": to_ms, "after": numbers[-1]}
            await self._scheduler.schedule(
                tenant=tenant, kind=WINDOW_TIMER, key=key, due_at=now_ms(), payload=carry_on
            )
            return
        due = datetime.fromtimestamp(to_ms / 1000, tz=UTC) + self.interval
        await self._scheduler.schedule(
            tenant=tenant, kind=WINDOW_TIMER, key=key, due_at=due, payload={"from_ms": to_ms}
        )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
