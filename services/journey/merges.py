"""Leads merged a duplicate customer into a survivor: the duplicate's journey moves onto the survivor.

Consumed: `<root>.evt.<tenant>.leads.customers_merged` {survivor_id, merged_id, actor} (durable
`journey-merges`). Until this ran, the duplicate's touchpoints, progress, deals, tasks and timeline
stayed under an id nobody reads any more, and the funnel counted one person twice.

What a merge does, in this order, each step idempotent so a redelivery (or a crash half-way and the
redelivery after it) completes a half-done merge and a replay of a finished one changes nothing:
1. complete whatever the duplicate's progress document still has pending (touchpoint inserts, events),
   so every touchpoint it recorded is a stored document before step 4 moves them;
2. fold the duplicate's progress into the survivor's (`merge_progress`, pure: per journey the earlier
   first-reached time of each stage, the further furthest stage, the current stage of the later
   stage-bearing touchpoint, the later last touch, both move histories), re-measured against each
   journey's current version, with the stale timer the result needs, in one guarded write that also
   lists the duplicate in `merged_ids`. The fold keeps extremes, so folding twice is folding once;
3. empty the duplicate's progress (no journeys: the funnel counts the customer once) and mark it
   `merged_into`, guarded by the version read in step 2; a touchpoint that slipped in between fails
   the guard and steps 1-3 run again with it. From then on the recorder records a touchpoint sent
   for the duplicate's id for the survivor (recording.py), so nothing lands under the dead id;
4. re-key the duplicate's touchpoints and timeline entries, deals and tasks (open and closed) to the
   survivor, one `update_many` each (`merged_from` recorded). Deals keep their owner, amounts and
   qualification, tasks their owner and due time; no deal or task event is re-fired. Task reminder
   timers are keyed by task and due time, not customer, so each still fires once, now for the survivor.
The merge publishes no journey event of its own. Everything is scoped by the event's tenant.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from common.bus import Consumer, Handler
from common.errors import Contended, InvalidArgument
from services.journey.progress import MAX_MOVES, CustomerProgress, ProgressState, remeasure
from services.journey.stale import NEVER_MS, rot_plan, timer_items
from services.journey.templates import Journey

if TYPE_CHECKING:
    from services.journey.deal_store import DealStore
    from services.journey.definition_store import DefinitionStore
    from services.journey.definitions import JourneyBook
    from services.journey.events import JourneyEvents
    from services.journey.store import JourneyStore
    from services.journey.task_store import TaskStore

DURABLE = "journey-merges"
SUBJECT = "evt.*.leads.customers_merged"
MAX_ATTEMPTS = 30


def merge_state(survivor: ProgressState, duplicate: ProgressState, journey: Journey | None) -> ProgressState:
    """One journey's progress of two customers as one customer's (pure, idempotent, see module doc).

    `journey` (None when the tenant no longer has it) re-measures the result against its current
    version. The current stage is that of the later stage-bearing touchpoint of either, so its
    `entered_at` and stale announcement come from that side; the survivor's on a tie.
    """
    reached = dict(survivor.reached)
    for stage, at in duplicate.reached.items():
        reached[stage] = at if stage not in reached else min(reached[stage], at)
    lead = survivor if survivor.latest >= duplicate.latest else duplicate
    touches = [t for t in (survivor.last_touch_at, duplicate.last_touch_at) if t is not None]
    merged = replace(
        survivor,
        reached=reached,
        furthest_rank=max(survivor.furthest_rank, duplicate.furthest_rank),
        latest=lead.latest,
        last_touch_at=max(touches) if touches else None,
        version=max(survivor.version, duplicate.version),
        entered_at=lead.entered_at,
        moves=tuple(sorted(set(survivor.moves) | set(duplicate.moves)))[-MAX_MOVES:],
        stale_entered_ms=lead.stale_entered_ms,
    )
    if journey is None:
        return merged
    return remeasure(replace(merged, furthest_rank=journey.furthest_rank(reached)), journey)


def merge_progress(
    survivor: CustomerProgress, duplicate: CustomerProgress, book: JourneyBook
) -> CustomerProgress:
    """The survivor's progress with the duplicate's folded in, journey by journey (pure).

    Owner and source channel stay the survivor's: leads decides them, and its merge keeps the
    survivor's profile.
    """
    journeys = dict(survivor.journeys)
    for key, theirs in duplicate.journeys.items():
        ours = journeys.get(key)
        journeys[key] = theirs if ours is None else merge_state(ours, theirs, book.get(key))
    return replace(survivor, journeys=journeys)


class JourneyMerges:
    """Moves a merged duplicate's journey data onto its survivor (module docstring)."""

    def __init__(
        self,
        *,
        store: JourneyStore,
        deals: DealStore,
        tasks: TaskStore,
        events: JourneyEvents,
        definitions: DefinitionStore,
    ) -> None:
        self._store = store
        self._deals = deals
        self._tasks = tasks
        self._events = events
        self._definitions = definitions

    async def merge(self, tenant: str, survivor_id: str, merged_id: str) -> None:
        book = await self._definitions.book(tenant)
        for attempt in range(MAX_ATTEMPTS):
            duplicate = await self._store.load(tenant, merged_id)
            if duplicate.pending:
                await self._events.publish(tenant, merged_id)  # step 1
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
            if duplicate.merged_into == survivor_id and not duplicate.progress.journeys:
                break  # folded and emptied already
            await self._absorb(tenant, survivor_id, merged_id, duplicate.progress, book)  # step 2
            # Step 3; a duplicate without progress gets the empty, marked document all the same, so a
            # touchpoint sent for it later is recorded for the survivor (recording.py).
            if await self._store.commit(
                tenant,
                merged_id,
                expected_version=duplicate.version,
                progress=CustomerProgress(),
                items=[],
                rot_ms=NEVER_MS,
                timer_ms=duplicate.timer_ms,
                marks={"merged_into": survivor_id},
            ):
                break
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        else:
            raise Contended(f"the journey of {merged_id} kept changing during its merge into {survivor_id}")
        # Step 4.
        await self._store.move_timeline(tenant, merged_id, survivor_id)
        await self._deals.move_customer(tenant, merged_id, survivor_id)
        await self._tasks.move_customer(tenant, merged_id, survivor_id)

    async def _absorb(
        self, tenant: str, survivor_id: str, merged_id: str, duplicate: CustomerProgress, book: JourneyBook
    ) -> None:
        """Fold `duplicate` into the survivor's progress with one guarded write (nothing if no change)."""
        for attempt in range(MAX_ATTEMPTS):
            current = await self._store.load(tenant, survivor_id)
            merged = merge_progress(current.progress, duplicate, book)
            ids = current.merged_ids if merged_id in current.merged_ids else (*current.merged_ids, merged_id)
            if merged == current.progress and ids == current.merged_ids:
                return
            rot_ms, next_ms = rot_plan(merged, book)
            timers = timer_items(
                self._events.outbox, tenant, survivor_id, next_ms=next_ms, scheduled_ms=current.timer_ms
            )
            items = self._events.ordered(timers, version=current.version + 1)
            if await self._store.commit(
                tenant,
                survivor_id,
                expected_version=current.version,
                progress=merged,
                items=items,
                rot_ms=rot_ms,
                timer_ms=next_ms if timers else current.timer_ms,
                marks={"merged_ids": list(ids)},
            ):
                if items:
                    await self._events.publish(tenant, survivor_id)
                return
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"the progress of {survivor_id} kept changing while {merged_id} was merged into it")


def merges_consumer(merges: JourneyMerges) -> Consumer:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        data = event.get("data")
        survivor = data.get("survivor_id") if isinstance(data, dict) else None
        merged = data.get("merged_id") if isinstance(data, dict) else None
        if not isinstance(survivor, str) or not isinstance(merged, str) or not survivor or not merged:
            raise InvalidArgument("customers_merged needs survivor_id and merged_id", field="data")
        if survivor == merged:
            raise InvalidArgument("customers_merged names the same customer twice", field="data.merged_id")
        await merges.merge(tenant, survivor, merged)

    handler: Handler = handle
    return Consumer(durable=DURABLE, stream_kind="evt", filter_subject=SUBJECT, handler=handler)
