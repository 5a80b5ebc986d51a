"""The customer's purchase-intent score with its explanation and history (from the intent service)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from crm.intent.v1 import intent_pb2

from common.timeutil import from_timestamp
from gateway.types.enums import IntentLevel, ScoreChangeCause, SignalMatch, SignalParty, from_proto_enum
from gateway.types.pagination import PageInfo


@strawberry.type
class TopicScore:
    topic: str
    points: float


@strawberry.type(description="One signal's weighted, decayed contribution to the score")
class SignalContribution:
    signal_id: str
    type: str
    topic: str
    occurred_at: datetime | None = strawberry.field(
        description="When it counts from: its time, or when it was received if the sender dated it later"
    )
    points: float = strawberry.field(description="Before the per-type cap, the fit and saturation")
    party: SignalParty | None
    source: str = strawberry.field(description="Channel or, for third-party signals, the provider")
    matched_on: SignalMatch | None = strawberry.field(
        description="Third-party: whether the provider matched the account or the contact"
    )
    matched_value: str = strawberry.field(description="Third-party: what the provider matched on")


@strawberry.type(
    description="The raw points split into parts that add up to them: frequency + engagement + recency "
    "+ cap + fit = rawPoints"
)
class ScoreComponents:
    frequency: float = strawberry.field(
        description="The signals' points as if fresh, without engagement bonus"
    )
    engagement: float = strawberry.field(description="The dwell/depth engagement bonus, as if fresh")
    recency: float = strawberry.field(description="Zero or negative: points lost to age (half-life decay)")
    cap: float = strawberry.field(description="Zero or negative: points cut by the per-type caps")
    fit: float = strawberry.field(description="What the profile's fit multiplier adds or removes")


@strawberry.type(description="One signal type's share of the score")
class SignalTypeScore:
    type: str
    label: str = strawberry.field(description="The tenant model's display name, e.g. 定价页")
    count: int = strawberry.field(description="Signals of this type in the scoring window")
    recent_count: int = strawberry.field(description="Of them, in the last half-life (whole UTC days)")
    points: float = strawberry.field(description="Capped points, fit included")


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
    top_signals: list[SignalContribution] = strawberry.field(description="Largest contribution first")
    computed_at: datetime | None
    last_signal_at: datetime | None
    components: ScoreComponents | None
    fit_multiplier: float = strawberry.field(
        description="1 when no fit rule of the model matches the profile"
    )
    types: list[SignalTypeScore] = strawberry.field(description="Largest first")
    model_version: int = strawberry.field(description="The tenant model version used (0: the house model)")
    surge: IntentSurge | None = strawberry.field(
        default=None, description="The customer's last surge, if any"
    )

    @classmethod
    def from_proto(cls, message: intent_pb2.IntentScore) -> IntentSummary:
        c = message.components
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
                    party=from_proto_enum(SignalParty, s.party),
                    source=s.source,
                    matched_on=from_proto_enum(SignalMatch, s.matched_on),
                    matched_value=s.matched_value,
                )
                for s in message.top_signals
            ],
            computed_at=from_timestamp(message.computed_at),
            last_signal_at=from_timestamp(message.last_signal_at),
            components=ScoreComponents(
                frequency=c.frequency, engagement=c.engagement, recency=c.recency, cap=c.cap, fit=c.fit
            )
            if message.HasField("components")
            else None,
            fit_multiplier=message.fit_multiplier or 1.0,
            types=[
                SignalTypeScore(
                    type=t.type, label=t.label, count=t.count, recent_count=t.recent_count, points=t.points
                )
                for t in message.types
            ],
            model_version=message.model_version,
            surge=IntentSurge.from_proto(message.surge) if message.HasField("surge") else None,
        )


@strawberry.type(description="One change of a customer's intent score: what changed it, when, and why")
class IntentHistoryEntry:
    id: strawberry.ID
    at: datetime | None
    cause: ScoreChangeCause | None
    score: float
    level: IntentLevel | None
    previous_score: float | None = strawberry.field(description="Null for the customer's first entry")
    previous_level: IntentLevel | None
    reason: str = strawberry.field(
        description='e.g. "+2× 定价页; 3× 定价页 and 1× 演示申请 in the last 7 days"'
    )
    signal_ids: list[str] = strawberry.field(description="The signals behind the change (at most 10)")
    surge_reason: str | None = strawberry.field(description="Set when this change started a surge")
    model_version: int

    @classmethod
    def from_proto(cls, m: intent_pb2.ScoreHistoryEntry) -> IntentHistoryEntry:
        return cls(
            id=strawberry.ID(m.id),
            at=from_timestamp(m.at),
            cause=from_proto_enum(ScoreChangeCause, m.cause),
            score=m.score,
            level=from_proto_enum(IntentLevel, m.level),
            previous_score=m.previous_score if m.HasField("previous_score") else None,
            previous_level=from_proto_enum(IntentLevel, m.previous_level),
            reason=m.reason,
            signal_ids=list(m.signal_ids),
            surge_reason=m.surge_reason or None,
            model_version=m.model_version,
        )


@strawberry.type(description="A page of intent score history, newest first")
class IntentHistoryPage:
    entries: list[IntentHistoryEntry]
    page_info: PageInfo

    @classmethod
    def from_proto(cls, message: intent_pb2.ListScoreHistoryResponse) -> IntentHistoryPage:
        token = message.next_page_token
        return cls(
            entries=[IntentHistoryEntry.from_proto(e) for e in message.entries],
            page_info=PageInfo(has_next_page=bool(token), end_cursor=token or None),
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
