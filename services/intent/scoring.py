"""Purchase-intent scoring: pure, explainable, and computed as of a given `now`.

Each signal in the window contributes `weight(type) × party factor × engagement × 2^(−age/half_life)`;
each type's contributions are capped; raw points are the sum of the capped per-type sums; the score
saturates as `100 × (1 − e^(−raw/saturation))`. docs/intent-scoring.md has the formula and a worked
example. The model is a dataclass so a per-tenant model can replace the defaults later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.intent.signals import Signal

LOW, MEDIUM, HIGH = "low", "medium", "high"
TOP_SIGNALS = 5

DEFAULT_WEIGHTS: dict[str, float] = {
    "demo_request": 25.0,
    "pricing_page_view": 10.0,
    "webinar_attend": 12.0,
    "competitor_research": 10.0,
    "whitepaper_download": 8.0,
    "demo_video_watch": 8.0,
    "case_study_view": 6.0,
    "product_page_view": 4.0,
    "email_click": 3.0,
    "content_read": 3.0,
}


@dataclass(frozen=True, kw_only=True)
class ScoringModel:
    """The knobs of the score; the defaults are the house model for every tenant."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    default_weight: float = 2.0  # any type not in `weights`
    half_life: timedelta = timedelta(days=7)
    window: timedelta = timedelta(days=90)
    saturation: float = 40.0
    type_cap: float = 30.0  # points one signal type can add at most, so one noisy type cannot max the score
    third_party_factor: float = 0.6  # third-party (vendor) signals are less certain than our own
    engaged_dwell_seconds: float = 60.0
    engagement_factor: float = 1.5
    high_threshold: float = 70.0
    medium_threshold: float = 40.0

    def weight(self, signal_type: str) -> float:
        return self.weights.get(signal_type, self.default_weight)


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """What one signal added, before the per-type cap and saturation."""

    signal_id: str
    type: str
    topic: str
    occurred_at: datetime
    points: float


@dataclass(frozen=True, kw_only=True)
class TypeScore:
    """One signal type's share: signals in the window, of them in the last half-life, capped points."""

    type: str
    count: int
    recent_count: int
    points: float


@dataclass(frozen=True, kw_only=True)
class ScoreResult:
    """A customer's intent score with everything needed to explain it."""

    customer_id: str
    score: float
    level: str
    raw_points: float
    signal_count: int
    topics: list[tuple[str, float]]  # largest first; capped points attributed to each topic
    top_signals: list[Contribution]  # at most TOP_SIGNALS, largest first
    types: list[TypeScore]  # largest first
    computed_at: datetime
    last_signal_at: datetime | None


def decay(age: timedelta, half_life: timedelta) -> float:
    """2^(−age/half_life): 1 now, ½ one half-life ago; a (skewed) future time counts as now."""
    return float(2.0 ** (-max(age, timedelta(0)) / half_life))


def base_points(signal: Signal, *, model: ScoringModel) -> float:
    """The weighted, party-adjusted, engagement-adjusted points of one signal before decay."""
    party = model.third_party_factor if signal.party == "third" else 1.0
    engaged = _dwell_seconds(signal) >= model.engaged_dwell_seconds
    engagement = model.engagement_factor if engaged else 1.0
    return model.weight(signal.type) * party * engagement


def signal_points(signal: Signal, *, model: ScoringModel, now: datetime) -> float:
    """The weighted, party-adjusted, engagement-adjusted, decayed points of one signal."""
    return base_points(signal, model=model) * decay(now - signal.occurred_at, model.half_life)


def level_for(score: float, *, model: ScoringModel) -> str:
    if score >= model.high_threshold:
        return HIGH
    if score >= model.medium_threshold:
        return MEDIUM
    return LOW


def in_window(signals: Sequence[Signal], *, model: ScoringModel, now: datetime) -> list[Signal]:
    """The signals that count as of `now`: those that occurred no longer than the window ago."""
    since = now - model.window
    return [s for s in signals if s.occurred_at >= since]


def capped_type_sums(points: Sequence[tuple[str, float]], *, model: ScoringModel) -> dict[str, float]:
    """Each type's summed points, capped at `type_cap`, in the order the types first appear."""
    by_type: dict[str, float] = {}
    for kind, value in points:
        by_type[kind] = by_type.get(kind, 0.0) + value
    return {t: min(total, model.type_cap) for t, total in by_type.items()}


def score_from_raw(raw: float, *, model: ScoringModel) -> float:
    """The saturating 0–100 score of `raw` points, rounded to one decimal (levels compare this)."""
    return round(100.0 * (1.0 - math.exp(-raw / model.saturation)), 1)


