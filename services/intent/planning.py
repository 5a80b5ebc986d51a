"""What one write of a customer's aggregate must contain: the new score, level, surge, history, events.

Every path that changes a customer's intent — new signals, the decay timer, a model re-score, a profile
or contact fact — ends in `plan(...)`, so the level move, its `level_changed`, a `surged`, the history
entry and the call-list flag are decided the same way and written together (one compare-and-set write
of the `scores` document; services/intent/store.py). Pure: the engine does the I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.timers import Timer
from common.timeutil import from_ms
from services.intent.aggregate import IntentState, Term, state_to_document
from services.intent.decay import RESCORE_KIND, level_holds_until, next_level_change
from services.intent.model import DAY_MS, IntentModel
from services.intent.scoring import LOW, ScoreResult, describe_reason, is_level_change, score_state
from services.intent.store import RECENT_IDS
from services.intent.surge import Surge, detect

HISTORY_STEP = 5.0  # a score move at least this large is worth a history entry on its own
CAUSES = ("signals", "decay", "model", "profile", "contact")
LEVEL_CHANGED = "level_changed"
SURGED = "surged"
RESCORE_AT = (
    "rescore_ms"  # the document field: when its pending `intent.rescore` timer is due (`rescore_timer`)
)


@dataclass(frozen=True, kw_only=True)
class Plan:
    result: ScoreResult
    fields: dict[str, Any]  # to $set on the customer's document
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (event name, data)
    history: dict[str, Any] | None = None  # a `score_history` entry (without tenant and id)
    next_change_ms: int | None = None  # when time alone would lower the level
    previous_level: str | None = None


def plan(
    state: IntentState,
    doc: Mapping[str, Any] | None,
    *,
    model: IntentModel,
    now_ms: int,
    cause: str,
    added: Sequence[Term] = (),
    stored: frozenset[str] | set[str] = frozenset(),
    timer_ms: int = 0,
) -> Plan:
    """The write that brings `doc` (as read; None if new) to `state` at `now_ms`.

    `stored`: which of the document's `recent_ids` are known to be stored as signals now; they are
    dropped from it (services/intent/engine.py, "Exactly once"). `timer_ms`: when the customer's pending
    decay timer fires (0: none to rely on). If the level still holds just before it, that timer is early
    enough (it re-plans when it fires) and `next_change_ms` is that instant, found with one evaluation
    instead of a bisection: most writes of a busy customer only push the drop further out.
    """
    doc = doc or {}
    profile = dict(doc.get("profile") or {})
    fit = model.fit_multiplier(profile)
    result = score_state(state, model=model, now_ms=now_ms, profile=profile)
    previous_level = doc.get("level")
    previous_score = float(doc.get("history_score", doc.get("score", 0.0)) or 0.0)
    surge = (
        detect(state, model=model, now_ms=now_ms, last_surge_ms=int(doc.get("last_surge_ms", 0)))
        if added
        else None
    )
    fields: dict[str, Any] = {
        **state_to_document(state),
        "fit": fit,
        "recent_ids": _recent_ids(doc, added, stored),
        "score": result.score,
        "level": result.level,
        "computed_ms": now_ms,
    }
    if previous_level is None and not state.buckets:
        # Never scored and still no signal (a profile or a contact arrived first): keep it unscored, so
        # its first signals are its first score ("from null", and a history entry without a before).
        for name in ("score", "level", "computed_ms"):
            del fields[name]
    events: list[tuple[str, dict[str, Any]]] = []
    level_moved = "level" in fields and is_level_change(previous_level, result.level)
    reason = describe_reason(result, model=model)
    if level_moved:
        events.append(
            (
                LEVEL_CHANGED,
                {
                    "customer_id": state.customer_id,
                    "level": result.level,
                    "previous_level": previous_level,
                    "score": result.score,
                    "reason": reason,
                },
            )
        )
    last_surge_ms = int(doc.get("last_surge_ms", 0))
    if surge is not None:
        last_surge_ms = surge.at_ms
        fields["last_surge_ms"] = surge.at_ms
        fields["surge"] = surge_document(surge)
        events.append(
            (SURGED, surged_data(state.customer_id, surge, result, owner_id=doc.get("owner_id", "")))
        )
    fields["call_open"] = call_open(
        level=result.level,
        last_signal_ms=result.last_signal_ms,
        last_contact_ms=int(doc.get("last_contact_ms", 0)),
        last_surge_ms=last_surge_ms,
        model=model,
        now_ms=now_ms,
    )
    history = None
    moved = (
        abs(result.score - previous_score) >= HISTORY_STEP
        or (cause == "model" and result.score != previous_score)
        # A profile change that moves the fit is worth an entry however small its effect.
        or (cause == "profile" and fit != float(doc.get("fit", 1.0)))
    )
    if "level" in fields and (
        level_moved or surge is not None or moved or (previous_level is None and added)
    ):
        fields["history_score"] = result.score
        history = {
            "customer_id": state.customer_id,
            "at_ms": now_ms,
            "cause": cause,
            "score": result.score,
            "level": result.level,
            "previous_score": previous_score if previous_level is not None else None,
            "previous_level": previous_level,
            "reason": _history_reason(cause, added, reason, model=model, fit=fit),
            "signal_ids": [t.signal_id for t in added][:10],
            "surge": surge.reason if surge else None,
            "model_version": model.version,
        }
    return Plan(
        result=result,
        fields=fields,
        events=events,
        history=history,
        next_change_ms=(
            timer_ms
            if result.level != LOW
            and level_holds_until(state, model=model, now_ms=now_ms, fit=fit, until_ms=timer_ms)
            else next_level_change(state, model=model, now_ms=now_ms, fit=fit)
        ),
        previous_level=previous_level,
    )


def call_open(
    *,
    level: str,
    last_signal_ms: int,
    last_contact_ms: int,
    last_surge_ms: int,
    model: IntentModel,
    now_ms: int,
) -> bool:
    """On the call list: intent newer than the last contact — a level above LOW, or an open surge."""
    surge_open = (
        last_surge_ms > last_contact_ms and now_ms - last_surge_ms <= model.call_list.surge_open_days * DAY_MS
    )
    return surge_open or (level != LOW and last_signal_ms > last_contact_ms)


def surge_document(surge: Surge) -> dict[str, Any]:
    return {
        "at_ms": surge.at_ms,
        "reason": surge.reason,
        "window_days": surge.window_days,
        "types": [
            {"type": t.type, "label": t.label, "count": t.count, "expected": t.expected} for t in surge.types
        ],
    }


def surged_data(customer_id: str, surge: Surge, result: ScoreResult, *, owner_id: str) -> dict[str, Any]:
    """The data of `intent.surged` (docs/events.md)."""
    return {
        "customer_id": customer_id,
        "owner_id": owner_id or None,
        "reason": surge.reason,
        "score": result.score,
        "level": result.level,
        "window_days": surge.window_days,
        "types": [
            {"type": t.type, "label": t.label, "count": t.count, "usual": round(t.expected, 2)}
            for t in surge.types
        ],
        "surged_at_ms": surge.at_ms,
    }


def _recent_ids(
    doc: Mapping[str, Any], added: Sequence[Term], stored: frozenset[str] | set[str]
) -> list[str]:
    """The ids this write adds, then the earlier ones whose signals are not known to be stored yet."""
    earlier = [i for i in doc.get("recent_ids") or [] if i not in stored]
    return list(dict.fromkeys([*(t.signal_id for t in added), *earlier]))[:RECENT_IDS]


def _history_reason(cause: str, added: Sequence[Term], reason: str, *, model: IntentModel, fit: float) -> str:
    if cause == "signals" and added:
        counts: dict[str, int] = {}
        for t in added:
            counts[t.type] = counts.get(t.type, 0) + 1
        new = ", ".join(
            f"+{n}× {model.label(k)}" for k, n in sorted(counts.items(), key=lambda kn: (-kn[1], kn[0]))
        )
        return f"{new}; {reason}"
    if cause == "decay":
        return f"time: points halve every {model.half_life_days:g} days; {reason}"
    if cause == "model":
        return f"re-scored with model version {model.version}; {reason}"
    if cause == "profile":
        return f"profile fit ×{fit:g}; {reason}"
    return reason


def rescore_timer(
    tenant: str, customer_id: str, doc: dict[str, Any] | None, p: Plan, *, now_ms: int, keep: bool
) -> Timer | None:
    """The decay timer this write must (re)schedule, or None when the pending one already fires in time.

    A timer that fires *earlier* than the level can drop is harmless (`rescore_due` re-plans and sets
    the next one), so a pending timer due after now and no later than the new change time is kept: a
    busy customer's signals then cost no timer write at all. `rescore_ms` on the document records the
    pending timer's due time (0: none known); it is written with the same compare-and-set write as the
    plan. `keep` False schedules whatever the document says.
    """
    if p.next_change_ms is None:
        return None
    pending = int((doc or {}).get(RESCORE_AT) or 0)
    if keep and now_ms < pending <= p.next_change_ms:
        return None
    return Timer(tenant=tenant, kind=RESCORE_KIND, key=customer_id, due_at=from_ms(p.next_change_ms))
