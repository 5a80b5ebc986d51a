"""Conversations and what was heard in them (from the tags service).

A conversation carries its turns, the structured facts heard (call-back promises, budgets, amounts)
and every suggestion made from it; `suggestions(status:)` filters those already loaded, so a
customer page asking for pending suggestions costs no extra RPC.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from crm.tags.v1 import tags_pb2

from common.timeutil import from_timestamp
from gateway.types.enums import ConversationChannel, Speaker, SuggestionStatus, from_proto_enum, to_proto_enum
from gateway.types.suggestions import Span, TagSuggestion
from gateway.types.tags import SkippedTag, TagAssignment

CALLBACK_AT = "callback_at"


@strawberry.type(description="One speaker-labelled turn")
class Turn:
    speaker: Speaker | None
    text: str
    offset_ms: int = strawberry.field(description="Milliseconds after startedAt (0: unknown)")


@strawberry.type(description="A structured fact heard in a conversation, with the sentence that says it")
class HeardFact:
    kind: str = strawberry.field(description='"callback_at" | "budget" | "amount"')
    value: str = strawberry.field(description='Normalised: ISO-8601 UTC time, a number, or "min-max"')
    text: str = strawberry.field(description='The expression as said, e.g. "明天下午三点", "二十万"')
    qualifier: str = strawberry.field(
        description='callback_at: at|after|before|day|day_part; amounts: ""|about|at_most|at_least|range'
    )
    confidence: float
    evidence: Span | None
    at: datetime | None = strawberry.field(description="callback_at only: the promised time")
    amount: float | None = strawberry.field(description="Amounts only (the lower bound of a range)")
    amount_max: float | None = strawberry.field(description="Ranges only")

    @classmethod
    def from_proto(cls, message: tags_pb2.HeardFact) -> HeardFact:
        is_amount = message.kind != CALLBACK_AT
        return cls(
            kind=message.kind,
            value=message.value,
            text=message.text,
            qualifier=message.qualifier,
            confidence=message.confidence,
            evidence=Span.from_proto(message.evidence) if message.HasField("evidence") else None,
            at=from_timestamp(message.at),
            amount=message.amount if is_amount else None,
            amount_max=message.amount_max if message.qualifier == "range" else None,
        )


@strawberry.type(description="A call transcript or chat log, with what was heard in it")
class Conversation:
    id: strawberry.ID
    customer_id: strawberry.ID
    channel: ConversationChannel | None
    started_at: datetime | None
    time_zone: str
    turns: list[Turn]
    rep_id: str
    summary: str
    facts: list[HeardFact] = strawberry.field(description="Call-back promises, budgets and amounts heard")
    callback_at: datetime | None = strawberry.field(
        description="When the customer asked to be called back (the last promise heard), if they did"
    )
    received_at: datetime | None
    extracted_at: datetime | None
    expires_at: datetime | None = strawberry.field(description="When retention removes it")
    suggestion_messages: strawberry.Private[list[tags_pb2.Suggestion]]

    @classmethod
    def from_proto(cls, message: tags_pb2.Conversation) -> Conversation:
        facts = [HeardFact.from_proto(f) for f in message.facts]
        promised = [f.at for f in facts if f.kind == CALLBACK_AT and f.at is not None]
        return cls(
            id=strawberry.ID(message.id),
            customer_id=strawberry.ID(message.customer_id),
            channel=from_proto_enum(ConversationChannel, message.channel),
            started_at=from_timestamp(message.started_at),
            time_zone=message.time_zone,
            turns=[
                Turn(speaker=from_proto_enum(Speaker, t.speaker), text=t.text, offset_ms=t.offset_ms)
                for t in message.turns
            ],
            rep_id=message.rep_id,
            summary=message.summary,
            facts=facts,
            callback_at=promised[-1] if promised else None,
            received_at=from_timestamp(message.received_at),
            extracted_at=from_timestamp(message.extracted_at),
            expires_at=from_timestamp(message.expires_at),
            suggestion_messages=list(message.suggestions),
        )

    @strawberry.field(description="Suggestions made from this conversation; all statuses when omitted")
    def suggestions(self, status: SuggestionStatus | None = None) -> list[TagSuggestion]:
        wanted = to_proto_enum(status)
        return [
            TagSuggestion.from_proto(s) for s in self.suggestion_messages if not wanted or s.status == wanted
        ]


@strawberry.type
class IngestConversationPayload:
    conversation: Conversation
    duplicate: bool = strawberry.field(description="The id was already stored: nothing changed")
    applied: list[TagAssignment] = strawberry.field(description="Tags set with source CONVERSATION")
    suggested: list[TagSuggestion] = strawberry.field(description="New suggestions waiting for a person")
    skipped: list[SkippedTag] = strawberry.field(
        description="Heard but changed nothing: unchanged, or human_decision (a person decided this value)"
    )

    @classmethod
    def from_proto(cls, message: tags_pb2.IngestConversationResponse) -> IngestConversationPayload:
        return cls(
            conversation=Conversation.from_proto(message.conversation),
            duplicate=message.duplicate,
            applied=[TagAssignment.from_proto(a) for a in message.applied],
            suggested=[TagSuggestion.from_proto(s) for s in message.suggested],
            skipped=[SkippedTag.from_proto(s) for s in message.skipped],
        )
