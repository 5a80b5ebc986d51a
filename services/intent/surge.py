"""Surges: a short burst of a customer's intent well above the customer's own baseline; pure.

Per signal type weighing at least `surge.min_weight`, over whole UTC days (today included):
- `recent` = signals in the last `window_days` days;
- `expected` = the type's signals in the `baseline_days` before that, scaled to `window_days`
  (its usual count for a window of that length);
- the type surges when `recent ≥ min_signals` and `recent ≥ ratio × expected`.
The customer surges when any type does, unless the last surge is younger than the cool-down. The
reason names every surging type, e.g. "3× 定价页 in 2 days; usually 0". Evaluated when new signals
are added (the engine), so a surge is announced once, by the write that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.intent.aggregate import IntentState, counts_since
from services.intent.model import DAY_MS, HOUR_MS, IntentModel


@dataclass(frozen=True, kw_only=True)
class SurgingType:
    type: str
    label: str
    count: int  # in the surge window
    expected: float  # the baseline's count for a window of that length


@dataclass(frozen=True, kw_only=True)
class Surge:
    at_ms: int
    window_days: int
    types: tuple[SurgingType, ...]
    reason: str


def detect(state: IntentState, *, model: IntentModel, now_ms: int, last_surge_ms: int = 0) -> Surge | None:
    """The surge the customer is in at `now_ms`, or None (none, or still cooling down)."""
    rule = model.surge
    if last_surge_ms and now_ms - last_surge_ms < rule.cooldown_hours * HOUR_MS:
        return None
    today = now_ms // DAY_MS
    recent_first = today - rule.window_days + 1
    recent = counts_since(state, recent_first)
    baseline = counts_since(state, recent_first - rule.baseline_days, recent_first - 1)
    surging = []
    for kind, count in sorted(recent.items(), key=lambda kc: (-kc[1], kc[0])):
        if model.weight(kind) < rule.min_weight or count < rule.min_signals:
            continue
        expected = baseline.get(kind, 0) * rule.window_days / rule.baseline_days
        if count >= rule.ratio * expected:
            surging.append(SurgingType(type=kind, label=model.label(kind), count=count, expected=expected))
    if not surging:
        return None
    return Surge(
        at_ms=now_ms,
        window_days=rule.window_days,
        types=tuple(surging),
        reason=describe(surging, rule.window_days),
    )


def describe(types: list[SurgingType], window_days: int) -> str:
    """ "3× 定价页 in 2 days; usually 0" — one clause per surging type, joined by "; "."""
    span = f"{window_days} day{'s' if window_days != 1 else ''}"
    return "; ".join(f"{t.count}× {t.label} in {span}; usually {_usual(t.expected)}" for t in types)


def _usual(expected: float) -> str:
    if expected == 0:
        return "0"
    return f"{expected:.1f}".rstrip("0").rstrip(".") if expected < 10 else f"{expected:.0f}"
