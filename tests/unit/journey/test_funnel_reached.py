"""The REACHED period basis: per stage, who reached it in the period (docs/journeys.md, worked example).

Same customers as the ENTERED worked example (tests/unit/journey/test_funnel.py), hours after T0:
A call 0, visit 24, test_drive 48, signed 72, paid 96; B call 0, visit 12, test_drive 36; C call 0,
signed 10 (skipped visit and test drive); D call 0.
"""

from __future__ import annotations

import random

from services.journey.funnel import (
    REACHED,
    WEEK,
    Funnel,
    cumulative_funnel,
    funnel_of_facts,
    funnel_over_time,
    funnel_over_time_of_facts,
)
from services.journey.progress import facts_from_ms, unpack_facts
from services.journey.touchpoints import to_millis
from tests.unit.journey.test_funnel import DEMO, EXAMPLE, HOUR, T0, A, C


def counts(funnel: Funnel) -> list[int]:
    return [s.count for s in funnel.stages]


def test_the_worked_example_reached_between_hour_20_and_80_counts_what_happened_then() -> None:
    funnel = cumulative_funnel(DEMO, EXAMPLE, from_ms=T0 + 20 * HOUR, to_ms=T0 + 80 * HOUR, basis=REACHED)
    # A: visit 24, test_drive 48, signed 72 are inside; its call (0) and paid (96) are not.
    # B: test_drive 36 inside; visit 12 before. C (10) and D (0) reached nothing in the period.
    assert [(s.key, s.count) for s in funnel.stages] == [
        ("call", 0),
        ("visit", 1),
        ("test_drive", 2),
        ("signed", 1),
        ("paid", 0),
    ]
    assert funnel.customers == 2
    # Nobody entered in the period, so no divisor at the top; two test drives after one visit: 2.0.
    assert [s.conversion_from_previous for s in funnel.stages] == [0.0, 0.0, 2.0, 0.5, 0.0]
    assert [s.conversion_from_top for s in funnel.stages] == [0.0] * 5
    # Times into a stage reached in the period: visit A 24 h (B's visit at 12 h is outside);
    # test_drive A 24 h, B 24 h; signed A 24 h; paid: nobody paid in the period.
    assert [s.median_ms_from_previous for s in funnel.stages] == [None, 24 * HOUR, 24 * HOUR, 24 * HOUR, None]


def test_a_skipped_stage_counts_when_a_deeper_one_was_reached_in_the_period() -> None:
    funnel = cumulative_funnel(DEMO, EXAMPLE, from_ms=T0 + 5 * HOUR, to_ms=T0 + 20 * HOUR, basis=REACHED)
    # B visited at 12 h; C signed at 10 h and so passed visit and test_drive then, as the cumulative
    # funnel sees it, but has no time from the previous stage (it skipped it).
    assert counts(funnel) == [0, 2, 1, 1, 0]
    assert [s.median_ms_from_previous for s in funnel.stages] == [None, 12 * HOUR, None, None, None]


def test_reached_and_entered_differ_for_a_customer_who_entered_before_the_period() -> None:
    march = (T0 + 60 * HOUR, T0 + 200 * HOUR)
    entered = cumulative_funnel(DEMO, [A, C], from_ms=march[0], to_ms=march[1])
    reached = cumulative_funnel(DEMO, [A, C], from_ms=march[0], to_ms=march[1], basis=REACHED)
    assert counts(entered) == [0, 0, 0, 0, 0]  # both entered at hour 0
    assert counts(reached) == [0, 0, 0, 1, 1]  # A signed at 72 h and paid at 96 h
    assert reached.stages[4].conversion_from_previous == 1.0


def test_over_the_whole_time_reached_and_entered_count_alike() -> None:
    everything = cumulative_funnel(DEMO, EXAMPLE)
    assert cumulative_funnel(DEMO, EXAMPLE, basis=REACHED) == everything


def test_reached_over_time_puts_each_stage_in_the_week_it_was_reached() -> None:
    late = {stage: ms + 7 * 24 * HOUR for stage, ms in C.items()}
    slow = {"call": T0, "visit": T0 + 8 * 24 * HOUR}
    buckets = funnel_over_time(
        DEMO, [A, late, slow], interval=WEEK, from_ms=T0, to_ms=T0 + 14 * 24 * HOUR, basis=REACHED
    )
    assert [counts(b.funnel) for b in buckets] == [
        [2, 1, 1, 1, 1],  # A all of it; slow's call
        [1, 2, 1, 1, 0],  # late: call, and signed (passing visit and test_drive); slow's visit
        [0, 0, 0, 0, 0],
    ]
    assert [b.funnel.customers for b in buckets] == [2, 2, 0]
    assert buckets[1].funnel.stages[1].median_ms_from_previous == 8 * 24 * HOUR


def test_stored_facts_and_reached_maps_agree_with_the_rule_written_out_directly() -> None:
    rng = random.Random(11)
    customers = []
    for _ in range(400):
        at = T0 + rng.randrange(0, 40 * 24) * HOUR
        reached = {}
        for key in DEMO.stage_keys:
            if rng.random() < 0.6:
                reached[key] = at + rng.randrange(-5, 48) * HOUR  # sometimes before the previous stage
            at += rng.randrange(1, 96) * HOUR
        customers.append(reached)
    rows = [unpack_facts(facts_from_ms(DEMO.stage_keys, r, version=1).packed()) for r in customers]
    start, end = T0 + 10 * 24 * HOUR, T0 + 30 * 24 * HOUR
    funnel = funnel_of_facts(DEMO, rows, from_ms=start, to_ms=end, basis=REACHED)
    assert funnel == cumulative_funnel(DEMO, customers, from_ms=start, to_ms=end, basis=REACHED)
    want_counts, want_gaps, want_customers = reference(customers, start, end)
    assert counts(funnel) == want_counts and funnel.customers == want_customers
    assert [s.median_ms_from_previous for s in funnel.stages] == [
        g[(len(g) + 1) // 2 - 1] if g else None for g in want_gaps
    ]
    # Each week of the funnel over time is the REACHED funnel of that week (clipped to the period).
    buckets = funnel_over_time_of_facts(DEMO, rows, interval=WEEK, from_ms=start, to_ms=end, basis=REACHED)
    assert len(buckets) == 4
    for bucket in buckets:
        low, high = max(start, to_millis(bucket.start)), min(end, to_millis(bucket.end))
        assert bucket.funnel == funnel_of_facts(DEMO, rows, from_ms=low, to_ms=high, basis=REACHED)


def reference(
    customers: list[dict[str, int]], start: int, end: int
) -> tuple[list[int], list[list[int]], int]:
    """REACHED written out over `reached` maps: stage k counts a customer whose earliest time at
    stage k or deeper is in [start, end); a gap into stage k counts when stage k was reached then."""
    keys = DEMO.stage_keys
    counted = [0] * len(keys)
    gaps: list[list[int]] = [[] for _ in keys]
    people = 0
    for reached in customers:
        ranked = [reached.get(k) for k in keys]
        hit = False
        for k in range(len(keys)):
            deeper = [t for t in ranked[k:] if t is not None]
            if deeper and start <= min(deeper) < end:
                counted[k] += 1
                hit = True
        people += hit
        for k in range(1, len(keys)):
            before, after = ranked[k - 1], ranked[k]
            if before is not None and after is not None and after >= before and start <= after < end:
                gaps[k].append(after - before)
    return counted, [sorted(g) for g in gaps], people
