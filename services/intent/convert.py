"""Proto ⇄ domain conversion for the intent service."""

from __future__ import annotations

from crm.intent.v1 import intent_pb2

from common.timeutil import from_timestamp, to_timestamp
from services.intent.scoring import HIGH, LOW, MEDIUM, ScoreResult
from services.intent.signals import RawSignal

_PARTY = {
    intent_pb2.SIGNAL_PARTY_UNSPECIFIED: "",
    intent_pb2.SIGNAL_PARTY_FIRST: "first",
    intent_pb2.SIGNAL_PARTY_THIRD: "third",
}
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
    )


def intent_score(result: ScoreResult) -> intent_pb2.IntentScore:
    """The IntentScore message of a score result."""
    return intent_pb2.IntentScore(
        customer_id=result.customer_id,
        score=result.score,
        level=_LEVEL[result.level],
        raw_points=result.raw_points,
        signal_count=result.signal_count,
        topics=[intent_pb2.TopicScore(topic=topic, points=points) for topic, points in result.topics],
        top_signals=[
            intent_pb2.SignalContribution(
                signal_id=c.signal_id,
                type=c.type,
                topic=c.topic,
                occurred_at=to_timestamp(c.occurred_at),
                points=c.points,
            )
            for c in result.top_signals
        ],
        computed_at=to_timestamp(result.computed_at),
        last_signal_at=to_timestamp(result.last_signal_at),
    )
