"""The funnel maths, including the worked example of docs/journeys.md (keep the two in step)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.journey.definitions import StageInput, build_journey
from services.journey.funnel import MONTH, WEEK, cumulative_funnel, funnel_over_time
from services.journey.touchpoints import to_millis

HOUR = 3_600_000
T0 = to_millis(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday
DEMO = build_journey(
    key="demo",
    name="Demo",
    version=1,
    stages=[
        StageInput(key="call", name="来电", touchpoint_types=["call_inbound"]),
        StageInput(key="visit", name="到店", touchpoint_types=["store_visit"]),
        StageInput(key="test_drive", name="试驾", touchpoint_types=["test_drive"]),
        StageInput(key="signed", name="签约", touchpoint_types=["contract_signed"], kind="won_contract"),
        StageInput(key="paid", name="付款", touchpoint_types=["payment"], kind="won_payment"),
    ],
)


def hours(**stages: float) -> dict[str, int]:
    return {stage: T0 + int(h * HOUR) for stage, h in stages.items()}


# The worked example of docs/journeys.md.
A = hours(call=0, visit=24, test_drive=48, signed=72, paid=96)
B = hours(
    call=0, visit=12, test_drive=36
)  # then called again: moved back to `call`, still counts to test_drive
C = hours(call=0, signed=10)  # skipped visit and test drive
D = hours(call=0)
EXAMPLE = [A, B, C, D]


def test_the_worked_example_counts_cumulatively_with_conversions() -> None:
    funnel = cumulative_funnel(DEMO, EXAMPLE)
    assert funnel.customers == 4
    assert [(s.key, s.count) for s in funnel.stages] == [
        ("call", 4),
        ("visit", 3),
        ("test_drive", 3),
        ("signed", 2),
        ("paid", 1),
    ]
    assert [round(s.conversion_from_previous, 3) for s in funnel.stages] == [1.0, 0.75, 1.0, 0.667, 0.5]
    assert [s.conversion_from_top for s in funnel.stages] == [1.0, 0.75, 0.75, 0.5, 0.25]


def test_the_worked_example_times_between_stages_count_customers_who_reached_both() -> None:
    funnel = cumulative_funnel(DEMO, EXAMPLE)
    timing = [(s.median_ms_from_previous, s.p90_ms_from_previous) for s in funnel.stages]
    assert timing == [
        (None, None),
        (12 * HOUR, 24 * HOUR),  # A 24 h, B 12 h
        (24 * HOUR, 24 * HOUR),  # A and B
        (24 * HOUR, 24 * HOUR),  # A only: C skipped the test drive
        (24 * HOUR, 24 * HOUR),
    ]


def test_signed_and_paid_are_counted_separately() -> None:
    funnel = cumulative_funnel(DEMO, EXAMPLE)
    kinds = {s.key: (s.kind, s.count) for s in funnel.stages}
    assert kinds["signed"] == ("won_contract", 2) and kinds["paid"] == ("won_payment", 1)


def test_the_period_selects_customers_by_when_they_entered_the_journey() -> None:
    late = {stage: ms + 48 * HOUR for stage, ms in C.items()}
    funnel = cumulative_funnel(DEMO, [A, late], from_ms=T0 + HOUR, to_ms=T0 + 72 * HOUR)
    assert funnel.customers == 1
    assert [s.count for s in funnel.stages] == [1, 1, 1, 1, 0]


def test_stages_a_version_no_longer_has_are_not_counted() -> None:
    funnel = cumulative_funnel(DEMO, [{"gone": T0}, {"gone": T0, "call": T0 + HOUR}])
    assert funnel.customers == 1 and funnel.stages[0].count == 1


def test_an_empty_funnel_has_zero_conversions_and_no_times() -> None:
    funnel = cumulative_funnel(DEMO, [])
    assert funnel.customers == 0
    assert {(s.count, s.conversion_from_top, s.median_ms_from_previous) for s in funnel.stages} == {
        (0, 0.0, None)
    }


def test_the_funnel_over_time_puts_each_customer_in_the_week_it_entered() -> None:
    next_week = {stage: ms + 7 * 24 * HOUR for stage, ms in D.items()}
    buckets = funnel_over_time(DEMO, [A, B, next_week], interval=WEEK, from_ms=T0, to_ms=T0 + 14 * 24 * HOUR)
    assert [b.start.isoformat() for b in buckets] == [
        "2026-03-02T00:00:00+00:00",
        "2026-03-09T00:00:00+00:00",
        "2026-03-16T00:00:00+00:00",
    ]
    assert [b.funnel.customers for b in buckets] == [2, 1, 0]
    assert [s.count for s in buckets[0].funnel.stages] == [2, 2, 2, 1, 1]


def test_months_are_calendar_months() -> None:
    buckets = funnel_over_time(DEMO, EXAMPLE, interval=MONTH, from_ms=T0 - 40 * 24 * HOUR, to_ms=T0 + HOUR)
    assert [b.start.month for b in buckets] == [1, 2, 3]
    assert [b.funnel.customers for b in buckets] == [0, 0, 4]
