"""The customer's purchase-intent score with its explanation (from the intent service)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from crm.intent.v1 import intent_pb2

from common.timeutil import from_timestamp
from gateway.types.enums import IntentLevel, from_proto_enum


@strawberry.type
class TopicScore:
    topic: str
    points: float


@strawberry.type(description="One signal's weighted, decayed contribution to the score")
class SignalContribution:
    signal_id: str
    type: str
    topic: str
    occurred_at: datetime | None
    points: float


@strawberry.type(description="One signal type of a surge: its count in the window against the usual")
class SurgingType:
    type: str
    label: str = strawberry.field(description="The model's display name, e.g. 定价页")
    count: int
    usual: float = strawberry.field(description="What the customer's own baseline predicts for the window")


@strawberry.type(description="A short burst of intent well above the customer's own baseline")
class IntentSurge:
    at: datetime | None
    reason: str = strawberry.field(description='e.g. "3× 定价页 in 2 days; usually 0"')
    window_days: int
    types: list[SurgingType]
    open: bool = strawberry.field(description="Nobody has contacted the customer since, and it is recent")

    @classmethod
    def from_proto(cls, message: intent_pb2.IntentSurge) -> IntentSurge:
        return cls(
            at=from_timestamp(message.at),
            reason=message.reason,
            window_days=message.window_days,
            types=[
                SurgingType(type=t.type, label=t.label, count=t.count, usual=t.usual) for t in message.types
            ],
            open=message.open,
        )


@strawberry.type(description="Purchase intent 0-100, its level and the signals that explain it")
class IntentSummary:
    score: float
    level: IntentLevel | None
    raw_points: float
    signal_count: int
    topics: list[TopicScore]
    top_signals: list[SignalContribution]
    computed_at: datetime | None
    last_signal_at: datetime | None
    surge: IntentSurge | None = strawberry.field(
        default=None, description="The customer's last surge, if any"
    )

    @classmethod
    def from_proto(cls, message: intent_pb2.IntentScore) -> IntentSummary:
        return cls(
            score=message.score,
            level=from_proto_enum(IntentLevel, message.level),
            raw_points=message.raw_points,
            signal_count=message.signal_count,
            topics=[TopicScore(topic=t.topic, points=t.points) for t in message.topics],
            top_signals=[
                SignalContribution(
                    signal_id=s.signal_id,
                    type=s.type,
                    topic=s.topic,
                    occurred_at=from_timestamp(s.occurred_at),
                    points=s.points,
                )
                for s in message.top_signals
            ],
            computed_at=from_timestamp(message.computed_at),
            last_signal_at=from_timestamp(message.last_signal_at),
            surge=IntentSurge.from_proto(message.surge) if message.HasField("surge") else None,
        )


@strawberry.type
class IngestSignalsPayload:
    accepted: int
    duplicates: int
    signal_ids: list[str]

    @classmethod
    def from_proto(cls, message: intent_pb2.IngestSignalsResponse) -> IngestSignalsPayload:
        return cls(
            accepted=message.accepted, duplicates=message.duplicates, signal_ids=list(message.signal_ids)
        )
