"""Purchase-intent scores from the aggregates, with everything needed to explain them; pure.

For a customer at instant T (docs/intent-scoring.md):
1. each signal in the window is worth `weight × party × engagement × 2^(−(T − at)/half_life)`;
2. each type's sum is capped (`cap` of the type, else the model's `type_cap`);
3. `raw = fit × Σ capped sums`, where `fit` multiplies the profile's matching fit rules;
4. `score = 100 × (1 − e^(−raw/saturation))` rounded to one decimal; levels from the rounded score.

`score_state` computes this from a customer's `IntentState` (services/intent/aggregate.py) in time
proportional to its buckets, never its history. `score_signals` is the same formula evaluated signal
by signal from raw signals: the reference the tests compare the aggregates with, and nothing else.

Components split the raw points into parts that add up to it exactly: `frequency` (the signals' points
as if fresh, no bonus), `engagement` (the dwell/depth bonus, fresh), `recency` (≤ 0: lost to age),
`cap` (≤ 0: cut by the per-type caps) and `fit` (what the profile's multiplier adds or removes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.intent.aggregate import (
    IntentState,
    Term,
    counts_since,
    decayed,
    first_day,
)
from services.intent.model import DAY_MS, IntentModel

LOW, MEDIUM, HIGH = "low", "medium", "high"
TOP_SIGNALS = 5


@dataclass(frozen=True, kw_only=True)
class Components:
    frequency: float
    engagement: float
    recency: float
    cap: float
    fit: float


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """What one signal adds at the scoring instant, before the per-type cap, the fit and saturation."""

    signal_id: str
    type: str
    topic: str
    party: str
    at_ms: int
    points: float
    source: str = ""
    matched_on: str = ""
    matched_value: str = ""


@dataclass(frozen=True, kw_only=True)
class TypeScore:
    """One type's share: signals in the window, of them in the last half-life (whole days), capped points."""

    type: str
    label: str
    count: int
    recent_count: int
    points: float


@dataclass(frozen=True, kw_only=True)
class ScoreResult:
    customer_id: str
    score: float
    level: str
    raw_points: float
    fit_multiplier: float
    components: Components
    signal_count: int
    topics: list[tuple[str, float]]  # largest first; raw points attributed to each topic
    types: list[TypeScore]  # largest first
    top_signals: list[Contribution]  # largest first, at most TOP_SIGNALS
    computed_ms: int
    last_signal_ms: int  # 0: none in the window
    model_version: int


@dataclass(frozen=True, kw_only=True)
class _Part:
    """Sums of one (type, topic) inside the window at the scoring instant."""

    type: str
    topic: str
    count: int
    base: float
    points: float
    now: float  # decayed


def level_for(score: float, *, model: IntentModel) -> str:
    if score >= model.high_threshold:
        return HIGH
    if score >= model.medium_threshold:
        return MEDIUM
    return LOW


def score_from_raw(raw: float, *, model: IntentModel) -> float:
    """The saturating 0–100 score of `raw` points, rounded to one decimal (levels compare this)."""
    return round(100.0 * (1.0 - math.exp(-raw / model.saturation)), 1)


