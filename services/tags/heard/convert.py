"""Proto ⇄ domain conversion for the conversation RPCs; enums become the lowercase strings the domain uses."""

from __future__ import annotations

from crm.tags.v1 import tags_pb2

from common.timeutil import from_timestamp, to_timestamp
from services.tags.convert import enum_name, enum_value
from services.tags.heard.conversations import ConversationInput, ConversationSettings, TurnInput
from services.tags.heard.listening import ConversationView
from services.tags.heard.model import HeardFact, Span
from services.tags.heard.suggestions import Suggestion, TagPrecision
from services.tags.model import TagDef

_SPEAKER = (tags_pb2.Speaker, "SPEAKER_")
_CHANNEL = (tags_pb2.ConversationChannel, "CONVERSATION_CHANNEL_")
_STATUS = (tags_pb2.SuggestionStatus, "SUGGESTION_STATUS_")
_ACTION = (tags_pb2.SuggestionAction, "SUGGESTION_ACTION_")
_DECISION = (tags_pb2.ReviewDecision, "REVIEW_DECISION_")


def input_from_proto(msg: tags_pb2.ConversationInput, *, field: str = "conversation") -> ConversationInput:
    """The conversation an IngestConversation request carries (not yet validated)."""
    return ConversationInput(
        id=msg.id,
        customer_id=msg.customer_id,
        channel=enum_name(_CHANNEL, msg.channel, field=f"{field}.channel"),
        started_at=from_timestamp(msg.started_at) if msg.HasField("started_at") else None,
        time_zone=msg.time_zone,
        turns=tuple(
            TurnInput(
                speaker=enum_name(_SPEAKER, turn.speaker, field=f"{field}.turns[{i}].speaker"),
                text=turn.text,
                offset_ms=turn.offset_ms,
            )
            for i, turn in enumerate(msg.turns)
        ),
        rep_id=msg.rep_id,
        summary=msg.summary,
    )


def status_from_proto(value: int, *, field: str) -> str:
    """ "" for UNSPECIFIED, else pending | applied | accepted | rejected."""
    return enum_name(_STATUS, value, field=field)


def decision_from_proto(value: int) -> str:
    """ "" for UNSPECIFIED (which the review refuses), else accept | reject."""
    return enum_name(_DECISION, value, field="decision")


def settings_from_proto(msg: tags_pb2.ConversationSettings) -> ConversationSettings:
    return ConversationSettings(auto_apply_threshold=msg.auto_apply_threshold, time_zone=msg.time_zone)


def settings_to_proto(settings: ConversationSettings) -> tags_pb2.ConversationSettings:
    return tags_pb2.ConversationSettings(
        auto_apply_threshold=settings.auto_apply_threshold,
        time_zone=settings.time_zone,
        updated_at=to_timestamp(settings.updated_at),
        updated_by=settings.updated_by,
    )


def span_to_proto(span: Span) -> tags_pb2.Span:
    return tags_pb2.Span(turn_index=span.turn_index, start=span.start, end=span.end, quote=span.quote)


def fact_to_proto(fact: HeardFact) -> tags_pb2.HeardFact:
    return tags_pb2.HeardFact(
        kind=fact.kind,
        value=fact.value,
        text=fact.text,
        qualifier=fact.qualifier,
        confidence=fact.confidence,
        evidence=span_to_proto(fact.evidence),
        at=to_timestamp(fact.at),
        amount=fact.amount or 0.0,
        amount_max=fact.amount_max or 0.0,
    )


def suggestion_to_proto(suggestion: Suggestion, definition: TagDef | None) -> tags_pb2.Suggestion:
    """A suggestion with the display data of its tag's definition filled in."""
    return tags_pb2.Suggestion(
        id=suggestion.id,
        customer_id=suggestion.customer_id,
        conversation_id=suggestion.conversation_id,
        tag_key=suggestion.tag_key,
        value=suggestion.value,
        action=enum_value(_ACTION, suggestion.action),  # type: ignore[arg-type]
        confidence=suggestion.confidence,
        evidence=span_to_proto(suggestion.evidence),
        reason=suggestion.reason,
        status=enum_value(_STATUS, suggestion.status),  # type: ignore[arg-type]
        created_at=to_timestamp(suggestion.created_at),
        reviewed_by=suggestion.reviewed_by,
        reviewed_at=to_timestamp(suggestion.reviewed_at),
        review_note=suggestion.review_note,
        display_name=definition.display_name if definition else "",
        group=definition.group if definition else "",
    )


def conversation_to_proto(view: ConversationView, definitions: dict[str, TagDef]) -> tags_pb2.Conversation:
    conversation = view.conversation
    return tags_pb2.Conversation(
        id=conversation.id,
        customer_id=conversation.customer_id,
        channel=enum_value(_CHANNEL, conversation.channel),  # type: ignore[arg-type]
        started_at=to_timestamp(conversation.started_at),
        time_zone=conversation.time_zone,
        turns=[
            tags_pb2.Turn(
                speaker=enum_value(_SPEAKER, t.speaker),  # type: ignore[arg-type]
                text=t.text,
                offset_ms=t.offset_ms,
            )
            for t in conversation.turns
        ],
        rep_id=conversation.rep_id,
        summary=conversation.display_summary,
        facts=[fact_to_proto(f) for f in conversation.facts],
        suggestions=[suggestion_to_proto(s, definitions.get(s.tag_key)) for s in view.suggestions],
        received_at=to_timestamp(conversation.received_at),
        extracted_at=to_timestamp(conversation.extracted_at),
        expires_at=to_timestamp(conversation.expires_at),
    )


def precision_to_proto(row: TagPrecision, definition: TagDef | None) -> tags_pb2.TagPrecision:
    return tags_pb2.TagPrecision(
        tag_key=row.tag_key,
        display_name=definition.display_name if definition else "",
        accepted=row.accepted,
        rejected=row.rejected,
        pending=row.pending,
        applied=row.applied,
        has_precision=row.has_precision,
        precision=row.precision,
    )
