"""Proto ⇄ domain conversion for the intent service."""

from __future__ import annotations

from typing import Any

from crm.intent.v1 import intent_pb2

from common.timeutil import from_ms, from_timestamp, to_timestamp
from services.intent.scoring import HIGH, LOW, MEDIUM, ScoreResult
from services.intent.signals import RawSignal

_PARTY = {
    intent_pb2.SIGNAL_PARTY_UNSPECIFIED: "",
    intent_pb2.SIGNAL_PARTY_FIRST: "first",
    intent_pb2.SIGNAL_PARTY_THIRD: "third",
}
_MATCH = {
    intent_pb2.SIGNAL_MATCH_UNSPECIFIED: "",
    intent_pb2.SIGNAL_MATCH_ACCOUNT: "account",
    intent_pb2.SIGNAL_MATCH_CONTACT: "contact",
}
_MATCH_OUT: dict[str, int] = {v: k for k, v in _MATCH.items()}
_PARTY_OUT = {"first": intent_pb2.SIGNAL_PARTY_FIRST, "third": intent_pb2.SIGNAL_PARTY_THIRD}
_LEVEL = {
    LOW: intent_pb2.INTENT_LEVEL_LOW,
    MEDIUM: intent_pb2.INTENT_LEVEL_MEDIUM,
    HIGH: intent_pb2.INTENT_LEVEL_HIGH,
}


def raw_signal(signal: intent_pb2.Signal) -> RawSignal:
    """A proto Signal as a RawSignal; an unknown party number is passed on as text and refused later."""
    return RawSignal(
        id=signal.id,
        customer_id=signal.customer_id,
        type=signal.type,
        party=_PARTY.get(signal.party, str(signal.party)),
        topic=signal.topic,
        occurred_at=from_timestamp(signal.occurred_at) if signal.HasField("occurred_at") else None,
        properties=dict(signal.properties),
        source=signal.source,
        matched_on=_MATCH.get(signal.matched_on, str(signal.matched_on)),
        matched_value=signal.matched_value,
    )


def intent_score(result: ScoreResult) -> intent_pb2.IntentScore:
    """The IntentScore message of a score result (points rounded to 2 decimals for people)."""
    c = result.components
    return intent_pb2.IntentScore(
        customer_id=result.customer_id,
        score=result.score,
        level=_LEVEL[result.level],
        raw_points=round(result.raw_points, 2),
        signal_count=result.signal_count,
        topics=[
            intent_pb2.TopicScore(topic=topic, points=round(points, 2)) for topic, points in result.topics
        ],
        top_signals=[
            intent_pb2.SignalContribution(
                signal_id=s.signal_id,
                type=s.type,
                topic=s.topic,
                occurred_at=to_timestamp(from_ms(s.at_ms)),
                points=round(s.points, 2),
                party=_PARTY_OUT[s.party],
                source=s.source,
                matched_on=_MATCH_OUT.get(s.matched_on, 0),  # type: ignore[arg-type]
                matched_value=s.matched_value,
            )
            for s in result.top_signals
        ],
        computed_at=to_timestamp(from_ms(result.computed_ms)),
        last_signal_at=to_timestamp(from_ms(result.last_signal_ms)) if result.last_signal_ms else None,
        components=intent_pb2.ScoreComponents(
            frequency=round(c.frequency, 2),
            engagement=round(c.engagement, 2),
            recency=round(c.recency, 2),
            cap=round(c.cap, 2),
            fit=round(c.fit, 2),
        ),
        fit_multiplier=result.fit_multiplier,
        types=[
            intent_pb2.SignalTypeScore(
                type=t.type,
                label=t.label,
                count=t.count,
                recent_count=t.recent_count,
                points=round(t.points, 2),
            )
            for t in result.types
        ],
        model_version=result.model_version,
    )


_CAUSE = {
    "signals": intent_pb2.SCORE_CHANGE_CAUSE_SIGNALS,
    "decay": intent_pb2.SCORE_CHANGE_CAUSE_DECAY,
    "model": intent_pb2.SCORE_CHANGE_CAUSE_MODEL,
    "profile": intent_pb2.SCORE_CHANGE_CAUSE_PROFILE,
    "contact": intent_pb2.SCORE_CHANGE_CAUSE_CONTACT,
}


def history_entry(doc: dict[str, Any]) -> intent_pb2.ScoreHistoryEntry:
    """A stored `score_history` document as its message."""
    entry = intent_pb2.ScoreHistoryEntry(
        id=doc["_id"],
        at=to_timestamp(from_ms(int(doc["at_ms"]))),
        cause=_CAUSE.get(doc.get("cause", ""), intent_pb2.SCORE_CHANGE_CAUSE_UNSPECIFIED),
        score=float(doc.get("score", 0.0)),
        level=_LEVEL.get(doc.get("level", ""), intent_pb2.INTENT_LEVEL_UNSPECIFIED),
        previous_level=_LEVEL.get(doc.get("previous_level") or "", intent_pb2.INTENT_LEVEL_UNSPECIFIED),
        reason=doc.get("reason", ""),
        signal_ids=list(doc.get("signal_ids") or []),
        surge_reason=doc.get("surge") or "",
        model_version=int(doc.get("model_version", 0)),
    )
    if doc.get("previous_score") is not None:
        entry.previous_score = float(doc["previous_score"])
    return entry
