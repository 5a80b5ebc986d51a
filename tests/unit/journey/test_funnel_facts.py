"""The funnel facts each progress write stores give the same funnel as the `reached` maps they come from."""

from __future__ import annotations

import random

from services.journey.funnel import (
    cumulative_funnel,
    funnel_of_facts,
    funnel_over_time,
    funnel_over_time_of_facts,
)
from services.journey.progress import ProgressState, facts_from_ms, funnel_facts, unpack_facts
from services.journey.store import state_document
from services.journey.touchpoints import from_millis
from tests.unit.journey.test_funnel import DEMO, EXAMPLE, HOUR, T0


def test_a_state_measured_against_its_version_stores_rank_entry_and_when_each_stage_was_reached() -> None:
    reached = {"call": T0, "signed": T0 + 10 * HOUR, "gone": T0 - HOUR}  # "gone": a stage v1 does not list
    state = ProgressState(
        journey="demo",
        version=1,
        reached={k: from_millis(v) for k, v in reached.items()},
        stage_keys=DEMO.stage_keys,
    )
    facts = funnel_facts(state)
    assert facts is not None
    assert (facts.rank, facts.entered_ms, facts.gaps_ms) == (4, T0, (None, None, None))
    # Signed 10 h after the call; visit and test drive skipped: reached "visit or deeper" at 10 h too.
    assert facts.reach_ms == (T0, T0 + 10 * HOUR, T0 + 10 * HOUR, T0 + 10 * HOUR)
    assert state_document(state)["f"] == f"1,4,{T0},0,,,{10 * HOUR}"
    assert unpack_facts(state_document(state)["f"]) == [1, 4, T0, 0, None, None, 10 * HOUR]


def test_a_state_whose_stage_order_is_unknown_stores_no_facts() -> None:
    state = ProgressState(journey="demo", reached={"call": from_millis(T0)})
    assert funnel_facts(state) is None
    assert "f" not in state_document(state)


def test_stored_facts_give_the_worked_example() -> None:
    rows = [unpack_facts(facts_from_ms(DEMO.stage_keys, r, version=1).packed()) for r in EXAMPLE]
    assert funnel_of_facts(DEMO, rows) == cumulative_funnel(DEMO, EXAMPLE)


def test_stored_facts_and_reached_maps_agree_on_random_customers_periods_and_buckets() -> None:
    rng = random.Random(7)
    customers = []
    for _ in range(500):
        at = T0 + rng.randrange(0, 60 * 24) * HOUR
        reached = {}
        for key in DEMO.stage_keys:
            if rng.random() < 0.6:
                reached[key] = at + rng.randrange(-5, 48) * HOUR  # sometimes before the previous stage
            at += HOUR
        customers.append(reached)
    rows = [unpack_facts(facts_from_ms(DEMO.stage_keys, r, version=1).packed()) for r in customers]
    start, end = T0 + 10 * 24 * HOUR, T0 + 40 * 24 * HOUR
    assert funnel_of_facts(DEMO, rows) == cumulative_funnel(DEMO, customers)
    assert funnel_of_facts(DEMO, rows, from_ms=start, to_ms=end) == cumulative_funnel(
        DEMO, customers, from_ms=start, to_ms=end
    )
    assert funnel_over_time_of_facts(
        DEMO, rows, interval="week", from_ms=start, to_ms=end
    ) == funnel_over_time(DEMO, customers, interval="week", from_ms=start, to_ms=end)
    funnel = funnel_of_facts(DEMO, rows, from_ms=start, to_ms=end)
    counts, gaps = reference(customers, start, end)
    assert [s.count for s in funnel.stages] == counts
    assert [s.median_ms_from_previous for s in funnel.stages] == [
        g[(len(g) + 1) // 2 - 1] if g else None for g in gaps
    ]


def reference(customers: list[dict[str, int]], start: int, end: int) -> tuple[list[int], list[list[int]]]:
    """The funnel's rules written out directly over `reached` maps (as the service computed them before)."""
    keys = DEMO.stage_keys
    counts: list[int] = [0] * len(keys)
    gaps: list[list[int]] = [[] for _ in keys]
    for reached in customers:
        ranked = [reached.get(k) for k in keys]
        times = [t for t in ranked if t is not None]
        if not times or not start <= min(times) < end:
            continue
        furthest = max(i for i, t in enumerate(ranked) if t is not None)
        for i in range(furthest + 1):
            counts[i] += 1
        for i in range(1, furthest + 1):
            before, after = ranked[i - 1], ranked[i]
            if before is not None and after is not None and after >= before:
                gaps[i].append(after - before)
    return counts, [sorted(g) for g in gaps]
