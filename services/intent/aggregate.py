"""A customer's intent, kept as decayed aggregates so a new signal costs O(1) and a read costs no history.

Signals are summed into **day buckets** keyed (type, topic, UTC day). A bucket holds the count, the
undecayed points without and with the engagement bonus, and `ref`: its signals' points decayed to the
*start of their day*, each multiplied by 2^((at − day start)/half-life). Because every signal decays at
the same rate, a bucket's points at any later instant T are `ref × 2^(−(T − day start)/half-life)`:
exactly the sum of its signals' decayed points, whatever order they came in. The window (the last
`window_days` UTC days, today included) drops whole buckets, so a signal leaving it removes exactly its
own points. docs/intent-scoring.md has the formula; `services.intent.scoring.score_signals` computes
the same thing from raw signals, and tests/unit/intent/test_aggregate.py holds the two together over
random histories.

A signal's time for scoring is `min(occurred_at, received_at)`: a sender's clock running ahead cannot
make a signal count for more than a fresh one. The `top` list keeps the largest contributions: the order
of two signals' decayed points never changes with time, so it is kept at insert by a time-free key.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from common.timeutil import to_ms
from services.intent.model import DAY_MS, IntentModel
from services.intent.signals import Signal

TOP_KEPT = 10  # contributions remembered per customer; reads show the first 5
MAX_TOPICS = 32  # distinct topics tracked per customer; later ones are summed under OTHER_TOPIC
OTHER_TOPIC = "(other)"


@dataclass(frozen=True, kw_only=True)
class Term:
    """One signal as the aggregates see it: points before decay, and its scoring time in ms."""

    signal_id: str
    type: str
    topic: str
    party: str
    at_ms: int
    base: float  # weight × party factor
    points: float  # base × engagement bonus (dwell, depth)
    source: str = ""  # for explanations: the provider of a third-party signal
    matched_on: str = ""
    matched_value: str = ""

    def key(self, half_life_ms: float) -> float:
        """log2 of the points at time 0: larger key, larger decayed points at every later instant."""
        return math.log2(self.points) + self.at_ms / half_life_ms if self.points > 0 else -math.inf


@dataclass(kw_only=True)
class Bucket:
    count: int = 0
    base: float = 0.0  # Σ weight × party
    points: float = 0.0  # Σ weight × party × engagement
    ref: float = 0.0  # Σ points × 2^((at − day start)/half-life)


BucketKey = tuple[str, str, int]  # (type, topic, UTC day number)


@dataclass(kw_only=True)
class IntentState:
    """What the service keeps per customer (one MongoDB document; services/intent/store.py)."""

    customer_id: str
    model_version: int = 0
    buckets: dict[BucketKey, Bucket] = field(default_factory=dict)
    top: list[Term] = field(default_factory=list)  # largest first, at most TOP_KEPT
    last_signal_ms: int = 0
    applied: int = 0  # signals ever added (for re-score progress and sanity checks)


def term_of(signal: Signal, *, model: IntentModel, received_ms: int) -> Term:
    """The signal's scoring time and points under `model` (docs/intent-scoring.md, step 1)."""
    party = model.third_party_factor if signal.party == "third" else 1.0
    base = model.weight(signal.type) * party
    bonus = 1.0
    if _number(signal.properties.get("dwell_seconds")) >= model.engaged_dwell_seconds > 0:
        bonus *= model.dwell_factor
    if _number(signal.properties.get("depth")) >= model.engaged_depth > 0:
        bonus *= model.depth_factor
    occurred_ms = to_ms(signal.occurred_at)
    return Term(
        signal_id=signal.id,
        type=signal.type,
        topic=signal.topic,
        party=signal.party,
        at_ms=min(occurred_ms, received_ms),
        base=base,
        points=base * bonus,
        source=signal.source,
        matched_on=signal.matched_on,
        matched_value=signal.matched_value,
    )


def first_day(model: IntentModel, now_ms: int) -> int:
    """The oldest UTC day still inside the window at `now_ms`."""
    return now_ms // DAY_MS - model.window_days + 1


def add(state: IntentState, terms: Iterable[Term], *, model: IntentModel) -> None:
    """Add signals to the aggregates (callers add each signal once: store.py de-duplicates)."""
    h = model.half_life_ms
    topics = {k[1] for k in state.buckets}
    kept = {t.signal_id for t in state.top}
    candidates = list(state.top)
    for t in terms:
        topic = t.topic
        if topic and topic not in topics:
            if len(topics) >= MAX_TOPICS:
                topic = OTHER_TOPIC
            topics.add(topic)
        day = t.at_ms // DAY_MS
        bucket = state.buckets.setdefault((t.type, topic, day), Bucket())
        bucket.count += 1
        bucket.base += t.base
        bucket.points += t.points
        bucket.ref += t.points * 2.0 ** ((t.at_ms - day * DAY_MS) / h)
        state.last_signal_ms = max(state.last_signal_ms, t.at_ms)
        state.applied += 1
        if t.signal_id not in kept:
            kept.add(t.signal_id)
            candidates.append(t)
    # The TOP_KEPT largest of the old top and the new terms: the same as keeping the top after each
    # term (the order is total), in one selection per call instead of a sort per signal.
    state.top = heapq.nsmallest(TOP_KEPT, candidates, key=lambda t: (-t.key(h), -t.at_ms, t.signal_id))


