"""The aggregates give exactly the score of the formula evaluated signal by signal, in any order."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from services.intent.aggregate import IntentState, Term, add, prune, state_from_document, state_to_document
from services.intent.decay import level_at, level_holds_until, next_level_change
from services.intent.model import DAY_MS, HOUR_MS, FitRule, IntentModel, SignalTypeRule
from services.intent.scoring import ScoreResult, score_signals, score_state

NOW_MS = int(datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp() * 1000)
TYPES = ["pricing_page_view", "demo_request", "content_read", "webinar_attend", "custom_thing"]
MODELS = [
    IntentModel(),
    IntentModel(half_life_days=1.5, window_days=30, type_cap=12.0, saturation=25.0),
    IntentModel(
        signal_types=(SignalTypeRule(type="pricing_page_view", weight=7.0, cap=50.0, label="定价页"),),
        half_life_days=0.25,
        window_days=7,
        fit=(FitRule(attribute="region", value="上海", multiplier=1.3),),
        surge=IntentModel().surge.__class__(window_days=1, baseline_days=5),
    ),
]
PROFILE = {"region": "上海", "industry": "家居"}


def random_terms(rng: random.Random, model: IntentModel, n: int) -> list[Term]:
    terms = []
    for i in range(n):
        kind = rng.choice(TYPES)
        base = model.weight(kind) * (model.third_party_factor if rng.random() < 0.3 else 1.0)
        at = NOW_MS - rng.randrange(0, (model.window_days + 20) * DAY_MS)
        terms.append(
            Term(
                signal_id=f"s{i}",
                type=kind,
                topic=rng.choice(["", "crm", "衣柜", "billing"]),
                party="first",
                at_ms=at,
                base=base,
                points=base * rng.choice([1.0, 1.5, 1.8]),
            )
        )
    return terms


def assert_same(got: ScoreResult, want: ScoreResult) -> None:
    assert got.raw_points == pytest.approx(want.raw_points, rel=1e-9, abs=1e-9)
    assert got.signal_count == want.signal_count
    for name in ("frequency", "engagement", "recency", "cap", "fit"):
        assert getattr(got.components, name) == pytest.approx(
            getattr(want.components, name), rel=1e-9, abs=1e-9
        )
    assert dict(got.topics) == pytest.approx(dict(want.topics), rel=1e-9, abs=1e-9)
    assert {t.type: (t.count, t.recent_count) for t in got.types} == {
        t.type: (t.count, t.recent_count) for t in want.types
    }
    assert got.last_signal_ms == want.last_signal_ms
    if abs(got.raw_points - want.raw_points) < 1e-6:
        assert got.score == pytest.approx(want.score, abs=0.1)


@pytest.mark.parametrize("seed", range(40))
def test_incremental_aggregates_match_a_from_scratch_score(seed: int) -> None:
    rng = random.Random(seed)
    model = MODELS[seed % len(MODELS)]
    terms = random_terms(rng, model, rng.randrange(0, 120))
    order = terms[:]
    rng.shuffle(order)  # signals arrive out of order, in batches, with pruning and storage between
    state = IntentState(customer_id="cus_x")
    while order:
        size = rng.randrange(1, 20)
        batch, order = order[:size], order[size:]
        add(state, batch, model=model)
        prune(state, model=model, now_ms=max(t.at_ms for t in batch))
        state = state_from_document("cus_x", state_to_document(state))
    for later in (0, HOUR_MS, 3 * DAY_MS, (model.window_days // 2) * DAY_MS):
        now = NOW_MS + later
        got = score_state(state, model=model, now_ms=now, profile=PROFILE)
        want = score_signals("cus_x", terms, model=model, now_ms=now, profile=PROFILE)
        assert_same(got, want)


@pytest.mark.parametrize("seed", range(60))
def test_the_decay_timer_fires_at_the_first_millisecond_the_level_falls(seed: int) -> None:
    rng = random.Random(1000 + seed)
    model = MODELS[seed % len(MODELS)]
    state = IntentState(customer_id="cus_x")
    terms = [t for t in random_terms(rng, model, 60) if t.at_ms <= NOW_MS]
    add(state, terms, model=model)
    fit = model.fit_multiplier(PROFILE)
    when = next_level_change(state, model=model, now_ms=NOW_MS, fit=fit)
    today = level_at(state, model=model, now_ms=NOW_MS, fit=fit)
    if when is None:
        assert today == "low"
        return
    assert level_at(state, model=model, now_ms=when, fit=fit) != today
    assert level_at(state, model=model, now_ms=when - 1, fit=fit) == today
    reference = score_signals("c", terms, model=model, now_ms=when, profile=PROFILE)
    assert reference.level == level_at(state, model=model, now_ms=when, fit=fit)


@pytest.mark.parametrize("seed", range(40))
def test_a_pending_timer_is_relied_on_exactly_when_the_level_holds_until_it(seed: int) -> None:
    """`level_holds_until` (one evaluation) agrees with the bisection: it holds until `until` exactly
    when the level's first fall is at or after `until`."""
    rng = random.Random(5000 + seed)
    model = MODELS[seed % len(MODELS)]
    state = IntentState(customer_id="cus_x")
    add(state, [t for t in random_terms(rng, model, 60) if t.at_ms <= NOW_MS], model=model)
    fit = model.fit_multiplier(PROFILE)
    when = next_level_change(state, model=model, now_ms=NOW_MS, fit=fit)
    for until in (
        NOW_MS,
        NOW_MS + 1,
        NOW_MS + rng.randrange(1, 30 * DAY_MS),
        *((when - 1, when, when + 1) if when else ()),
    ):
        holds = level_holds_until(state, model=model, now_ms=NOW_MS, fit=fit, until_ms=until)
        assert holds == (until > NOW_MS and (when is None or when >= until)), (until, when)


