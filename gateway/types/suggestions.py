"""Tag suggestions heard in conversations, their review, per-tag precision and the tenant's settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from crm.tags.v1 import tags_pb2

from common.errors import InvalidArgument
from common.timeutil import from_timestamp, parse_iso_instant
from gateway.types.enums import SuggestionAction, SuggestionStatus, from_proto_enum
from gateway.types.pagination import PageInfo
from gateway.types.tags import TagAssignment


@strawberry.type(description="Where something was heard: characters [start, end) of one turn's text")
class Span:
    turn_index: int
    start: int
    end: int
    quote: str = strawberry.field(description="The sentence that carries the evidence, exactly as said")

    @classmethod
    def from_proto(cls, message: tags_pb2.Span) -> Span:
        return cls(turn_index=message.turn_index, start=message.start, end=message.end, quote=message.quote)


@strawberry.type(description="A tag change heard in a conversation, with the sentence that justifies it")
class TagSuggestion:
    id: strawberry.ID
    customer_id: strawberry.ID
    conversation_id: strawberry.ID
    tag_key: str
    value: str = strawberry.field(description="Empty for flag tags")
    action: SuggestionAction | None
    confidence: float
    evidence: Span | None
    reason: str = strawberry.field(description="How it was heard, e.g. 'keyword \"预算\"', 'hedged: 可能'")
    status: SuggestionStatus | None
    created_at: datetime | None
    reviewed_by: str
    reviewed_at: datetime | None
    review_note: str
    display_name: str
    group: str

    @classmethod
    def from_proto(cls, message: tags_pb2.Suggestion) -> TagSuggestion:
        return cls(
            id=strawberry.ID(message.id),
            customer_id=strawberry.ID(message.customer_id),
            conversation_id=strawberry.ID(message.conversation_id),
            tag_key=message.tag_key,
            value=message.value,
            action=from_proto_enum(SuggestionAction, message.action),
            confidence=message.confidence,
            evidence=Span.from_proto(message.evidence) if message.HasField("evidence") else None,
            reason=message.reason,
            status=from_proto_enum(SuggestionStatus, message.status),
            created_at=from_timestamp(message.created_at),
            reviewed_by=message.reviewed_by,
            reviewed_at=from_timestamp(message.reviewed_at),
            review_note=message.review_note,
            display_name=message.display_name,
            group=message.group,
        )

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> TagSuggestion:
        """A pending suggestion from a `crm.tags.suggested.v1` event's data.

        The event names the quote but not its place in the conversation, so `evidence` is null here;
        subscribers get the full record whenever the tags service can still be asked for it.
        """
        created_at = None
        if data.get("at"):
            try:
                created_at = parse_iso_instant(str(data["at"]), field="at")
            except InvalidArgument:
                created_at = None
        return cls(
            id=strawberry.ID(str(data.get("suggestion_id", ""))),
            customer_id=strawberry.ID(str(data.get("customer_id", ""))),
            conversation_id=strawberry.ID(str(data.get("conversation_id", ""))),
            tag_key=str(data.get("tag_key", "")),
            value=str(data.get("value", "")),
            action=SuggestionAction.__members__.get(str(data.get("action", "")).upper()),
            confidence=float(data.get("confidence") or 0.0),
            evidence=None,
            reason=str(data.get("reason", "")),
            status=SuggestionStatus.PENDING,
            created_at=created_at,
            reviewed_by="",
            reviewed_at=None,
            review_note="",
            display_name="",
            group="",
        )


@strawberry.type
class TagSuggestionEdge:
    node: TagSuggestion
    cursor: str


@strawberry.type
class TagSuggestionConnection:
    edges: list[TagSuggestionEdge]
    page_info: PageInfo


@strawberry.type
class ReviewSuggestionPayload:
    suggestion: TagSuggestion
    assigned: list[TagAssignment] = strawberry.field(description="Accepting an assign sets the tag")
    removed: list[TagAssignment] = strawberry.field(
        description="Rejecting an applied value, or accepting a remove, takes the value away"
    )

    @classmethod
    def from_proto(cls, message: tags_pb2.ReviewSuggestionResponse) -> ReviewSuggestionPayload:
        return cls(
            suggestion=TagSuggestion.from_proto(message.suggestion),
            assigned=[TagAssignment.from_proto(a) for a in message.assigned],
            removed=[TagAssignment.from_proto(a) for a in message.removed],
        )


@strawberry.type(description="How often people agreed with what was heard for one tag")
class TagPrecision:
    tag_key: str
    display_name: str
    accepted: int
    rejected: int
    pending: int
    applied: int = strawberry.field(description="Applied automatically and not reviewed")
    precision: float | None = strawberry.field(
        description="accepted / (accepted + rejected); null until a person reviewed one"
    )

    @classmethod
    def from_proto(cls, message: tags_pb2.TagPrecision) -> TagPrecision:
        return cls(
            tag_key=message.tag_key,
            display_name=message.display_name,
            accepted=message.accepted,
            rejected=message.rejected,
            pending=message.pending,
            applied=message.applied,
            precision=message.precision if message.has_precision else None,
        )


@strawberry.type(description="How the tenant's conversations are listened to")
class ConversationSettings:
    auto_apply_threshold: float = strawberry.field(
        description="Suggestions at or above this confidence are applied without review"
    )
    time_zone: str = strawberry.field(description="For call-back times when a conversation names none")
    updated_at: datetime | None
    updated_by: str

    @classmethod
    def from_proto(cls, message: tags_pb2.ConversationSettings) -> ConversationSettings:
        return cls(
            auto_apply_threshold=message.auto_apply_threshold,
            time_zone=message.time_zone,
            updated_at=from_timestamp(message.updated_at),
            updated_by=message.updated_by,
        )
