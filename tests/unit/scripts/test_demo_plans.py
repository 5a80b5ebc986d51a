"""The demo's dealer and pool plans, pure: the shape a newcomer will see, and stable between runs."""

from __future__ import annotations

import itertools
from datetime import timedelta

from scripts.demo_data import build_customers
from scripts.demo_journeys import STAGES, build_dealer, expected_funnel, journey_definition
from scripts.demo_pool import HELD, POOLS, RELEASED, pool_script


def test_the_dealer_funnel_narrows_at_every_stage_down_to_signed_and_paid() -> None:
    counts = [count for _stage, count in expected_funnel(build_dealer())]
    assert counts == [36, 30, 25, 21, 18, 15, 11, 8, 6, 4, 2]
    assert all(a > b for a, b in itertools.pairwise(counts))
    kinds = [stage.kind for stage in journey_definition().stages]
    assert kinds[-2:] == [2, 3]  # WON_CONTRACT, then WON_PAYMENT


def test_one_customer_moves_back_from_test_drive_to_needs_and_the_rest_only_move_forward() -> None:
    dealer = build_dealer()
    order = [tp_type for _k, _n, tp_type, *_rest in STAGES]
    backwards = []
    for plan in dealer.customers:
        ranks = [order.index(tp.type) for tp in plan.touchpoints]
        ages = [tp.ago for tp in plan.touchpoints]
        assert ages == sorted(ages, reverse=True) and min(ages) > timedelta(0)  # oldest first, all past
        if ranks != sorted(ranks):
            backwards.append((plan.key, ranks[-1], max(ranks)))
    assert backwards == [
        (dealer.moved_back, order.index("car_needs_analysis"), order.index("car_test_drive"))
    ]
    assert dealer.furthest[dealer.moved_back] == "test_drive"


def test_deals_tasks_and_ids_are_the_same_on_every_build() -> None:
    first, second = build_dealer(), build_dealer()
    assert first == second
    assert sum(d.signed_ago is not None for d in first.deals) == 4
    assert sum(d.paid_ago is not None for d in first.deals) == 2
    assert len(first.overdue_task_ids) == 2
    assert all(t.due_in > timedelta(0) for t in first.tasks)  # CreateTask refuses the past
    assert len({c.profile["phone"] for c in first.customers}) == len(first.customers)
    story_phones = {c.profile["phone"] for c in build_customers()}
    assert not story_phones & {c.profile["phone"] for c in first.customers}


def test_the_pool_stories_use_distinct_waiting_customers_and_the_missed_call_back_is_in_huadong() -> None:
    plans = {p.key: p for p in build_customers()}
    script = pool_script(list(plans.values()))
    assert len(script.held) == len(HELD) and len(script.released) == len(RELEASED)
    assert len(set(script.keys)) == len(script.keys)
    assert all(not plans[key].profile["owner_id"] for key in script.keys)
    assert plans[script.callback].profile["region"] == "华东"
    pools = {p.region: p for p in POOLS}
    assert pools["华东"].callback_grace_hours == 0
    assert all(pools[plans[k].profile["region"]].assignment == "UNSPECIFIED" for k in script.keys)
