"""Mutation inputs and their conversion to backend requests."""

from __future__ import annotations

from datetime import datetime

import strawberry
from crm.intent.v1 import intent_pb2
from crm.journey.v1 import journey_pb2
from crm.leads.v1 import leads_pb2
from crm.tags.v1 import tags_pb2
from strawberry.scalars import JSON

from common.timeutil import to_timestamp
from gateway.errors import bad_user_input
from gateway.types.enums import (
    ConversationChannel,
    SignalMatch,
    SignalParty,
    Speaker,
    TagCategory,
    TagSource,
    TagStatus,
    TagValueType,
    UpdateCycle,
    to_proto_enum,
)


@strawberry.input
class CreateCustomerInput:
    name: str
    company: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""
    wechat_id: str = ""
    region: str = ""
    industry: str = ""
    company_size: str = ""
    source_channel: str = ""
    campaign: str = ""
    owner_id: str = ""

    def to_proto(self) -> leads_pb2.CustomerInput:
        return leads_pb2.CustomerInput(
            name=self.name,
            company=self.company,
            title=self.title,
            phone=self.phone,
            email=self.email,
            wechat_id=self.wechat_id,
            region=self.region,
            industry=self.industry,
            company_size=self.company_size,
            source_channel=self.source_channel,
            campaign=self.campaign,
            owner_id=self.owner_id,
        )


@strawberry.input(description="What makes one allowed value of an enum tag heard in a conversation")
class ValueHintsInput:
    value: str
    keywords: list[str] = strawberry.field(default_factory=list)
    patterns: list[str] = strawberry.field(default_factory=list)

    def to_proto(self) -> tags_pb2.ValueHints:
        return tags_pb2.ValueHints(value=self.value, keywords=self.keywords, patterns=self.patterns)


@strawberry.input(
    description="What conversation extraction listens for; a pattern is literal text with `*` gaps"
)
class ExtractionHintsInput:
    keywords: list[str] = strawberry.field(default_factory=list)
    synonyms: list[str] = strawberry.field(default_factory=list)
    patterns: list[str] = strawberry.field(default_factory=list)
    values: list[ValueHintsInput] = strawberry.field(
        default_factory=list, description="Enum tags only: hints per allowed value"
    )

    def to_proto(self) -> tags_pb2.ExtractionHints:
        return tags_pb2.ExtractionHints(
            keywords=self.keywords,
            synonyms=self.synonyms,
            patterns=self.patterns,
            values=[v.to_proto() for v in self.values],
        )


@strawberry.input
class DefineTagInput:
    key: str
    display_name: str
    description: str = ""
    group: str = ""
    category: TagCategory = TagCategory.BASIC
    value_type: TagValueType = TagValueType.FLAG
    allowed_values: list[str] = strawberry.field(default_factory=list)
    exclusive: bool = False
    update_cycle: UpdateCycle = UpdateCycle.REALTIME
    ttl_days: int = 0
    assign_roles: list[str] = strawberry.field(default_factory=list)
    status: TagStatus = TagStatus.ACTIVE
    hints: ExtractionHintsInput | None = None

    def to_proto(self) -> tags_pb2.TagDefinition:
        return tags_pb2.TagDefinition(
            key=self.key,
            display_name=self.display_name,
            description=self.description,
            group=self.group,
            category=to_proto_enum(self.category),  # type: ignore[arg-type]
            value_type=to_proto_enum(self.value_type),  # type: ignore[arg-type]
            allowed_values=self.allowed_values,
            exclusive=self.exclusive,
            update_cycle=to_proto_enum(self.update_cycle),  # type: ignore[arg-type]
            ttl_days=self.ttl_days,
            assign_roles=self.assign_roles,
            status=to_proto_enum(self.status),  # type: ignore[arg-type]
            hints=self.hints.to_proto() if self.hints else None,
        )


@strawberry.input
class EvidenceInput:
    rule_id: str = ""
    channel_code: str = ""
    conversation_id: str = ""
    quote: str = ""
    event_ids: list[str] = strawberry.field(default_factory=list)
    note: str = ""

    def to_proto(self) -> tags_pb2.Evidence:
        return tags_pb2.Evidence(
            rule_id=self.rule_id,
            channel_code=self.channel_code,
            conversation_id=self.conversation_id,
            quote=self.quote,
            event_ids=self.event_ids,
            note=self.note,
        )


@strawberry.input(description="A tag to assign: its key and, for non-flag tags, a value")
class TagInput:
    key: str
    value: str = ""
    source: TagSource = TagSource.MANUAL
    confidence: float | None = None
    evidence: EvidenceInput | None = None
    expires_at: datetime | None = None

    def to_proto(self) -> tags_pb2.TagAssignmentInput:
        return tags_pb2.TagAssignmentInput(
            tag_key=self.key,
            value=self.value,
            source=to_proto_enum(self.source),  # type: ignore[arg-type]
            confidence=1.0 if self.confidence is None else self.confidence,
            evidence=self.evidence.to_proto() if self.evidence else None,
            expires_at=to_timestamp(self.expires_at),
        )


