"""Tag definitions and tag assignments with their provenance (from the tags service)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from crm.tags.v1 import tags_pb2

from common.timeutil import from_timestamp
from gateway.types.enums import (
    AssignmentStatus,
    TagCategory,
    TagSource,
    TagStatus,
    TagValueType,
    UpdateCycle,
    from_proto_enum,
)


@strawberry.type(description="Why a tag was assigned: the rule, channel code, conversation quote or events")
class TagEvidence:
    rule_id: str
    channel_code: str
    conversation_id: str
    quote: str
    event_ids: list[str]
    note: str

    @classmethod
    def from_proto(cls, message: tags_pb2.Evidence) -> TagEvidence:
        return cls(
            rule_id=message.rule_id,
            channel_code=message.channel_code,
            conversation_id=message.conversation_id,
            quote=message.quote,
            event_ids=list(message.event_ids),
            note=message.note,
        )


@strawberry.type(description="One tag on one customer, with who or what set it, when and why")
class TagAssignment:
    key: str
    value: str
    display_name: str
    group: str
    category: TagCategory | None
    source: TagSource | None
    confidence: float
    actor: str
    assigned_at: datetime | None
    expires_at: datetime | None
    status: AssignmentStatus | None
    evidence: TagEvidence | None

    @classmethod
    def from_proto(cls, message: tags_pb2.TagAssignment) -> TagAssignment:
        return cls(
            key=message.tag_key,
            value=message.value,
            display_name=message.display_name,
            group=message.group,
            category=from_proto_enum(TagCategory, message.category),
            source=from_proto_enum(TagSource, message.source),
            confidence=message.confidence,
            actor=message.actor,
            assigned_at=from_timestamp(message.assigned_at),
            expires_at=from_timestamp(message.expires_at),
            status=from_proto_enum(AssignmentStatus, message.status),
            evidence=TagEvidence.from_proto(message.evidence) if message.HasField("evidence") else None,
        )


@strawberry.type(description="What makes one allowed value of an enum tag heard")
class ValueHints:
    value: str
    keywords: list[str]
    patterns: list[str]


@strawberry.type(description="What conversation extraction listens for to hear this tag")
class ExtractionHints:
    keywords: list[str]
    synonyms: list[str]
    patterns: list[str]
    values: list[ValueHints]

    @classmethod
    def from_proto(cls, message: tags_pb2.ExtractionHints) -> ExtractionHints:
        return cls(
            keywords=list(message.keywords),
            synonyms=list(message.synonyms),
            patterns=list(message.patterns),
            values=[
                ValueHints(value=v.value, keywords=list(v.keywords), patterns=list(v.patterns))
                for v in message.values
            ],
        )


@strawberry.type(description="A governed tag of the tenant's library")
class TagDefinition:
    key: str
    display_name: str
    description: str
    group: str
    category: TagCategory | None
    value_type: TagValueType | None
    allowed_values: list[str]
    exclusive: bool
    update_cycle: UpdateCycle | None
    ttl_days: int
    assign_roles: list[str]
    status: TagStatus | None
    hints: ExtractionHints
    created_at: datetime | None
    updated_at: datetime | None
    merged_into: str | None = strawberry.field(description="The tag this one was merged into (then archived)")

    @classmethod
    def from_proto(cls, message: tags_pb2.TagDefinition) -> TagDefinition:
        return cls(
            key=message.key,
            display_name=message.display_name,
            description=message.description,
            group=message.group,
            category=from_proto_enum(TagCategory, message.category),
            value_type=from_proto_enum(TagValueType, message.value_type),
            allowed_values=list(message.allowed_values),
            exclusive=message.exclusive,
            update_cycle=from_proto_enum(UpdateCycle, message.update_cycle),
            ttl_days=message.ttl_days,
            assign_roles=list(message.assign_roles),
            status=from_proto_enum(TagStatus, message.status),
            hints=ExtractionHints.from_proto(message.hints),
            created_at=from_timestamp(message.created_at),
            updated_at=from_timestamp(message.updated_at),
            merged_into=message.merged_into or None,
        )


@strawberry.enum(description="Why a requested tag changed nothing")
class SkipReason(Enum):
    UNCHANGED = strawberry.enum_value("unchanged", description="the same value is already active")
    HUMAN_DECISION = strawberry.enum_value(
        "human_decision",
        description="a person set or rejected this value; machine sources do not overturn it",
    )


@strawberry.type(description="A requested tag that changed nothing, and why")
class SkippedTag:
    key: str
    value: str
    reason: SkipReason

    @classmethod
    def from_proto(cls, message: tags_pb2.SkippedAssignment) -> SkippedTag:
        return cls(key=message.tag_key, value=message.value, reason=SkipReason(message.reason))


@strawberry.type
class AssignTagsPayload:
    assigned: list[TagAssignment]
    replaced: list[TagAssignment]
    skipped: list[SkippedTag]

    @classmethod
    def from_proto(cls, message: tags_pb2.AssignTagsResponse) -> AssignTagsPayload:
        return cls(
            assigned=[TagAssignment.from_proto(a) for a in message.assigned],
            replaced=[TagAssignment.from_proto(a) for a in message.replaced],
            skipped=[SkippedTag.from_proto(s) for s in message.skipped],
        )
