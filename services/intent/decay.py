"""When a customer's intent level would change with time alone: the instant the decay timer fires.

Without new signals a customer's raw points never grow: every bucket's points halve each half-life,
the per-type cap is a `min` of non-increasing sums, a bucket leaving the window only removes points,
and the fit multiplier is constant. Score and level are non-decreasing functions of the raw points, so
as a function of time the level only steps down — HIGH → MEDIUM → LOW — and the first whole
millisecond at which it is below today's is found by bisection over time on the very arithmetic of
`score_state` (`raw_at`), whatever mix of decay and window exits causes it. A LOW level never changes
with time alone: no timer is needed. Each step costs one pass over the customer's buckets (at most
window days × types × topics), never its history.

Pure; the engine schedules an `intent.rescore` timer at the returned instant (docs/intent-scoring.md).
"""

from __future__ import annotations

from services.intent.aggregate import IntentState
from services.intent.model import DAY_MS, IntentModel
from services.intent.scoring import HIGH, LOW, MEDIUM, level_for, raw_at, score_from_raw

RESCORE_KIND = "intent.rescore"
_RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}


def level_at(state: IntentState, *, model: IntentModel, now_ms: int, fit: float) -> str:
    """The level `score_state` gives at `now_ms`, without building the explanation."""
    return level_for(
        score_from_raw(raw_at(state, model=model, now_ms=now_ms, fit=fit), model=model), model=model
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
    lo = now_ms
    hi = (max(day for _, _, day in state.buckets) + model.window_days) * DAY_MS
    if hi <= lo:
        return lo + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _RANK[level_at(state, model=model, now_ms=mid, fit=fit)] < rank:
            hi = mid
        else:
            lo = mid
    return hi
