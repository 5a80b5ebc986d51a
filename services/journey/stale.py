"""Stale deals: a customer who stays in a stage longer than its `days_to_rot`.

A customer's deal in a journey is stale from `entered_at + days_to_rot` of its current stage until
the stage moves. Two things follow from the progress document alone:
- the list: `rot_ms` (the earliest instant any current stage of the customer turns stale) is stored
  and indexed with the owner, so `staleDeals` reads the customers whose `rot_ms` has passed, in the
  order they turned stale, and keeps the journeys actually stale now;
- the event: `journey.deal_stale` fires once per stay in a stage. Every progress commit that changes
  the next instant a not-yet-announced stay turns stale stores a scheduler timer for that instant in
  the same write (`stale_timer`: the key names the instant, so it is inserted, never moved). When it
  fires, `StaleDeals.fire` (deal_stale.py) re-reads the progress: stays that are stale now and not yet
  announced get their event and `stale_ms` (their `entered_at`) in one guarded write. A timer whose
  stage moved meanwhile finds nothing stale and does nothing: that is how a move "cancels" it, and the
  commit that moved it has already stored the timer of the new stay.
The thresholds are those of the journey versions the progress was measured against at its last write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from common.outbox import Outbox, PendingInsert
from common.scheduler import TIMERS, Timer, timer_document
from services.journey.definitions import JourneyBook
from services.journey.progress import CustomerProgress, ProgressState
from services.journey.touchpoints import from_millis, to_millis

STALE_KIND = "journey.stale"
DAY_MS = 86_400_000
# `rot_ms` of a customer none of whose current stages can turn stale (sorts after every real time).
NEVER_MS = 2**53


@dataclass(frozen=True, kw_only=True)
class StaleStay:
    """One customer's stay in a stage of one journey past its threshold."""

    journey: str
    stage: str
    entered_at: datetime
    stale_at: datetime
    days_to_rot: int


def rot_instants(progress: CustomerProgress, book: JourneyBook) -> dict[str, StaleStay]:
    """Per tracked journey whose current stage has a threshold: when the current stay turns stale."""
    stays: dict[str, StaleStay] = {}
    for journey in book.tracked:
        state = progress.journeys.get(journey.key)
        if state is None or state.entered_at is None:
            continue
        stage = journey.stage(state.current_stage)
        if stage is None or not stage.days_to_rot:
            continue
        stays[journey.key] = StaleStay(
            journey=journey.key,
            stage=stage.key,
            entered_at=state.entered_at,
            stale_at=from_millis(to_millis(state.entered_at) + stage.days_to_rot * DAY_MS),
            days_to_rot=stage.days_to_rot,
        )
    return stays


def announced(state: ProgressState) -> bool:
    """Whether the current stay's deal_stale has fired."""
    return state.entered_at is not None and state.stale_entered_ms == to_millis(state.entered_at)


def rot_plan(progress: CustomerProgress, book: JourneyBook) -> tuple[int, int]:
    """(`rot_ms` to store for the list, the instant the next unannounced stay turns stale or 0)."""
    stays = rot_instants(progress, book)
    rot_ms = min((to_millis(s.stale_at) for s in stays.values()), default=NEVER_MS)
    pending = [to_millis(s.stale_at) for key, s in stays.items() if not announced(progress.journeys[key])]
    return rot_ms, min(pending, default=0)


def stale_now(progress: CustomerProgress, book: JourneyBook, *, now_ms: int) -> list[StaleStay]:
    """The stays of this customer that are stale at `now_ms`, default journey first."""
    return [s for s in rot_instants(progress, book).values() if to_millis(s.stale_at) <= now_ms]


def stale_timer(outbox: Outbox, tenant: str, customer_id: str, due_ms: int) -> PendingInsert:
    """The timer for a stay turning stale at `due_ms`, as a pending insert of the progress commit."""
    timer = Timer(tenant=tenant, kind=STALE_KIND, key=f"{customer_id}|{due_ms}", due_at=from_millis(due_ms))
    return outbox.insert(TIMERS, timer_document(timer))


def timer_items(
    outbox: Outbox, tenant: str, customer_id: str, *, next_ms: int, scheduled_ms: int
) -> list[PendingInsert]:
    """The timer to store with a commit: none when the next instant is already scheduled or absent."""
    if not next_ms or next_ms == scheduled_ms:
        return []
    return [stale_timer(outbox, tenant, customer_id, next_ms)]