@strawberry.input
class TouchpointInput:
    customer_id: strawberry.ID
    type: str
    channel: str = ""
    occurred_at: datetime | None = None
    notes: str = ""
    id: str | None = strawberry.field(default=None, description="Your id, for idempotent re-sends")

    def to_proto(self, *, actor: str) -> journey_pb2.Touchpoint:
        return journey_pb2.Touchpoint(
            id=self.id or "",
            customer_id=str(self.customer_id),
            type=self.type,
            channel=self.channel,
            occurred_at=to_timestamp(self.occurred_at),
            actor=actor,
            notes=self.notes,
        )


@strawberry.input
class SignalInput:
    customer_id: strawberry.ID
    type: str
    topic: str = ""
    party: SignalParty = SignalParty.FIRST
    occurred_at: datetime | None = None
    properties: JSON | None = strawberry.field(
        default=None, description="Flat object: url, dwell_seconds, ..."
    )
    source: str = strawberry.field(
        default="", description="Channel or, for third-party signals, the provider"
    )
    id: str | None = strawberry.field(default=None, description="Your id, for idempotent re-sends")
    matched_on: SignalMatch | None = strawberry.field(
        default=None, description="Third-party only: did the provider match the account or the contact?"
    )
    matched_value: str = strawberry.field(
        default="", description="Third-party only: what it matched on (a domain, an email, a company name)"
    )

    def to_proto(self, *, index: int) -> intent_pb2.Signal:
        return intent_pb2.Signal(
            id=self.id or "",
            customer_id=str(self.customer_id),
            type=self.type,
            party=to_proto_enum(self.party),  # type: ignore[arg-type]
            topic=self.topic,
            occurred_at=to_timestamp(self.occurred_at),
            properties=_flat_properties(self.properties, field=f"signals[{index}].properties"),
            source=self.source,
            matched_on=to_proto_enum(self.matched_on),  # type: ignore[arg-type]
            matched_value=self.matched_value,
        )


def _flat_properties(value: object, *, field: str) -> dict[str, str]:
    """Signal properties are a flat string map on the wire; nested values are refused, not mangled."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_user_input(
            f"{field} must be an object", fields=[{"field": field, "message": "not an object"}]
        )
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, dict | list):
            message = f"{field}.{key} must be a string, number or boolean"
            raise bad_user_input(message, fields=[{"field": f"{field}.{key}", "message": message}])
        out[str(key)] = str(item).lower() if isinstance(item, bool) else str(item)
    return out


@strawberry.input(description="One speaker-labelled turn of a conversation")
class TurnInput:
    speaker: Speaker
    text: str
    offset_ms: int = strawberry.field(default=0, description="Milliseconds after startedAt (0: unknown)")

    def to_proto(self) -> tags_pb2.Turn:
        return tags_pb2.Turn(
            speaker=to_proto_enum(self.speaker),  # type: ignore[arg-type]
            text=self.text,
            offset_ms=self.offset_ms,
        )


@strawberry.input(description="A call transcript or chat log to store and listen to")
class IngestConversationInput:
    customer_id: strawberry.ID
    channel: ConversationChannel
    started_at: datetime = strawberry.field(description="With an offset: call-back times are relative to it")
    turns: list[TurnInput]
    time_zone: str = strawberry.field(default="", description="IANA name; empty: the tenant's setting")
    id: str | None = strawberry.field(default=None, description="Your id: re-sending it stores nothing twice")
    rep_id: str = ""
    summary: str = strawberry.field(default="", description="Empty: one is written from what was heard")

    def to_proto(self) -> tags_pb2.ConversationInput:
        # A call-back "明天下午三点" means nothing without knowing when "today" was: no guessing the offset.
        if self.started_at.tzinfo is None:
            message = "startedAt needs a timezone offset (use Z for UTC)"
            raise bad_user_input(message, fields=[{"field": "input.startedAt", "message": message}])
        return tags_pb2.ConversationInput(
            id=self.id or "",
            customer_id=str(self.customer_id),
            channel=to_proto_enum(self.channel),  # type: ignore[arg-type]
            started_at=to_timestamp(self.started_at),
            time_zone=self.time_zone,
            turns=[t.to_proto() for t in self.turns],
            rep_id=self.rep_id,
            summary=self.summary,
        )


@strawberry.input(description="Conversation settings to change; an omitted field keeps its value")
class ConversationSettingsInput:
    auto_apply_threshold: float | None = strawberry.field(
        default=None, description="0..1: suggestions at or above it are applied without review"
    )
    time_zone: str | None = strawberry.field(default=None, description="IANA name, e.g. Asia/Shanghai")

    def merged_onto(self, current: tags_pb2.ConversationSettings) -> tags_pb2.ConversationSettings:
        """The full settings to send: these fields over `current` (the RPC replaces the whole record)."""
        return tags_pb2.ConversationSettings(
            auto_apply_threshold=(
                current.auto_apply_threshold
                if self.auto_apply_threshold is None
                else self.auto_apply_threshold
            ),
            time_zone=current.time_zone if self.time_zone is None else self.time_zone,
        )
