"""When a customer's intent level would change with time alone: the instant the decay timer fires.

Without new signals a customer's raw points never grow: each signal's points halve every half-life
(a signal from the sender's near future counts as age 0 until it happens, then decays), the per-type
cap is a `min` of non-increasing sums, and a signal leaving the window only removes points. The score
and the level are non-decreasing functions of the raw points. So, as a function of time, the level
only steps down — HIGH → MEDIUM → LOW — and the first whole millisecond at which it is below today's
is found by bisection over time, whatever mix of decay and window exits causes it. A LOW level never
changes with time alone: no timer is needed.

This runs for every customer whose score is stored, so it avoids datetimes in the loop: signals are
reduced once to (type, points before decay, time in integer microseconds), and the level at an
instant is computed with the same integer-microsecond ages and the same float operations, in the
same order, as `score_customer` (timedelta division is integer division of microseconds), so both
agree to the last bit; `tests/unit/intent/test_decay.py` checks it against `level_at` and a scan.

Pure functions, no I/O; the engine schedules an `intent.rescore` timer at the returned instant
(docs/intent-scoring.md, "Decay").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from services.intent.scoring import (
    HIGH,
    LOW,
    MEDIUM,
    ScoringModel,
    base_points,
    capped_type_sums,
    in_window,
    level_for,
    score_from_raw,
)
from services.intent.signals import Signal

RESCORE_KIND = "intent.rescore"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}

Term = tuple[str, float, int]  # (type, points before decay, occurred_at in µs since the epoch)


def next_level_change(signals: Sequence[Signal], *, model: ScoringModel, now: datetime) -> datetime | None:
    """The first whole millisecond after `now` at which the level is below the level at `now`.

    None when the level is LOW (it cannot fall further). A whole millisecond because timers are
    stored in milliseconds: a timer that fires at the returned instant always sees the new level.
    """
    terms = [
        (s.type, base_points(s, model=model), _micros(s.occurred_at))
        for s in in_window(signals, model=model, now=now)
    ]
    now_us = _micros(now)
    rank = _rank_at(terms, now_us, model)
    if rank == _RANK[LOW]:
        return None
    # Milliseconds k with the level at k below today's form a ray [k*, ∞): find k* by bisection.
    # At `lo` the level is today's; at `hi` every signal has left the window, so it is LOW.
    lo = now_us // 1000
    hi = (max(at for _, _, at in terms) + _micros_of(model.window)) // 1000 + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _rank_at(terms, mid * 1000, model) < rank:
            hi = mid
        else:
            lo = mid
    return _EPOCH + timedelta(milliseconds=hi)


def _rank_at(terms: Sequence[Term], at_us: int, model: ScoringModel) -> int:
    since = at_us - _micros_of(model.window)
    half_life = _micros_of(model.half_life)
    # `decay`: 2^(−max(age, 0)/half_life) with age and half-life in integer microseconds.
    points = [
        (kind, base * float(2.0 ** (-max(at_us - t, 0) / half_life))) for kind, base, t in terms if t >= since
    ]
    raw = sum(capped_type_sums(points, model=model).values())
    return _RANK[level_for(score_from_raw(raw, model=model), model=model)]


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _micros_of(span: timedelta) -> int:
    return span // _US
