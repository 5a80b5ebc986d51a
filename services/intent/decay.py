"""When a customer's intent level would change with time alone: the instant the decay timer fires.

Without new signals a customer's raw points never grow: each signal's points halve every half-life
(a signal from the sender's near future counts as age 0 until it happens, then decays), the per-type
cap is a `min` of non-increasing sums, and a signal leaving the window only removes points. The score
and the level are non-decreasing functions of the raw points. So, as a function of time, the level
only steps down — HIGH → MEDIUM → LOW — and the first instant it differs from today's is found by
bisection over time on `level_at`, exactly (to the microsecond), whatever mix of decay and window
exits causes it. A LOW level never changes with time alone: no timer is needed.

Pure functions, no I/O; the engine schedules an `intent.rescore` timer at the returned instant
(docs/intent-scoring.md, "Decay").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from services.intent.scoring import LOW, ScoringModel, in_window, level_at
from services.intent.signals import Signal

RESCORE_KIND = "intent.rescore"
_RESOLUTION = timedelta(microseconds=1)
_MILLISECOND = timedelta(milliseconds=1)


def next_level_change(signals: Sequence[Signal], *, model: ScoringModel, now: datetime) -> datetime | None:
    """The first whole millisecond after `now` at which the level differs from the level at `now`.

    None when the level is LOW (it cannot fall further). Rounded up to a millisecond because timers
    are stored in milliseconds: a timer that fires at the returned instant always sees the new level.
    """
    window = in_window(signals, model=model, now=now)
    level = level_at(window, model=model, now=now)
    if level == LOW:
        return None
    # Once every signal has left the window the level is LOW, which differs from today's.
    lo = now
    hi = max(s.occurred_at for s in window) + model.window + _RESOLUTION
    # Invariant: the level at `lo` is today's, the level at `hi` is not.
    while hi - lo > _RESOLUTION:
        mid = lo + (hi - lo) / 2
        if level_at(window, model=model, now=mid) == level:
            lo = mid
        else:
            hi = mid
    return _ceil_ms(hi)


def _ceil_ms(value: datetime) -> datetime:
    below = timedelta(microseconds=value.microsecond % 1000)
    return value if not below else value - below + _MILLISECOND
