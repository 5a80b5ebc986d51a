"""Recording touchpoints: one guarded commit to the customer's progress, then the outbox's fast path.

Shared by the RPC and the ingest consumer. A commit reads the customer's progress and its version,
applies the touchpoints with the pure rules of `progress.py` one after the other, and writes the new
state, the pending touchpoint inserts and the events in one single-document write guarded by that
version (see `store.py`, which also says what a crash at each point leaves behind). A commit that
loses the race to another replica re-reads and recomputes, so the result is always that of some
serial order. Within one process, touchpoints of one customer that arrive together are committed
together (`grouping.py`): 50 at once cost a few commits, not 50 turns or ~1,275 lost races.

A touchpoint for a customer leads merged into another (its progress document says `merged_into`,
services/journey/merges.py) is recorded for the survivor instead, so nothing lands under a dead id.

A re-sent touchpoint id changes nothing and publishes nothing: it is found either as a stored
touchpoint or, in the moment between a commit and its completion, as its `touchpoint_recorded`
still pending in the progress document, which the re-send then helps complete.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from common.errors import Contended
from common.outbox import Pending
from services.journey.definitions import JourneyBook
from services.journey.events import JourneyEvents, touchpoint_recorded_id
from services.journey.grouping import GroupCommitter
from services.journey.progress import (
    CustomerProgress,
    Progress,
    StageChange,
    apply_touch,
    progress_view,
    stage_change,
    touch_of,
)
from services.journey.stale import rot_plan, timer_items
from services.journey.store import JourneyStore
from services.journey.templates import Journey
from services.journey.touchpoints import Touchpoint

# Commits lost to other replicas before giving up; each retry re-reads, so this is only reached
# under pathological contention on one customer.
MAX_ATTEMPTS = 60
# Touchpoints of one customer committed in one write at most; fewer when the tenant tracks several
# journeys, since each adds a stage_changed per journey it moves and a commit must stay within
# store.MAX_SET_FIELDS (ITEM_BUDGET leaves room for the state fields and a timer).
MAX_GROUP = 16
ITEM_BUDGET = 48


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """The outcome a caller sees: the stored touchpoint, progress after it, and whether the stage moved."""

    touchpoint: Touchpoint
    progress: Progress
    stage_changed: bool


_Key = tuple[str, str]  # (tenant, customer id)
_Request = tuple[Touchpoint, JourneyBook]


class _MergedAway(Exception):
    """The customer was merged into `survivor_id`: its touchpoints go there."""

    def __init__(self, survivor_id: str) -> None:
        super().__init__(survivor_id)
        self.survivor_id = survivor_id


class TouchpointRecorder:
    """Records validated touchpoints for a tenant onto the journeys of its book that they move."""

    def __init__(self, *, store: JourneyStore, events: JourneyEvents) -> None:
        self._store = store
        self._events = events
        self._groups: GroupCommitter[_Key, _Request, Recorded] = GroupCommitter(
            self._commit_and_publish, max_group=MAX_GROUP
        )

    async def record(self, tenant: str, touchpoint: Touchpoint, book: JourneyBook) -> Recorded:
        """Record `touchpoint` (idempotent by id): commit it with its events, then publish them."""
        return await self._groups.submit((tenant, touchpoint.customer_id), (touchpoint, book))

    async def _commit_and_publish(self, key: _Key, requests: Sequence[_Request]) -> list[Recorded]:
        tenant, customer_id = key
        chunk = max(1, ITEM_BUDGET // (2 + len(requests[0][1].tracked)))
        outcomes: list[Recorded | None] = []
        for start in range(0, len(requests), chunk):
            part = requests[start : start + chunk]
            try:
                done, items, alone = await self._commit(tenant, customer_id, part)
            except _MergedAway as merged:
                moved = [(replace(tp, customer_id=merged.survivor_id), b) for tp, b in requests[start:]]
                outcomes += await asyncio.gather(*(self.record(tenant, tp, b) for tp, b in moved))
                break
            outcomes += done
            if items and alone:
                # Nothing was pending before this commit, so every earlier item is already published:
                # publishing just these keeps the stream in commit order, one read cheaper.
                await self._events.publish_own(tenant, customer_id, items)
            else:
                # Also when all were re-sends: one of them may complete a commit whose writer died.
                await self._events.publish(tenant, customer_id)
        return [
            outcome if outcome is not None else await self._unchanged(tenant, touchpoint, book)
            for outcome, (touchpoint, book) in zip(outcomes, requests, strict=True)
        ]

    async def _commit(
        self, tenant: str, customer_id: str, requests: Sequence[_Request]
    ) -> tuple[list[Recorded | None], list[Pending], bool]:
        """Commit the new touchpoints of `requests`, in order: (outcome per request, None for a
        re-sent id; the items stored; whether nothing was pending before)."""
        book = requests[-1][1]
        for attempt in range(MAX_ATTEMPTS):
            # Progress first, then the touchpoints: a first recording that completes in between has
            # already inserted its touchpoint; one that commits in between fails our guard.
            current = await self._store.load(tenant, customer_id)
            if current.merged_into and current.merged_into != customer_id:
                raise _MergedAway(current.merged_into)
            stored = await self._store.existing_touchpoints(tenant, [tp.id for tp, _ in requests])
            progress, version = current.progress, current.version + 1
            outcomes: list[Recorded | None] = []
            items: list[Pending] = []
            for touchpoint, _ in requests:
                if (
                    touchpoint.id in stored
                    or touchpoint_recorded_id(tenant, touchpoint.id) in current.pending
                ):
                    outcomes.append(None)
                    continue
                stored.add(touchpoint.id)  # the same id twice in one group: the second is a re-send
                progress, changes = apply_to_journeys(progress, touchpoint, book)
                primary = book.primary(touchpoint.type)
                items += self._events.commit_items(
                    tenant,
                    touchpoint=touchpoint,
                    journey=primary,
                    changes=changes,
                    version=version,
                    first=len(items),
                )
                outcomes.append(
                    Recorded(
                        touchpoint=touchpoint,
                        progress=progress_view(customer_id, progress.of(primary), primary),
                        stage_changed=any(moved.key == primary.key for moved, _ in changes),
                    )
                )
            if not items:
                return outcomes, items, False
            rot_ms, next_ms = rot_plan(progress, book)
            timers = timer_items(
                self._events.outbox, tenant, customer_id, next_ms=next_ms, scheduled_ms=current.timer_ms
            )
            items += self._events.ordered(timers, version=version, first=len(items))
            if await self._store.commit(
                tenant,
                customer_id,
                expected_version=current.version,
                progress=progress,
                items=items,
                rot_ms=rot_ms,
                timer_ms=next_ms if timers else current.timer_ms,
            ):
                return outcomes, items, not current.pending
            await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise Contended(
            f"progress of customer {customer_id} changed {MAX_ATTEMPTS} times while recording; try again",
            metadata={"customer_id": customer_id},
        )

    async def _unchanged(self, tenant: str, touchpoint: Touchpoint, book: JourneyBook) -> Recorded:
        """What a re-sent id answers: the touchpoint as first stored and its customer's progress."""
        stored = await self._store.touchpoint(tenant, touchpoint.id) or touchpoint
        current = await self._store.load(tenant, stored.customer_id)
        primary = book.primary(stored.type)
        return Recorded(
            touchpoint=stored,
            progress=progress_view(stored.customer_id, current.progress.of(primary), primary),
            stage_changed=False,
        )


def apply_to_journeys(
    progress: CustomerProgress, touchpoint: Touchpoint, book: JourneyBook
) -> tuple[CustomerProgress, list[tuple[Journey, StageChange]]]:
    """`touchpoint` applied to every journey it moves (the default when it moves none, so its time
    still counts as the last touch); returns the new progress and each journey's stage change."""
    journeys = dict(progress.journeys)
    changes: list[tuple[Journey, StageChange]] = []
    for journey in book.moved_by(touchpoint.type) or (book.default,):
        before = progress.of(journey)
        touch = touch_of(touchpoint, journey)
        after = apply_touch(before, touch)
        change = stage_change(before, after, touch, journey)
        if change is not None:
            changes.append((journey, change))
        journeys[journey.key] = after
    return replace(progress, journeys=journeys), changes
