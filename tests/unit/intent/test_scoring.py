"""The scoring maths, with a fixed clock."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest

from common.timeutil import to_ms
from services.intent.aggregate import IntentState, add, term_of
from services.intent.model import IntentModel, SignalTypeRule
from services.intent.scoring import (
    HIGH,
    LOW,
    MEDIUM,
    ScoreResult,
    describe_reason,
    is_level_change,
    level_for,
    score_state,
)
from services.intent.signals import Signal

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MODEL = IntentModel()
CUSTOMER = "cus_01JABCDEFGHJKMNPQRSTVWXYZ0"
_ids = itertools.count(1)


def sig(
    kind: str,
    *,
    days_ago: float = 0,
    party: str = "first",
    topic: str = "",
    dwell: str | None = None,
    sid: str | None = None,
) -> Signal:
    return Signal(
        id=sid or f"s{next(_ids)}",
        customer_id=CUSTOMER,
        type=kind,
        party=party,
        topic=topic,
        occurred_at=NOW - timedelta(days=days_ago),
        properties={"dwell_seconds": dwell} if dwell is not None else {},
    )


def score_customer(
    customer_id: str, signals: list[Signal], *, model: IntentModel, now: datetime
) -> ScoreResult:
    """Through the aggregates, as the service does: every signal received at `now`."""
    state = IntentState(customer_id=customer_id)
    add(state, [term_of(s, model=model, received_ms=to_ms(now)) for s in signals], model=model)
    return score_state(state, model=model, now_ms=to_ms(now))


def points(*signals: Signal) -> float:
    # The aggregates decay per day bucket: equal to the per-signal formula up to float rounding.
    return round(score_customer(CUSTOMER, list(signals), model=MODEL, now=NOW).raw_points, 9)


def test_a_signal_dated_in_the_future_counts_from_when_it_was_received() -> None:
    assert points(sig("pricing_page_view", days_ago=-0.001)) == 10.0


def test_a_week_old_pricing_view_is_worth_half_a_fresh_one_and_two_weeks_a_quarter() -> None:
    assert points(sig("pricing_page_view")) == 10.0
    assert points(sig("pricing_page_view", days_ago=7)) == pytest.approx(5.0)
    assert points(sig("pricing_page_view", days_ago=14)) == pytest.approx(2.5)


def test_a_depth_of_three_pages_is_an_engagement_bonus_too() -> None:
    depth = Signal(
        id="d",
        customer_id=CUSTOMER,
        type="content_read",
        party="first",
        topic="",
        occurred_at=NOW,
        properties={"depth": "3", "dwell_seconds": "90"},
    )
    assert points(depth) == pytest.approx(3 * 1.5 * 1.2)


def test_third_party_signals_count_sixty_percent() -> None:
    assert points(sig("competitor_research", party="third")) == pytest.approx(6.0)


def test_engagement_bonus_needs_a_dwell_of_sixty_seconds() -> None:
    assert points(sig("content_read", dwell="59")) == 3.0
    assert points(sig("content_read", dwell="60")) == 4.5
    assert points(sig("content_read", dwell="long")) == 3.0


def test_unknown_types_get_the_default_weight() -> None:
    assert points(sig("podcast_listen")) == 2.0


def test_each_type_is_capped_at_thirty_points() -> None:
    result = score_customer(CUSTOMER, [sig("demo_request") for _ in range(3)], model=MODEL, now=NOW)
    assert result.raw_points == 30.0
    assert result.types[0].points == 30.0
    assert result.types[0].count == 3
    # top signals show each signal's own points, before the cap
    assert [c.points for c in result.top_signals] == [25.0, 25.0, 25.0]


def test_caps_apply_per_type_so_different_types_add_up() -> None:
    signals = [sig("demo_request") for _ in range(2)] + [sig("pricing_page_view") for _ in range(4)]
    assert points(*signals) == 60.0


def test_score_saturates_exponentially_and_rounds_to_one_decimal() -> None:
    result = score_customer(CUSTOMER, [sig("demo_request"), sig("pricing_page_view")], model=MODEL, now=NOW)
    assert result.raw_points == 35.0
    assert result.score == round(100 * (1 - math.exp(-35 / 40)), 1) == 58.3
    assert result.level == MEDIUM


def test_signals_outside_the_window_are_ignored() -> None:
    result = score_customer(
        CUSTOMER, [sig("demo_request", days_ago=91), sig("email_click", days_ago=89)], model=MODEL, now=NOW
    )
    assert result.signal_count == 1
    assert [c.type for c in result.top_signals] == ["email_click"]


def test_no_signals_scores_zero_and_low() -> None:
    result = score_customer(CUSTOMER, [], model=MODEL, now=NOW)
    assert (result.score, result.level, result.raw_points, result.signal_count) == (0.0, LOW, 0.0, 0)
    assert result.last_signal_ms == 0
    assert result.top_signals == [] and result.topics == []


@pytest.mark.parametrize(
    ("score", "level"),
    [(0.0, LOW), (39.9, LOW), (40.0, MEDIUM), (69.9, MEDIUM), (70.0, HIGH), (100.0, HIGH)],
)
def test_level_thresholds(score: float, level: str) -> None:
    assert level_for(score, model=MODEL) == level


def test_explainability_fields_rank_signals_and_topics() -> None:
    signals = [
        sig("email_click", topic="crm", days_ago=1, sid="a"),
        sig("demo_request", topic="crm", sid="b"),
        sig("pricing_page_view", topic="billing", days_ago=7, sid="c"),
        sig("whitepaper_download", topic="billing", sid="d"),
        sig("content_read", sid="e"),
        sig("case_study_view", topic="crm", days_ago=14, sid="f"),
        sig("product_page_view", days_ago=30, sid="g"),
    ]
    result = score_customer(CUSTOMER, signals, model=MODEL, now=NOW)
    assert [c.signal_id for c in result.top_signals] == ["b", "d", "c", "e", "a"]
    assert result.top_signals[0].points == 25.0
    assert result.signal_count == 7
    assert result.last_signal_ms == to_ms(NOW)
    assert [t for t, _ in result.topics] == ["crm", "billing"]
    crm = 25.0 + 3.0 * 2 ** (-1 / 7) + 6.0 * 0.25
    assert result.topics[0][1] == pytest.approx(crm, abs=0.01)
    assert result.topics[1][1] == pytest.approx(13.0, abs=0.01)


def test_topic_points_add_up_to_raw_points_when_a_cap_bites() -> None:
    signals = [sig("demo_request", topic="crm"), sig("demo_request", topic="erp")]
    result = score_customer(CUSTOMER, signals, model=MODEL, now=NOW)
    assert result.raw_points == 30.0
    assert dict(result.topics) == {"crm": 15.0, "erp": 15.0}


def test_now_is_a_parameter_so_the_same_signals_score_lower_later() -> None:
    # 25 + 10 + 10 + 12 = 57 raw points: 76.0, HIGH; two half-lives later a quarter: 14.25, LOW
    signals = [sig("demo_request"), sig("pricing_page_view"), sig("pricing_page_view"), sig("webinar_attend")]
    today = score_customer(CUSTOMER, signals, model=MODEL, now=NOW)
    in_two_weeks = score_customer(CUSTOMER, signals, model=MODEL, now=NOW + timedelta(days=14))
    assert today.level == HIGH
    assert in_two_weeks.raw_points == pytest.approx(today.raw_points / 4, abs=0.01)
    assert in_two_weeks.level == LOW


def test_a_custom_model_changes_weights_and_thresholds() -> None:
    model = IntentModel(
        signal_types=(SignalTypeRule(type="visit", weight=50.0),), type_cap=100.0, high_threshold=50.0
    )
    result = score_customer(CUSTOMER, [sig("visit")], model=model, now=NOW)
    assert result.raw_points == 50.0
    assert result.level == HIGH


def test_reason_counts_recent_signals_by_type_largest_first() -> None:
    signals = [sig("pricing_page_view", days_ago=d) for d in (0, 1, 2)] + [
        sig("demo_request"),
        sig("email_click", days_ago=30),
    ]
    result = score_customer(CUSTOMER, signals, model=MODEL, now=NOW)
    # the three pricing views (about 27.3 points) outweigh the demo request (25)
    assert describe_reason(result, model=MODEL) == "3× 定价页 and 1× 演示申请 in the last 7 days"


def test_reason_falls_back_to_the_window_and_summarises_the_tail() -> None:
    old = [
        sig(kind, days_ago=20)
        for kind in ("demo_request", "webinar_attend", "product_page_view", "email_click")
    ]
    result = score_customer(CUSTOMER, old, model=MODEL, now=NOW)
    assert describe_reason(result, model=MODEL) == (
        "1× 演示申请, 1× 线上研讨会, 1× 产品页 and 1 other signal in the last 90 days"
    )
    empty = score_customer(CUSTOMER, [], model=MODEL, now=NOW)
    assert describe_reason(empty, model=MODEL) == "no signals in the last 90 days"


@pytest.mark.parametrize(
    ("previous", "level", "changed"),
    [
        (None, LOW, False),
        (None, MEDIUM, True),
        (None, HIGH, True),
        (LOW, LOW, False),
        (LOW, HIGH, True),
        (HIGH, MEDIUM, True),
        (HIGH, HIGH, False),
    ],
)
def test_first_low_score_is_not_a_level_change(previous: str | None, level: str, changed: bool) -> None:
    assert is_level_change(previous, level) is changed


def test_the_documented_worked_example_including_its_components() -> None:
    """docs/intent-scoring.md, "Worked example", figure by figure."""
    signals = [
        sig("demo_request", days_ago=1, topic="crm", sid="s1"),
        sig("pricing_page_view", topic="crm", sid="s2"),
        sig("pricing_page_view", days_ago=2, topic="crm", sid="s3"),
        sig("pricing_page_view", days_ago=3, topic="billing", dwell="120", sid="s4"),
        sig("pricing_page_view", days_ago=5, topic="crm", sid="s5"),
        sig("competitor_research", party="third", topic="crm", sid="s6"),
        sig("whitepaper_download", days_ago=14, topic="billing", sid="s7"),
        sig("email_click", days_ago=100, sid="s8"),
    ]
    result = score_customer(CUSTOMER, signals, model=MODEL, now=NOW)
    assert round(result.raw_points, 2) == 60.64 and result.score == 78.0 and result.level == HIGH
    assert result.signal_count == 7
    c = result.components
    assert (round(c.frequency, 2), round(c.engagement, 2), round(c.recency, 2), round(c.cap, 2), c.fit) == (
        79.0,
        5.0,
        -17.91,
        -5.44,
        0.0,
    )
    assert [(t, round(p, 2)) for t, p in result.topics] == [("crm", 49.21), ("billing", 11.43)]
    assert [(s.signal_id, round(s.points, 2)) for s in result.top_signals] == [
        ("s1", 22.64),
        ("s4", 11.14),
        ("s2", 10.0),
        ("s3", 8.2),
        ("s5", 6.1),
    ]
    week_later = score_customer(CUSTOMER, signals, model=MODEL, now=NOW + timedelta(days=7))
    assert (
        round(week_later.raw_points, 2) == 33.04 and week_later.score == 56.2 and week_later.level == MEDIUM
    )