def test_top_signals_are_ordered_by_contribution_not_recency() -> None:
    model = IntentModel()
    old_demo = Term(
        signal_id="demo",
        type="demo_request",
        topic="",
        party="first",
        at_ms=NOW_MS - 3 * DAY_MS,
        base=25,
        points=25,
    )
    fresh_read = Term(
        signal_id="read", type="content_read", topic="", party="first", at_ms=NOW_MS, base=3, points=3
    )
    state = IntentState(customer_id="c")
    add(state, [fresh_read, old_demo], model=model)
    got = score_state(state, model=model, now_ms=NOW_MS)
    assert [c.signal_id for c in got.top_signals] == ["demo", "read"]
    assert got.top_signals[0].points == pytest.approx(25 * 2 ** (-3 / 7))


def test_components_add_up_to_the_raw_points() -> None:
    model = IntentModel(fit=(FitRule(attribute="region", value="上海", multiplier=1.2),))
    state = IntentState(customer_id="c")
    rng = random.Random(7)
    add(state, random_terms(rng, model, 80), model=model)
    got = score_state(state, model=model, now_ms=NOW_MS, profile=PROFILE)
    c = got.components
    assert c.frequency + c.engagement + c.recency + c.cap + c.fit == pytest.approx(got.raw_points)
    assert c.recency < 0 and c.engagement > 0 and c.fit > 0
    assert sum(p for _, p in got.topics) <= got.raw_points + 1e-9


def _views(n: int, *, day_offset: int, kind: str = "pricing_page_view", start: int = 0) -> list[Term]:
    at = NOW_MS - day_offset * DAY_MS
    return [
        Term(
            signal_id=f"{kind}{day_offset}-{start + i}",
            type=kind,
            topic="",
            party="first",
            at_ms=at - i * 1000,
            base=10,
            points=10,
        )
        for i in range(n)
    ]


def test_three_pricing_views_in_two_days_with_no_history_is_a_surge_with_a_reason() -> None:
    from services.intent.surge import detect

    state = IntentState(customer_id="c")
    add(state, _views(2, day_offset=0) + _views(1, day_offset=1), model=IntentModel())
    surge = detect(state, model=IntentModel(), now_ms=NOW_MS)
    assert surge is not None
    assert surge.reason == "3× 定价页 in 2 days; usually 0"


def test_a_customer_who_always_views_pricing_does_not_surge_and_a_cool_down_holds() -> None:
    from services.intent.surge import detect

    model = IntentModel()
    usual = IntentState(customer_id="c")
    for day in range(2, 30):
        add(usual, _views(1, day_offset=day), model=model)  # one a day for four weeks
    add(usual, _views(3, day_offset=0), model=model)
    assert detect(usual, model=model, now_ms=NOW_MS) is None  # 3 in 2 days, usually 2: not 3× above
    burst = IntentState(customer_id="c")
    add(burst, _views(4, day_offset=0) + _views(1, day_offset=10), model=model)
    surge = detect(burst, model=model, now_ms=NOW_MS)
    assert surge is not None and surge.reason == "4× 定价页 in 2 days; usually 0.1"
    assert detect(burst, model=model, now_ms=NOW_MS, last_surge_ms=NOW_MS - 3600_000) is None
    light = IntentState(customer_id="c")
    add(light, _views(5, day_offset=0, kind="content_read"), model=model)  # weighs 3 < min_weight 4
    assert detect(light, model=model, now_ms=NOW_MS) is None


def test_a_signal_leaving_the_window_lowers_the_level_at_the_midnight_it_leaves() -> None:
    model = IntentModel(window_days=3)
    state = IntentState(customer_id="c")
    old_at = NOW_MS - 2 * DAY_MS  # its last window day is today
    add(
        state,
        [
            Term(
                signal_id="old",
                type="demo_request",
                topic="",
                party="first",
                at_ms=old_at,
                base=25.0,
                points=25.0,
            ),
            Term(
                signal_id="new",
                type="webinar_attend",
                topic="",
                party="first",
                at_ms=NOW_MS,
                base=12.0,
                points=12.0,
            ),
        ],
        model=model,
    )
    assert level_at(state, model=model, now_ms=NOW_MS, fit=1.0) == "medium"  # 32.5 raw points, 55.6
    midnight = (NOW_MS // DAY_MS + 1) * DAY_MS
    assert next_level_change(state, model=model, now_ms=NOW_MS, fit=1.0) == midnight
