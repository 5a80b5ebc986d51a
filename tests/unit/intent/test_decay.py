"""When the level changes with time alone: the exact answer against a brute-force scan of time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.intent.decay import next_level_change
from services.intent.scoring import HIGH, LOW, MEDIUM, ScoringModel, level_at, score_customer
from services.intent.signals import Signal

NOW = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
CUSTOMER = "cus_01JABCDEFGHJKMNPQRSTVWXYZ0"
TYPES = ["demo_request", "pricing_page_view", "webinar_attend", "whitepaper_download", "email_click", "other"]
MS = timedelta(milliseconds=1)
RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}


def make_signal(i: int, kind: str, occurred_at: datetime, *, party: str = "first", dwell: int = 0) -> Signal:
    return Signal(
        id=f"s{i}",
        customer_id=CUSTOMER,
        type=kind,
        party=party,
        topic="crm",
        occurred_at=occurred_at,
        properties={"dwell_seconds": str(dwell)} if dwell else {},
        source="test",
    )


def random_history(rng: random.Random, model: ScoringModel) -> list[Signal]:
    """Up to 14 signals from beyond the window edge to a few minutes of future skew, most of them recent."""
    span = (model.window + timedelta(days=2)).total_seconds()
    recent = min(span, 2 * model.half_life.total_seconds())
    return [
        make_signal(
            i,
            rng.choice(TYPES),
            NOW - timedelta(seconds=rng.uniform(-300, rng.choice([recent, recent, span]))),
            party=rng.choice(["first", "first", "third"]),
            dwell=rng.choice([0, 0, 30, 90]),
        )
        for i in range(rng.randint(0, 14))
    ]


MODELS = [
    ScoringModel(),
    # A short window next to a long half-life makes window exits, not decay, move the level.
    ScoringModel(window=timedelta(days=3), half_life=timedelta(days=30)),
    ScoringModel(window=timedelta(days=10), half_life=timedelta(hours=12), type_cap=20.0),
]


@pytest.mark.parametrize("model", MODELS, ids=["house", "short-window", "fast-decay"])
def test_the_change_instant_matches_a_brute_force_scan_of_time(model: ScoringModel) -> None:
    rng = random.Random(7)
    checked = 0
    step = timedelta(hours=3) if model.window > timedelta(days=5) else timedelta(minutes=20)
    for _ in range(60):
        signals = random_history(rng, model)
        level = level_at(signals, model=model, now=NOW)
        answer = next_level_change(signals, model=model, now=NOW)
        # Brute force: walk forward until the level differs; it must never come back up on the way.
        previous, t, first_change, lowest = NOW, NOW, None, RANK[level]
        horizon = NOW + model.window + timedelta(days=3)
        while t <= horizon:
            t += step
            current = level_at(signals, model=model, now=t)
            assert RANK[current] <= lowest
            lowest = RANK[current]
            if current != level and first_change is None:
                first_change = (previous, t)
            previous = t
        if level == LOW:
            assert answer is None
            assert first_change is None  # LOW never changes with time alone
            continue
        assert answer is not None and first_change is not None
        before, after = first_change
        assert before < answer <= after + MS
        # Exact to the millisecond: the new level at the answer, the old one a millisecond earlier.
        assert level_at(signals, model=model, now=answer) != level
        assert level_at(signals, model=model, now=answer - MS) == level
        assert answer.microsecond % 1000 == 0
        checked += 1
    assert checked >= 15  # the histories exercised real crossings, not only LOW customers


def test_a_signal_leaving_the_window_is_the_change_when_decay_alone_would_not_be() -> None:
    model = ScoringModel(window=timedelta(days=3), half_life=timedelta(days=365))
    edge = NOW - model.window + timedelta(seconds=5)  # leaves the window five seconds from now
    signals = [make_signal(1, "webinar_attend", NOW - timedelta(hours=1))]
    signals += [make_signal(9, "pricing_page_view", edge)]
    assert level_at(signals, model=model, now=NOW) == MEDIUM  # 22 raw points → 42.3; 12 alone → 25.9
    answer = next_level_change(signals, model=model, now=NOW)
    assert answer is not None
    assert edge + model.window < answer <= edge + model.window + MS
    assert score_customer(CUSTOMER, signals, model=model, now=answer).level == LOW


def test_decay_below_a_threshold_is_found_between_window_exits() -> None:
    model = ScoringModel()
    signals = [make_signal(i, kind, NOW) for i, kind in enumerate(["demo_request", "pricing_page_view"])]
    signals += [make_signal(5, "webinar_attend", NOW)]
    assert level_at(signals, model=model, now=NOW) == MEDIUM  # 47 raw points → 69.1, just below HIGH
    answer = next_level_change(signals, model=model, now=NOW)
    assert answer is not None
    # 47 × 2^(−t/7d) must fall under the ~20.4 raw points of a 39.95 score: about 8.4 days.
    assert timedelta(days=8) < answer - NOW < timedelta(days=9)


def test_no_signals_and_low_customers_need_no_timer() -> None:
    assert next_level_change([], model=ScoringModel(), now=NOW) is None
    one_click = [make_signal(1, "email_click", NOW)]
    assert next_level_change(one_click, model=ScoringModel(), now=NOW) is None
