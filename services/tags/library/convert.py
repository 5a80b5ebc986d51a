"""Proto ⇄ domain for the library RPCs: partial updates, usage, dead tags and merges."""

from __future__ import annotations

from crm.tags.v1 import tags_pb2

from common.errors import InvalidArgument
from common.timeutil import to_timestamp
from services.tags.convert import _CATEGORY, _CYCLE, _STATUS, definition_to_proto, enum_name
from services.tags.library.changes import TagPatch
from services.tags.library.store import DONE, MergeRecord
from services.tags.library.usage import SegmentRef, Usage
from services.tags.model import Hints, TagDef, ValueHints


def patch_from_proto(request: tags_pb2.UpdateTagRequest) -> TagPatch:
    """Only the fields the request carries (proto3 `optional` presence, or a set message)."""

    def has(name: str) -> bool:
        return request.HasField(name)

    hints = request.hints
    return TagPatch(
        display_name=request.display_name if has("display_name") else None,
        description=request.description if has("description") else None,
        group=request.group if has("group") else None,
        category=enum_name(_CATEGORY, request.category, field="category") or None,
        allowed_values=tuple(request.allowed_values.values) if has("allowed_values") else None,
        exclusive=request.exclusive if has("exclusive") else None,
        update_cycle=enum_name(_CYCLE, request.update_cycle, field="update_cycle") or None,
        ttl_days=request.ttl_days if has("ttl_days") else None,
        assign_roles=tuple(request.assign_roles.values) if has("assign_roles") else None,
        hints=Hints(
            keywords=tuple(hints.keywords),
            synonyms=tuple(hints.synonyms),
            patterns=tuple(hints.patterns),
            values=tuple(
                ValueHints(value=v.value, keywords=tuple(v.keywords), patterns=tuple(v.patterns))
                for v in hints.values
            ),
        )
        if has("hints")
        else None,
    )


def status_from_proto(value: int) -> str:
    status = enum_name(_STATUS, value, field="status")
    if not status:
        raise InvalidArgument("status is required: ACTIVE (restore), DEPRECATED or ARCHIVED", field="status")
    return status


def statuses_from_proto(values: list[int]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(enum_name(_STATUS, v, field="statuses") for v in values if v))


def segments_to_proto(segments: tuple[SegmentRef, ...]) -> list[tags_pb2.ReferencingSegment]:
    return [tags_pb2.ReferencingSegment(id=s.id, name=s.name) for s in segments]


def usage_to_proto(usage: Usage) -> tags_pb2.TagUsage:
    message = tags_pb2.TagUsage(
        tag_key=usage.tag_key,
        active_assignments=usage.active_assignments,
        customers=usage.customers,
        segments=segments_to_proto(usage.segments),
        rules=list(usage.rules),
    )
    if usage.last_assigned_ms:
        message.last_assigned_at.FromMilliseconds(usage.last_assigned_ms)
    if usage.last_removed_ms:
        message.last_removed_at.FromMilliseconds(usage.last_removed_ms)
    return message


def dead_to_proto(definition: TagDef, usage: Usage, reason: str) -> tags_pb2.DeadTag:
    return tags_pb2.DeadTag(
        definition=definition_to_proto(definition), usage=usage_to_proto(usage), reason=reason
    )


def merge_to_proto(record: MergeRecord) -> tags_pb2.TagMerge:
    status = tags_pb2.TAG_MERGE_STATUS_DONE if record.status == DONE else tags_pb2.TAG_MERGE_STATUS_RUNNING
    return tags_pb2.TagMerge(
        source_key=record.source,
        target_key=record.target,
        status=status,
        moved=record.moved,
        kept_target=record.kept_target,
        actor=record.actor,
        started_at=to_timestamp(record.started_at),
        finished_at=to_timestamp(record.finished_at),
        segments=segments_to_proto(record.segments),
        value_map=[tags_pb2.ValueMapping(to=v, **{"from": k}) for k, v in record.value_map.items()],
    )


def value_map_from_proto(mappings: list[tags_pb2.ValueMapping]) -> dict[str, str]:
    result: dict[str, str] = {}
    for i, m in enumerate(mappings):
        source = getattr(m, "from")
        if source in result:
            raise InvalidArgument(f"value {source!r} is mapped twice", field=f"value_map[{i}].from")
        result[source] = m.to
    return result
