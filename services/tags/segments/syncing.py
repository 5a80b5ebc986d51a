"""Announcing a new or edited segment's members: background batches on the common scheduler.

A partner mirroring a segment needs `segment_entered` for everyone already in it when it is created,
and `segment_entered` / `segment_left` for everyone an edited expression takes in or drops. That can
be millions of customers, so it is not done in the request:

1. Creating a segment, or changing its expression, stores a `tags.segment_sync` timer (key
   `<segment id>@<version>`) as a pending insert of the segment's own write (common/outbox.py): the
   segment and the work it owes cannot be separated by a crash.
2. Each firing (`step`) takes the tenant's next `BATCH` customers in customer-id order after the
   sync's cursor, and for each whose recorded membership (`CustomerTags.segments`) differs from what
   the matcher says now, writes the customer's document through the one write path
   (`TagOperations.write(..., recheck=...)`) with the history row, the event and the new record in
   that same versioned write. Then it moves the cursor (guarded: a batch counts once) and schedules
   itself again at once, or marks the sync done.
3. Idempotent by construction: a customer already announced is recorded, so a re-run batch (a crash,
   a lease passed to another replica) or a tag write racing the sync finds nothing left to say; the
   version guard on the customer's document serialises the sync with every other writer.
An edit of the expression starts the sync of the new version from the first customer; the old
version's timer finds a newer sync and stops. Renames and description changes start nothing.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any

from common.errors import Contended
from common.mongo import epoch_ms
from common.outbox import Outbox, PendingInsert
from common.scheduler import TIMERS, Scheduler, Timer, timer_document
from services.tags.operations import TagOperations, now_ms
from services.tags.segments.index import TagIndex
from services.tags.segments.match import matches
from services.tags.segments.saved import SEGMENT_CHANGE, Recheck, SavedSegment
from services.tags.segments.saved_store import SavedSegmentStore
from services.tags.segments.sync_store import DONE, PENDING, SyncState, SyncStore
from services.tags.store import CustomerTags

SYNC_TIMER = "tags.segment_sync"
BATCH = 200  # customers checked per firing; only those whose membership changes are written
MAX_ATTEMPTS = 100


def sync_key(segment: SavedSegment) -> str:
    return f"{segment.id}@{segment.version}"


def sync_timer(outbox: Outbox, segment: SavedSegment) -> PendingInsert:
    """The pending insert that starts the sync of `segment` as stored by the same write."""
    timer = Timer(tenant=segment.tenant, kind=SYNC_TIMER, key=sync_key(segment), due_at=segment.updated_at)
    return outbox.insert(TIMERS, timer_document(timer))


async def announce(ops: TagOperations, read: CustomerTags, segment: SavedSegment, *, trigger: str) -> str:
    """Bring one customer's recorded membership of `segment` to what is true now, announcing the
    difference: "entered", "left", or "" when the record was already right."""
    for attempt in range(MAX_ATTEMPTS):
        truth = matches(segment.tree, read.assignments, now=now_ms())
        if truth == (segment.id in read.segments):
            return ""
        recheck = Recheck(segments=(segment,), trigger=trigger)
        if await ops.write(read, dict(read.assignments), [], recheck=recheck):
            return "entered" if truth else "left"
        await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
        read = await ops.store.customer(read.tenant, read.customer_id)
    raise Contended(f"the tags of customer {read.customer_id} kept changing during a segment sync")


class SegmentSync:
    """The `tags.segment_sync` timer's handler and the progress a segment shows."""

    def __init__(
        self,
        ops: TagOperations,
        segments: SavedSegmentStore,
        syncs: SyncStore,
        scheduler: Scheduler,
        index: TagIndex,
    ) -> None:
        self._ops = ops
        self._segments = segments
        self._syncs = syncs
        self._scheduler = scheduler
        self._index = index

    async def step(self, tenant: str, key: str, payload: Mapping[str, Any]) -> None:
        """One batch of the sync named by `key` (`<segment id>@<version>`)."""
        segment_id, _, raw_version = key.rpartition("@")
        found = await self._segments.get(tenant, segment_id)
        if found is None or not raw_version.isdigit():
            return  # deleted meanwhile: nobody mirrors a deleted segment's members
        segment, version = found[0], int(raw_version)
        sync = await self._syncs.begin(
            tenant, segment_id, version, total=len(self._index.universe(tenant)), now_ms=epoch_ms(now_ms())
        )
        if sync.segment_version != version or sync.state == DONE:
            return  # a newer edit has its own sync
        ids = await self._syncs.customers_after(tenant, sync.after, limit=BATCH)
        reads = await self._ops.store.customers(tenant, ids) if ids else {}
        outcomes = [await announce(self._ops, reads[c], segment, trigger=SEGMENT_CHANGE) for c in ids]
        moved = await self._syncs.advance(
            tenant,
            sync,
            after=ids[-1] if ids else sync.after,
            checked=len(ids),
            entered=outcomes.count("entered"),
            left=outcomes.count("left"),
        )
        if not moved:
            return  # another run recorded this batch; its firing carries on
        if len(ids) == BATCH:
            await self._scheduler.schedule(tenant=tenant, kind=SYNC_TIMER, key=key, due_at=now_ms())
            return
        await self._syncs.finish(tenant, sync, now_ms=epoch_ms(now_ms()))

    async def progress(self, tenant: str, segments: list[SavedSegment]) -> dict[str, SyncState]:
        """Each segment's sync of its current expression (pending until the first batch ran)."""
        found = await self._syncs.many(tenant, [s.id for s in segments])
        out: dict[str, SyncState] = {}
        for segment in segments:
            state = found.get(segment.id)
            if state is None or state.segment_version < segment.expression_version:
                state = SyncState(
                    segment_id=segment.id, segment_version=segment.expression_version, state=PENDING
                )
            out[segment.id] = state
        return out
