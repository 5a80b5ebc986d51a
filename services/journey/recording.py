"""Recording touchpoints: one guarded commit to the customer's progress, then the outbox's fast path.

Shared by the RPC and the ingest consumer. A commit reads the customer's progress and its version,
applies the touchpoints with the pure rules of `progress.py` one after the other, and writes the new
state, the pending touchpoint inserts and the events in one single-document write guarded by that
version (see `store.py`, which also says what a crash at each point leaves behind). A commit that
loses the race to another replica re-reads and recomputes, so the result is always that of some
serial order. Within one process, touchpoints of one customer that arrive together are committed
together (`grouping.py`): 50 at once cost a few commits, not 50 turns or ~1,275 lost races.

A re-sent touchpoint id changes nothing and publishes nothing: it is found either as a stored
touchpoint or, in the moment between a commit and its completion, as its `touchpoint_recorded`
still pending in the progress document, which the re-send then helps complete.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass

from common.errors import Contended
from common.outbox import Pending
from services.journey.events import JourneyEvents, touchpoint_recorded_id
from services.journey.grouping import GroupCommitter
from services.journey.progress import Progress, apply_touch, progress_view, stage_change, touch_of
from services.journey.store import JourneyStore
from services.journey.templates import Journey
from services.journey.touchpoints import Touchpoint

# Commits lost to other replicas before giving up; each retry re-reads, so this is only reached
# under pathological contention on one customer.
MAX_ATTEMPTS = 60
# Touchpoints of one customer committed in one write at most: each adds up to three outbox items,
# and a commit must stay within store.MAX_SET_FIELDS.
MAX_GROUP = 16


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """The outcome a caller sees: the stored touchpoint, progress after it, and whether the stage moved."""

    touchpoint: Touchpoint
    progress: Progress
    stage_changed: bool


_Key = tuple[str, str]  # (tenant, customer id)
_Request = tuple[Touchpoint, Journey]


class TouchpointRecorder:
    """Records validated touchpoints for a tenant onto that tenant's journey."""

    def __init__(self, *, store: JourneyStore, events: JourneyEvents) -> None:
        self._store = store
        self._events = events
        self._groups: GroupCommitter[_Key, _Request, Recorded] = GroupCommitter(
            self._commit_and_publish, max_group=MAX_GROUP
        )

    async def record(self, tenant: str, touchpoint: Touchpoint, journey: Journey) -> Recorded:
        """Record `touchpoint` (idempotent by id): commit it with its events, then publish them."""
        return await self._groups.submit((tenant, touchpoint.customer_id), (touchpoint, journey))

    async def _commit_and_publish(self, key: _Key, requests: Sequence[_Request]) -> list[Recorded]:
        tenant, customer_id = key
        outcomes, items, alone = await self._commit(tenant, customer_id, requests)
        if items and alone:
            # Nothing was pending before this commit, so every earlier item is already published:
            # publishing just these keeps the stream in commit order, one read cheaper.
            await self._events.publish_own(tenant, customer_id, items)
        else:
            # Also when all were re-sends: one of them may complete a commit whose writer died.
            await self._events.publish(tenant, customer_id)
        return [
            outcome if outcome is not None else await self._unchanged(tenant, touchpoint, journey)
            for outcome, (touchpoint, journey) in zip(outcomes, requests, strict=True)
        ]

    async def _commit(
        self, tenant: str, customer_id: str, requests: Sequence[_Request]
    ) -> tuple[list[Recorded | None], list[Pending], bool]:
        """Commit the new touchpoints of `requests`, in order: (outcome per request, None for a
        re-sent id; the items stored; whether nothing was pending before)."""
        journey = requests[0][1]
        for attempt in range(MAX_ATTEMPTS):
            # Progress first, then the touchpoints: a first recording that completes in between has
            # already inserted its touchpoint; one that commits in between fails our guard.
            current = await self._store.load(tenant, customer_id, journey=journey.key)
            stored = await self._store.existing_touchpoints(tenant, [tp.id for tp, _ in requests])
            state, version = current.state, current.version + 1
            outcomes: list[Recorded | None] = []
            items: list[Pending] = []
            for touchpoint, journey in requests:
                if (
                    touchpoint.id in stored
                    or touchpoint_recorded_id(tenant, touchpoint.id) in current.pending
                ):
                    outcomes.append(None)
                    continue
                stored.add(touchpoint.id)  # the same id twice in one group: the second is a re-send
                touch = touch_of(touchpoint, journey)
                after = apply_touch(state, touch)
                change = stage_change(state, after, touch, journey)
                items += self._events.commit_items(
                    tenant,
                    touchpoint=touchpoint,
                    journey=journey,
                    change=change,
                    version=version,
                    first=len(items),
                )
                outcomes.append(
                    Recorded(
                        touchpoint=touchpoint,
                        progress=progress_view(customer_id, after, journey),
                        stage_changed=change is not None,
                    )
                )
                state = after
            if not items:
                return outcomes, items, False
            if await self._store.commit(
                tenant, customer_id, expected_version=current.version, state=state, items=items
            ):
                return outcomes, items, not current.pending
            await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise Contended(
            f"progress of customer {customer_id} changed {MAX_ATTEMPTS} times while recording; try again",
            metadata={"customer_id": customer_id},
        )

    async def _unchanged(self, tenant: str, touchpoint: Touchpoint, journey: Journey) -> Recorded:
        """What a re-sent id answers: the touchpoint as first stored and its customer's progress."""
        stored = await self._store.touchpoint(tenant, touchpoint.id) or touchpoint
        current = await self._store.load(tenant, stored.customer_id, journey=journey.key)
        return Recorded(
            touchpoint=stored,
            progress=progress_view(stored.customer_id, current.state, journey),
            stage_changed=False,
        )