def prune(state: IntentState, *, model: IntentModel, now_ms: int) -> None:
    """Forget buckets and top signals that left the window (they no longer count)."""
    oldest = first_day(model, now_ms)
    state.buckets = {k: b for k, b in state.buckets.items() if k[2] >= oldest}
    state.top = [t for t in state.top if t.at_ms // DAY_MS >= oldest]


def decayed(bucket: Bucket, day: int, *, model: IntentModel, now_ms: int) -> float:
    """The bucket's points at `now_ms` (not before its day's start)."""
    return bucket.ref * 2.0 ** (-(now_ms - day * DAY_MS) / model.half_life_ms)


def type_sums(state: IntentState, *, model: IntentModel, now_ms: int) -> dict[str, float]:
    """Each type's decayed points inside the window at `now_ms`, before its cap."""
    oldest = first_day(model, now_ms)
    out: dict[str, float] = {}
    for (kind, _, day), bucket in state.buckets.items():
        if day >= oldest:
            out[kind] = out.get(kind, 0.0) + decayed(bucket, day, model=model, now_ms=now_ms)
    return out


def counts_since(state: IntentState, first: int, last: int | None = None) -> dict[str, int]:
    """Signals per type on UTC days first..last (inclusive; `last` None: no upper bound)."""
    out: dict[str, int] = {}
    for (kind, _, day), bucket in state.buckets.items():
        if day >= first and (last is None or day <= last):
            out[kind] = out.get(kind, 0) + bucket.count
    return out


def _number(value: str | None) -> float:
    try:
        number = float(value) if value is not None else 0.0
    except ValueError:
        return 0.0  # a sender's free text is no evidence of engagement
    return number if math.isfinite(number) else 0.0


def state_to_document(state: IntentState) -> dict[str, Any]:
    """The stored form: arrays of small documents ($set whole; keys may hold '.' so no maps)."""
    return {
        "model_version": state.model_version,
        "buckets": [
            {"t": k[0], "k": k[1], "d": k[2], "n": b.count, "b": b.base, "p": b.points, "r": b.ref}
            for k, b in sorted(state.buckets.items(), key=lambda kb: (kb[0][2], kb[0][0], kb[0][1]))
        ],
        "top": [_top_entry(t) for t in state.top],
        "last_signal_ms": state.last_signal_ms,
        "applied": state.applied,
    }


def _top_entry(t: Term) -> dict[str, Any]:
    """One remembered contribution; a first-party signal leaves out the third-party fields (every
    write rewrites the whole document, so its size is paid on each signal batch)."""
    entry: dict[str, Any] = {
        "id": t.signal_id,
        "t": t.type,
        "k": t.topic,
        "at": t.at_ms,
        "b": t.base,
        "p": t.points,
    }
    if t.party != "first":
        entry["y"] = t.party
    for name, value in (("s", t.source), ("mo", t.matched_on), ("mv", t.matched_value)):
        if value:
            entry[name] = value
    return entry


def state_from_document(customer_id: str, doc: Mapping[str, Any] | None) -> IntentState:
    """The state stored in `doc` (a fresh one for None or a document that never had signals)."""
    if not doc:
        return IntentState(customer_id=customer_id)
    return IntentState(
        customer_id=customer_id,
        model_version=int(doc.get("model_version", 0)),
        buckets={
            (b["t"], b["k"], int(b["d"])): Bucket(
                count=int(b["n"]), base=float(b["b"]), points=float(b["p"]), ref=float(b["r"])
            )
            for b in doc.get("buckets") or []
        },
        top=[
            Term(
                signal_id=t["id"],
                type=t["t"],
                topic=t["k"],
                party=t.get("y", "first"),
                at_ms=int(t["at"]),
                base=float(t["b"]),
                points=float(t["p"]),
                source=t.get("s", ""),
                matched_on=t.get("mo", ""),
                matched_value=t.get("mv", ""),
            )
            for t in doc.get("top") or []
        ],
        last_signal_ms=int(doc.get("last_signal_ms", 0)),
        applied=int(doc.get("applied", 0)),
    )