def score_state(
    state: IntentState, *, model: IntentModel, now_ms: int, profile: Mapping[str, str] | None = None
) -> ScoreResult:
    """The customer's score at `now_ms` from its aggregates (which must be built with `model`)."""
    oldest = first_day(model, now_ms)
    parts: dict[tuple[str, str], _Part] = {}
    for (kind, topic, day), b in state.buckets.items():
        if day < oldest:
            continue
        was = parts.get((kind, topic))
        now = decayed(b, day, model=model, now_ms=now_ms)
        parts[(kind, topic)] = _Part(
            type=kind,
            topic=topic,
            count=b.count + (was.count if was else 0),
            base=b.base + (was.base if was else 0.0),
            points=b.points + (was.points if was else 0.0),
            now=now + (was.now if was else 0.0),
        )
    top = [_contribution(t, model=model, now_ms=now_ms) for t in state.top if t.at_ms // DAY_MS >= oldest][
        :TOP_SIGNALS
    ]
    recent = counts_since(state, max(oldest, now_ms // DAY_MS - _recent_days(model) + 1))
    return _result(
        state.customer_id,
        list(parts.values()),
        top=top,
        recent=recent,
        model=model,
        now_ms=now_ms,
        profile=profile or {},
        last_signal_ms=state.last_signal_ms if state.last_signal_ms // DAY_MS >= oldest else 0,
        model_version=state.model_version,
    )


def score_signals(
    customer_id: str,
    terms: Sequence[Term],
    *,
    model: IntentModel,
    now_ms: int,
    profile: Mapping[str, str] | None = None,
) -> ScoreResult:
    """The reference: the same score evaluated signal by signal (tests and nothing else rely on it)."""
    oldest = first_day(model, now_ms)
    window = [t for t in terms if t.at_ms // DAY_MS >= oldest]
    parts: dict[tuple[str, str], _Part] = {}
    for t in window:
        was = parts.get((t.type, t.topic))
        now = t.points * 2.0 ** (-(now_ms - t.at_ms) / model.half_life_ms)
        parts[(t.type, t.topic)] = _Part(
            type=t.type,
            topic=t.topic,
            count=1 + (was.count if was else 0),
            base=t.base + (was.base if was else 0.0),
            points=t.points + (was.points if was else 0.0),
            now=now + (was.now if was else 0.0),
        )
    contributions = [_contribution(t, model=model, now_ms=now_ms) for t in window]
    contributions.sort(key=lambda c: (-c.points, -c.at_ms, c.signal_id))
    recent_first = now_ms // DAY_MS - _recent_days(model) + 1
    recent: dict[str, int] = {}
    for t in window:
        if t.at_ms // DAY_MS >= recent_first:
            recent[t.type] = recent.get(t.type, 0) + 1
    return _result(
        customer_id,
        list(parts.values()),
        top=contributions[:TOP_SIGNALS],
        recent=recent,
        model=model,
        now_ms=now_ms,
        profile=profile or {},
        last_signal_ms=max((t.at_ms for t in window), default=0),
        model_version=model.version,
    )


def raw_at(state: IntentState, *, model: IntentModel, now_ms: int, fit: float) -> float:
    """Just the raw points at `now_ms` (the decay timer evaluates this many times)."""
    oldest = first_day(model, now_ms)
    sums: dict[str, float] = {}
    for (kind, _, day), b in state.buckets.items():
        if day >= oldest:
            sums[kind] = sums.get(kind, 0.0) + decayed(b, day, model=model, now_ms=now_ms)
    return fit * sum(min(total, model.cap(kind)) for kind, total in sums.items())


def _result(
    customer_id: str,
    parts: list[_Part],
    *,
    top: list[Contribution],
    recent: Mapping[str, int],
    model: IntentModel,
    now_ms: int,
    profile: Mapping[str, str],
    last_signal_ms: int,
    model_version: int,
) -> ScoreResult:
    by_type: dict[str, list[_Part]] = {}
    for p in parts:
        by_type.setdefault(p.type, []).append(p)
    capped: dict[str, float] = {}
    frequency = engagement = recency = cut = 0.0
    for kind, ps in by_type.items():
        now = sum(p.now for p in ps)
        capped[kind] = min(now, model.cap(kind))
        base = sum(p.base for p in ps)
        points = sum(p.points for p in ps)
        frequency += base
        engagement += points - base
        recency += now - points
        cut += capped[kind] - now
    fit = model.fit_multiplier(profile)
    unfitted = sum(capped.values())
    raw = unfitted * fit
    score = score_from_raw(raw, model=model)
    topics: dict[str, float] = {}
    for p in parts:
        total = sum(q.now for q in by_type[p.type])
        if p.topic and total > 0:
            topics[p.topic] = topics.get(p.topic, 0.0) + p.now * capped[p.type] / total * fit
    types = [
        TypeScore(
            type=kind,
            label=model.label(kind),
            count=sum(p.count for p in ps),
            recent_count=recent.get(kind, 0),
            points=capped[kind] * fit,
        )
        for kind, ps in by_type.items()
    ]
    types.sort(key=lambda t: (-t.points, t.type))
    return ScoreResult(
        customer_id=customer_id,
        score=score,
        level=level_for(score, model=model),
        raw_points=raw,
        fit_multiplier=fit,
        components=Components(
            frequency=frequency, engagement=engagement, recency=recency, cap=cut, fit=unfitted * (fit - 1.0)
        ),
        signal_count=sum(p.count for p in parts),
        topics=sorted(topics.items(), key=lambda tp: (-tp[1], tp[0])),
        types=types,
        top_signals=top,
        computed_ms=now_ms,
        last_signal_ms=last_signal_ms,
        model_version=model_version,
    )


def _contribution(t: Term, *, model: IntentModel, now_ms: int) -> Contribution:
    return Contribution(
        signal_id=t.signal_id,
        type=t.type,
        topic=t.topic,
        party=t.party,
        at_ms=t.at_ms,
        points=t.points * 2.0 ** (-(now_ms - t.at_ms) / model.half_life_ms),
        source=t.source,
        matched_on=t.matched_on,
        matched_value=t.matched_value,
    )


def _recent_days(model: IntentModel) -> int:
    return max(1, math.ceil(model.half_life_days))


def is_level_change(previous: str | None, level: str) -> bool:
    """A level differing from the stored one; a customer's first score counts only if above LOW."""
    if previous is None:
        return level != LOW
    return previous != level


def describe_reason(result: ScoreResult, *, model: IntentModel) -> str:
    """A sentence for people, e.g. "3× 定价页 and 1× 演示申请 in the last 7 days"."""
    recent = [(t.label, t.recent_count) for t in result.types if t.recent_count]
    days = _recent_days(model)
    if not recent:  # nothing fresh: describe the whole window instead
        recent = [(t.label, t.count) for t in result.types if t.count]
        days = model.window_days
    if not recent:
        return f"no signals in the last {_days(model.window_days)}"
    named = [f"{count}× {label}" for label, count in recent[:3]]
    others = sum(count for _, count in recent[3:])
    if others:
        named.append(f"{others} other signal{'s' if others != 1 else ''}")
    text = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f"{text} in the last {_days(days)}"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"
