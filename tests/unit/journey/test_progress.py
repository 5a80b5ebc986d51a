from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from services.journey.progress import (
    ProgressState,
    Touch,
    apply_touch,
    progress_view,
    stage_change,
    touch_of,
)
from services.journey.templates import FIVE_A
from services.journey.touchpoints import Touchpoint

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
CUSTOMER = "cus_01HZZZZZZZZZZZZZZZZZZZZZZZ"


def touch(type_: str, minutes: int, touchpoint_id: str | None = None) -> Touch:
    tp = Touchpoint(
        id=touchpoint_id or f"tp_{type_}_{minutes}",
        customer_id=CUSTOMER,
        type=type_,
        channel="web",
        occurred_at=T0 + timedelta(minutes=minutes),
        actor="",
        notes="",
        stage=FIVE_A.stage_of(type_),
    )
    return touch_of(tp, FIVE_A)


def run(*touches: Touch) -> ProgressState:
    state = ProgressState(journey="5a")
    for t in touches:
        state = apply_touch(state, t)
    return state


def test_stages_are_reached_cumulatively_with_their_first_times() -> None:
    state = run(touch("ad_click", 0), touch("website_visit", 10), touch("ad_click", 20), touch("inquiry", 30))
    view = progress_view(CUSTOMER, state, FIVE_A)
    assert view.reached == (
        ("aware", T0),
        ("appeal", T0 + timedelta(minutes=10)),
        ("ask", T0 + timedelta(minutes=30)),
    )
    assert view.current_stage == "ask"
    assert view.furthest_stage == "ask"
    assert view.last_touch_at == T0 + timedelta(minutes=30)


def test_moving_back_changes_current_stage_but_not_furthest() -> None:
    state = run(touch("purchase", 0), touch("content_read", 5))
    view = progress_view(CUSTOMER, state, FIVE_A)
    assert view.current_stage == "appeal"
    assert view.furthest_stage == "act"


def test_late_older_touchpoint_lowers_first_reached_but_keeps_current_stage() -> None:
    state = run(touch("inquiry", 60), touch("ad_click", 30))
    late = touch("inquiry", 10, touchpoint_id="tp_late")
    after = apply_touch(state, late)
    view = progress_view(CUSTOMER, after, FIVE_A)
    assert dict(view.reached)["ask"] == T0 + timedelta(minutes=10)
    assert view.current_stage == "ask"
    assert view.last_touch_at == T0 + timedelta(minutes=60)
    older_aware = touch("ad_impression", 5)
    assert stage_change(after, apply_touch(after, older_aware), older_aware, FIVE_A) is None
    assert progress_view(CUSTOMER, apply_touch(after, older_aware), FIVE_A).current_stage == "ask"


def test_unknown_type_updates_last_touch_only() -> None:
    state = run(touch("ad_click", 0))
    coffee = touch("coffee_chat", 50)
    after = apply_touch(state, coffee)
    assert after.reached == state.reached
    assert after.current_stage == "aware"
    assert after.last_touch_at == T0 + timedelta(minutes=50)
    assert stage_change(state, after, coffee, FIVE_A) is None


def test_stage_change_reports_previous_and_furthest_stage() -> None:
    before = run(touch("ad_click", 0), touch("purchase", 5))
    visit = touch("website_visit", 9)
    change = stage_change(before, apply_touch(before, visit), visit, FIVE_A)
    assert change is not None
    assert (change.stage, change.previous_stage, change.furthest_stage) == ("appeal", "act", "act")
    assert change.at == T0 + timedelta(minutes=9)
    assert change.touchpoint_id == visit.touchpoint_id


def test_first_stage_bearing_touchpoint_is_a_change_from_nothing() -> None:
    first = touch("ad_click", 0)
    before = ProgressState(journey="5a")
    change = stage_change(before, apply_touch(before, first), first, FIVE_A)
    assert change is not None
    assert (change.previous_stage, change.stage) == ("", "aware")


def test_reapplying_a_touchpoint_changes_nothing() -> None:
    state = run(touch("ad_click", 0), touch("inquiry", 5))
    again = touch("inquiry", 5)
    assert apply_touch(state, again) == state


def test_arrival_order_does_not_change_the_result() -> None:
    touches = [
        touch("ad_click", 0),
        touch("purchase", 20),
        touch("website_visit", 30),
        touch("coffee_chat", 40),
    ]
    results = {_frozen(run(*order)) for order in itertools.permutations(touches)}
    assert len(results) == 1
    (only,) = results
    assert progress_view(CUSTOMER, run(*touches), FIVE_A).current_stage == "appeal"
    assert only[2] == FIVE_A.rank("act")


def test_same_instant_touchpoints_resolve_by_id_like_the_timeline() -> None:
    a = touch("ad_click", 0, touchpoint_id="tp_a")
    b = touch("purchase", 0, touchpoint_id="tp_b")
    assert run(a, b).current_stage == "act"
    assert run(b, a).current_stage == "act"
    prefix = touch("ad_click", 0, touchpoint_id="tp_x")
    longer = touch("purchase", 0, touchpoint_id="tp_x1")
    assert run(longer, prefix).current_stage == "act"


def _frozen(state: ProgressState) -> tuple[object, ...]:
    return (tuple(sorted(state.reached.items())), state.latest, state.furthest_rank, state.last_touch_at)
