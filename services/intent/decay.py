"""When a customer's intent level would change with time alone: the instant the decay timer fires.

Without new signals a customer's raw points never grow: every bucket's points halve each half-life,
the per-type cap is a `min` of non-increasing sums, a bucket leaving the window only removes points,
and the fit multiplier is constant. Score and level are non-decreasing functions of the raw points, so
as a function of time the level only steps down — HIGH → MEDIUM → LOW — and the first whole
millisecond at which it is below today's is found by bisection over time, whatever mix of decay and
window exits causes it. A LOW level never changes with time alone: no timer is needed.

The bisection runs on `_Curve`, the buckets folded once into per-type suffix sums (all buckets decay
at one rate, so a type's points at T are one scale factor times the sum over the days still inside the
window): a step costs O(types × log days) instead of a pass over every bucket, which made this the
largest CPU cost of ingest. The answer is then checked, and moved by single milliseconds if rounding
disagrees, against the very arithmetic of `score_state` (`raw_at`), so it is exact by that measure.

Pure; the engine schedules an `intent.rescore` timer at the returned instant (docs/intent-scoring.md).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from services.intent.aggregate import IntentState, first_day
from services.intent.model import DAY_MS, IntentModel
from services.intent.scoring import HIGH, LOW, MEDIUM, level_for, raw_at, score_from_raw

RESCORE_KIND = "intent.rescore"
_RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}
_NUDGES = 64  # single-millisecond corrections allowed before falling back to exact bisection


def level_at(state: IntentState, *, model: IntentModel, now_ms: int, fit: float) -> str:
    """The level `score_state` gives at `now_ms`, without building the explanation."""
    return level_for(
        score_from_raw(raw_at(state, model=model, now_ms=now_ms, fit=fit), model=model), model=model
    )


def level_holds_until(
    state: IntentState, *, model: IntentModel, now_ms: int, fit: float, until_ms: int
) -> bool:
    """Whether the level at `now_ms` still holds at every instant before `until_ms` (> now_ms).

    The level only steps down with time, so one evaluation at `until_ms - 1` answers it: then
    `next_level_change` is at or after `until_ms`.
    """
    if until_ms <= now_ms:
        return False
    at = until_ms - 1
    return (
        at == now_ms
        or _RANK[level_at(state, model=model, now_ms=at, fit=fit)]
        >= _RANK[level_at(state, model=model, now_ms=now_ms, fit=fit)]
    )


def next_level_change(state: IntentState, *, model: IntentModel, now_ms: int, fit: float) -> int | None:
    """The first whole millisecond after `now_ms` at which the level is below the level at `now_ms`.

    None when the level is LOW (it cannot fall further) or there is nothing in the window.
    """
    rank = _RANK[level_at(state, model=model, now_ms=now_ms, fit=fit)]
    if rank == _RANK[LOW] or not state.buckets:
        return None
    # Instants with the level below today's form a ray [k*, ∞): find k* by bisection. At `hi` every
    # bucket has left the window (the day after the newest bucket's last window day), so it is LOW.
    hi = (max(day for _, _, day in state.buckets) + model.window_days) * DAY_MS
    if hi <= now_ms:
        return now_ms + 1
    curve = _Curve(state, model=model, fit=fit)

    def fast_lower(t: int) -> bool:
        return _RANK[level_for(score_from_raw(curve.raw(t), model=model), model=model)] < rank

    def exact_lower(t: int) -> bool:
        return _RANK[level_at(state, model=model, now_ms=t, fit=fit)] < rank

    found = _first(now_ms, hi, fast_lower)
    for _ in range(_NUDGES):  # rounding of the folded sums vs raw_at: settle on raw_at's own answer
        if not exact_lower(found):
            found += 1
        elif found - 1 > now_ms and exact_lower(found - 1):
            found -= 1
        else:
            return found
    return _first(now_ms, hi, exact_lower)


def _first(lo: int, hi: int, lower: Callable[[int], bool]) -> int:
    """The first instant in (lo, hi] where `lower` holds, given it holds at hi and from there on."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if lower(mid):
            hi = mid
        else:
            lo = mid
    return hi


class _Curve:
    """The customer's raw points as a function of time, folded for many evaluations."""

    def __init__(self, state: IntentState, *, model: IntentModel, fit: float) -> None:
        self._model, self._fit = model, fit
        self._ref_day = max(day for _, _, day in state.buckets)
        h = model.half_life_ms
        per_type: dict[str, dict[int, float]] = {}
        for (kind, _, day), b in state.buckets.items():
            days = per_type.setdefault(kind, {})
            # Scaled to the newest day so the factors stay within float range.
            days[day] = days.get(day, 0.0) + b.ref * 2.0 ** ((day - self._ref_day) * DAY_MS / h)
        self._types: list[tuple[float, list[int], list[float]]] = []
        for kind, days in per_type.items():
            ordered = sorted(days)
            suffix = [0.0] * (len(ordered) + 1)
            for i in range(len(ordered) - 1, -1, -1):
                suffix[i] = suffix[i + 1] + days[ordered[i]]
            self._types.append((model.cap(kind), ordered, suffix))

    def raw(self, now_ms: int) -> float:
        oldest = first_day(self._model, now_ms)
        scale = 2.0 ** (-(now_ms - self._ref_day * DAY_MS) / self._model.half_life_ms)
        total = 0.0
        for cap, days, suffix in self._types:
            total += min(scale * suffix[bisect.bisect_left(days, oldest)], cap)
        return self._fit * total
