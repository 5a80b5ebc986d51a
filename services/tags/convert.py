"""Proto ⇄ domain conversion for the tags API; enums become the lowercase strings the domain uses."""

from __future__ import annotations

from typing import Any

from crm.tags.v1 import tags_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from common.errors import InvalidArgument
from common.timeutil import from_timestamp, to_timestamp
from services.tags.model import (
    AssignInput,
    Assignment,
    Evidence,
    Hints,
    HistoryEntry,
    Skipped,
    TagDef,
    ValueHints,
)

_CATEGORY = (tags_pb2.TagCategory, "TAG_CATEGORY_")
_VALUE_TYPE = (tags_pb2.TagValueType, "TAG_VALUE_TYPE_")
_CYCLE = (tags_pb2.UpdateCycle, "UPDATE_CYCLE_")
_STATUS = (tags_pb2.TagStatus, "TAG_STATUS_")
_SOURCE = (tags_pb2.TagSource, "TAG_SOURCE_")
_ASSIGNMENT_STATUS = (tags_pb2.AssignmentStatus, "ASSIGNMENT_STATUS_")


def enum_name(kind: tuple[Any, str], value: int, *, field: str) -> str:
    """ "" for UNSPECIFIED, else the lowercase name; an unknown number is the caller's error."""
    wrapper, prefix = kind
    if value == 0:
        return ""
    try:
        name = str(EnumTypeWrapper.Name(wrapper, value))
    except ValueError:
        raise InvalidArgument(f"{field} {value} is not a known value", field=field) from None
    return name.removeprefix(prefix).lower()


def enum_value(kind: tuple[Any, str], name: str) -> int:
    wrapper, prefix = kind
    return int(EnumTypeWrapper.Value(wrapper, prefix + name.upper())) if name else 0


def definition_from_proto(msg: tags_pb2.TagDefinition) -> TagDef:
    """The definition a DefineTag request asks for (timestamps ignored, not yet validated)."""
    field = "definition"
    return TagDef(
        key=msg.key,
        display_name=msg.display_name,
        description=msg.description,
        group=msg.group,
        category=enum_name(_CATEGORY, msg.category, field=f"{field}.category"),
        value_type=enum_name(_VALUE_TYPE, msg.value_type, field=f"{field}.value_type"),
        allowed_values=tuple(msg.allowed_values),
        exclusive=msg.exclusive,
        update_cycle=enum_name(_CYCLE, msg.update_cycle, field=f"{field}.update_cycle"),
        ttl_days=msg.ttl_days,
        assign_roles=tuple(msg.assign_roles),
        status=enum_name(_STATUS, msg.status, field=f"{field}.status"),
        hints=Hints(
            keywords=tuple(msg.hints.keywords),
            synonyms=tuple(msg.hints.synonyms),
            patterns=tuple(msg.hints.patterns),
            values=tuple(
                ValueHints(value=v.value, keywords=tuple(v.keywords), patterns=tuple(v.patterns))
                for v in msg.hints.values
            ),
        ),
    )


def definition_to_proto(definition: TagDef) -> tags_pb2.TagDefinition:
    return tags_pb2.TagDefinition(
        key=definition.key,
        display_name=definition.display_name,
        description=definition.description,
        group=definition.group,
        category=enum_value(_CATEGORY, definition.category),  # type: ignore[arg-type]
        value_type=enum_value(_VALUE_TYPE, definition.value_type),  # type: ignore[arg-type]
        allowed_values=list(definition.allowed_values),
        exclusive=definition.exclusive,
        update_cycle=enum_value(_CYCLE, definition.update_cycle),  # type: ignore[arg-type]
        ttl_days=definition.ttl_days,
        assign_roles=list(definition.assign_roles),
        status=enum_value(_STATUS, definition.status),  # type: ignore[arg-type]
        hints=tags_pb2.ExtractionHints(
            keywords=list(definition.hints.keywords),
            synonyms=list(definition.hints.synonyms),
            patterns=list(definition.hints.patterns),
            values=[
                tags_pb2.ValueHints(value=v.value, keywords=list(v.keywords), patterns=list(v.patterns))
                for v in definition.hints.values
            ],
        ),
        created_at=to_timestamp(definition.created_at),
        updated_at=to_timestamp(definition.updated_at),
        merged_into=definition.merged_into,
    )


def inputs_from_proto(request: tags_pb2.AssignTagsRequest) -> list[AssignInput]:
    """The request's items as domain inputs; `values.check_items` validates them."""
    return [
        AssignInput(
            tag_key=item.tag_key.strip(),
            value=item.value,
            source=enum_name(_SOURCE, item.source, field=f"tags[{i}].source"),
            confidence=item.confidence,
            evidence=evidence_from_proto(item.evidence),
            expires_at=from_timestamp(item.expires_at) if item.HasField("expires_at") else None,
        )
        for i, item in enumerate(request.tags)
    ]


def evidence_from_proto(msg: tags_pb2.Evidence) -> Evidence:
    return Evidence(
        rule_id=msg.rule_id,
        channel_code=msg.channel_code,
        conversation_id=msg.conversation_id,
        quote=msg.quote,
        event_ids=tuple(msg.event_ids),
        note=msg.note,
    )


def evidence_to_proto(evidence: Evidence) -> tags_pb2.Evidence:
    return tags_pb2.Evidence(
        rule_id=evidence.rule_id,
        channel_code=evidence.channel_code,
        conversation_id=evidence.conversation_id,
        quote=evidence.quote,
        event_ids=list(evidence.event_ids),
        note=evidence.note,
    )


def assignment_to_proto(assignment: Assignment, definition: TagDef | None) -> tags_pb2.TagAssignment:
    """An assignment with the display data of its definition filled in."""
    return tags_pb2.TagAssignment(
        customer_id=assignment.customer_id,
        tag_key=assignment.tag_key,
        value=assignment.value,
        source=enum_value(_SOURCE, assignment.source),  # type: ignore[arg-type]
        confidence=assignment.confidence,
        evidence=evidence_to_proto(assignment.evidence),
        actor=assignment.actor,
        assigned_at=to_timestamp(assignment.assigned_at),
        expires_at=to_timestamp(assignment.expires_at),
        status=enum_value(_ASSIGNMENT_STATUS, assignment.status),  # type: ignore[arg-type]
        display_name=definition.display_name if definition else "",
        group=definition.group if definition else "",
        category=enum_value(_CATEGORY, definition.category) if definition else 0,  # type: ignore[arg-type]
    )


def skipped_to_proto(skipped: Skipped) -> tags_pb2.SkippedAssignment:
    return tags_pb2.SkippedAssignment(tag_key=skipped.tag_key, value=skipped.value, reason=skipped.reason)


def history_to_proto(entry: HistoryEntry) -> tags_pb2.TagHistoryEntry:
    return tags_pb2.TagHistoryEntry(
        id=entry.id,
        customer_id=entry.customer_id,
        tag_key=entry.tag_key,
        action=entry.action,
        value=entry.value,
        previous_value=entry.previous_value,
        source=enum_value(_SOURCE, entry.source),  # type: ignore[arg-type]
        confidence=entry.confidence,
        evidence=evidence_to_proto(entry.evidence),
        actor=entry.actor,
        reason=entry.reason,
        at=to_timestamp(entry.at),
    )