def level_at(signals: Sequence[Signal], *, model: ScoringModel, now: datetime) -> str:
    """The level `score_customer` would give as of `now`, without building the explanation.

    Same arithmetic in the same order as `score_customer`, so both agree to the last bit; the decay
    scheduler (services/intent/decay.py) evaluates this many times per customer.
    """
    window = in_window(signals, model=model, now=now)
    capped = capped_type_sums([(s.type, signal_points(s, model=model, now=now)) for s in window], model=model)
    return level_for(score_from_raw(sum(capped.values()), model=model), model=model)


def score_customer(
    customer_id: str, signals: Sequence[Signal], *, model: ScoringModel, now: datetime
) -> ScoreResult:
    """Score one customer from their signals as of `now`; signals outside the window are ignored."""
    window = in_window(signals, model=model, now=now)
    contributions = [
        Contribution(
            signal_id=s.id,
            type=s.type,
            topic=s.topic,
            occurred_at=s.occurred_at,
            points=signal_points(s, model=model, now=now),
        )
        for s in window
    ]
    by_type: dict[str, float] = {}
    for c in contributions:
        by_type[c.type] = by_type.get(c.type, 0.0) + c.points
    capped = capped_type_sums([(c.type, c.points) for c in contributions], model=model)
    raw = sum(capped.values())
    score = score_from_raw(raw, model=model)
    recent_since = now - model.half_life
    types = [
        TypeScore(
            type=t,
            count=sum(1 for s in window if s.type == t),
            recent_count=sum(1 for s in window if s.type == t and s.occurred_at >= recent_since),
            points=round(points, 2),
        )
        for t, points in capped.items()
    ]
    types.sort(key=lambda ts: (-ts.points, ts.type))
    top = sorted(contributions, key=lambda c: (-c.points, -c.occurred_at.timestamp(), c.signal_id))
    return ScoreResult(
        customer_id=customer_id,
        score=score,
        level=level_for(score, model=model),
        raw_points=round(raw, 2),
        signal_count=len(window),
        topics=_topics(contributions, by_type=by_type, capped=capped),
        top_signals=[_rounded(c) for c in top[:TOP_SIGNALS]],
        types=types,
        computed_at=now,
        last_signal_at=max((s.occurred_at for s in window), default=None),
    )


def is_level_change(previous: str | None, level: str) -> bool:
    """A level differing from the stored one; a customer's first score counts only if above LOW."""
    if previous is None:
        return level != LOW
    return previous != level


def describe_reason(result: ScoreResult, *, model: ScoringModel) -> str:
    """A sentence for people, e.g. "3 pricing_page_view and 1 demo_request in the last 7 days"."""
    recent = [(t.type, t.recent_count) for t in result.types if t.recent_count]
    period = model.half_life
    if not recent:  # nothing fresh: describe the whole window instead
        recent = [(t.type, t.count) for t in result.types if t.count]
        period = model.window
    if not recent:
        return f"no signals in the last {_duration(model.window)}"
    named = [f"{count} {kind}" for kind, count in recent[:3]]
    others = sum(count for _, count in recent[3:])
    if others:
        named.append(f"{others} other signal{'s' if others != 1 else ''}")
    text = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f"{text} in the last {_duration(period)}"


def _topics(
    contributions: Sequence[Contribution], *, by_type: dict[str, float], capped: dict[str, float]
) -> list[tuple[str, float]]:
    # A type's cap scales all its signals alike, so topic points add up to the raw points.
    points: dict[str, float] = {}
    for c in contributions:
        if not c.topic or by_type[c.type] <= 0:
            continue
        share = c.points * capped[c.type] / by_type[c.type]
        points[c.topic] = points.get(c.topic, 0.0) + share
    return sorted(((t, round(p, 2)) for t, p in points.items()), key=lambda tp: (-tp[1], tp[0]))


def _rounded(c: Contribution) -> Contribution:
    return Contribution(
        signal_id=c.signal_id,
        type=c.type,
        topic=c.topic,
        occurred_at=c.occurred_at,
        points=round(c.points, 2),
    )


def _dwell_seconds(signal: Signal) -> float:
    try:
        return float(signal.properties.get("dwell_seconds", "0"))
    except ValueError:
        return 0.0  # a sender's free-text dwell is no evidence of engagement


def _duration(span: timedelta) -> str:
    days = span / timedelta(days=1)
    if days >= 1 and days == int(days):
        return f"{int(days)} day{'s' if days != 1 else ''}"
    hours = round(span / timedelta(hours=1), 1)
    return f"{hours:g} hours"
