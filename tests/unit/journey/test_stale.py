"""When a stay in a stage turns stale, and which timer a commit stores for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.journey.definitions import JourneyBook, StageInput, build_journey
from services.journey.progress import CustomerProgress, ProgressState
from services.journey.stale import NEVER_MS, rot_plan, stale_now
from services.journey.templates import TEMPLATES
from services.journey.touchpoints import to_millis

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CARS = build_journey(
    key="cars",
    name="",
    version=1,
    stages=[
        StageInput(key="call", name="", touchpoint_types=["call_inbound"]),
        StageInput(key="visit", name="", touchpoint_types=["store_visit"], days_to_rot=3),
        StageInput(key="quote", name="", touchpoint_types=["quote_sent"], days_to_rot=7),
    ],
)
BOOK = JourneyBook(journeys={**TEMPLATES, "cars": CARS}, default_key="cars")


def at_stage(stage: str, entered: datetime, *, announced: bool = False) -> CustomerProgress:
    state = ProgressState(
        journey="cars",
        reached={stage: entered},
        latest=f"{entered.isoformat()} tp {stage}",
        entered_at=entered,
        stale_entered_ms=to_millis(entered) if announced else 0,
    )
    return CustomerProgress(journeys={"cars": state})


def test_a_stage_without_a_threshold_never_turns_stale() -> None:
    assert rot_plan(at_stage("call", T0), BOOK) == (NEVER_MS, 0)
    assert stale_now(at_stage("call", T0), BOOK, now_ms=to_millis(T0 + 400 * DAY)) == []


def test_a_stay_turns_stale_after_its_days_and_its_timer_is_due_then() -> None:
    progress = at_stage("visit", T0)
    due = to_millis(T0 + 3 * DAY)
    assert rot_plan(progress, BOOK) == (due, due)
    assert stale_now(progress, BOOK, now_ms=due - 1) == []
    [stay] = stale_now(progress, BOOK, now_ms=due)
    assert (stay.journey, stay.stage, stay.days_to_rot, stay.stale_at) == ("cars", "visit", 3, T0 + 3 * DAY)


def test_an_announced_stay_stays_listed_but_needs_no_timer() -> None:
    progress = at_stage("visit", T0, announced=True)
    assert rot_plan(progress, BOOK) == (to_millis(T0 + 3 * DAY), 0)


def test_a_journey_that_is_not_tracked_any_more_is_not_stale() -> None:
    untracked = JourneyBook(journeys=dict(TEMPLATES), default_key="5a")
    assert rot_plan(at_stage("visit", T0), untracked) == (NEVER_MS, 0)
