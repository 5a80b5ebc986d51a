"""The governed tag library in GraphQL: usage, the dead-tag report, merges and the update input.

`updateTag` distinguishes an absent input field from one sent as null: strawberry leaves absent
fields `UNSET`, and only fields that are present reach the tags service (proto3 presence), so
hints are never dropped because a client left them out. A null for a field that cannot be empty
is BAD_USER_INPUT naming it (`input.displayName`).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from crm.tags.v1 import tags_pb2
from strawberry import UNSET

from common.timeutil import from_timestamp
from gateway.errors import bad_user_input
from gateway.types.enums import TagCategory, UpdateCycle, to_proto_enum
from gateway.types.inputs import ExtractionHintsInput
from gateway.types.pagination import PageInfo
from gateway.types.tags import TagDefinition


@strawberry.type(description="A saved segment whose expression names a tag")
class ReferencingSegment:
    id: strawberry.ID
    name: str


@strawberry.type(description="How much a tag is used (counts from the segment index)")
class TagUsage:
    active_assignments: int = strawberry.field(description="Active values; one per customer, so = customers")
    customers: int
    last_assigned_at: datetime | None = strawberry.field(description="null: never assigned")
    last_removed_at: datetime | None = strawberry.field(description="null: never removed")
    segments: list[ReferencingSegment] = strawberry.field(description="Saved segments that name the tag")
    rules: list[str] = strawberry.field(
        description="Auto-tagging rules that set it (no rules exist yet: empty)"
    )

    @classmethod
    def from_proto(cls, m: tags_pb2.TagUsage) -> TagUsage:
        return cls(
            active_assignments=m.active_assignments,
            customers=m.customers,
            last_assigned_at=from_timestamp(m.last_assigned_at) if m.HasField("last_assigned_at") else None,
            last_removed_at=from_timestamp(m.last_removed_at) if m.HasField("last_removed_at") else None,
            segments=[ReferencingSegment(id=strawberry.ID(s.id), name=s.name) for s in m.segments],
            rules=list(m.rules),
        )


@strawberry.type(description="A tag of the library with its usage")
class LibraryTag:
    definition: TagDefinition
    usage: TagUsage


@strawberry.type
class LibraryTagEdge:
    node: LibraryTag
    cursor: str


@strawberry.type(description="A page of the tag library, in key order")
class LibraryTagConnection:
    edges: list[LibraryTagEdge]
    page_info: PageInfo


@strawberry.enum(description="Why a tag is in the dead-tag report")
class DeadTagReason(Enum):
    NEVER_USED = strawberry.enum_value("never_used", description="never assigned to anyone")
    UNUSED = strawberry.enum_value(
        "unused", description="no active value now and no assignment or removal for unusedDays"
    )


@strawberry.type(description="A tag nobody uses, with its usage and why it is listed")
class DeadTag:
    definition: TagDefinition
    usage: TagUsage
    reason: DeadTagReason


@strawberry.type
class DeadTagEdge:
    node: DeadTag
    cursor: str


@strawberry.type(description="The dead-tag report, in key order")
class DeadTagConnection:
    edges: list[DeadTagEdge]
    page_info: PageInfo
    total_count: int


@strawberry.enum(description="Why the bulk archive left a tag alone")
class ArchiveSkipReason(Enum):
    ALREADY_ARCHIVED = strawberry.enum_value("already_archived", description="it was archived before")
    SYSTEM = strawberry.enum_value("system", description="a system tag: the platform's alone")
    REFERENCED_BY_SEGMENTS = strawberry.enum_value(
        "referenced_by_segments", description="a saved segment still names it"
    )


@strawberry.type(description="A tag the bulk archive left alone, and why")
class ArchiveSkip:
    key: str
    reason: ArchiveSkipReason


@strawberry.type
class ArchiveTagsPayload:
    archived: list[TagDefinition]
    skipped: list[ArchiveSkip]


@strawberry.enum
class TagMergeStatus(Enum):
    RUNNING = "running"
    DONE = "done"


@strawberry.type(description="One value of the source tag and the target value it becomes")
class ValueMapping:
    from_value: str = strawberry.field(name="from")
    to: str


@strawberry.input
class ValueMappingInput:
    from_value: str = strawberry.field(name="from")
    to: str


@strawberry.type(description="A merge of one tag into another; large merges finish in the background")
class TagMerge:
    source_key: str
    target_key: str
    status: TagMergeStatus
    moved: int = strawberry.field(description="Customers whose value moved to the target")
    kept_target: int = strawberry.field(
        description="Customers who already held the target: their value stood"
    )
    actor: str
    started_at: datetime | None
    finished_at: datetime | None
    value_map: list[ValueMapping]
    segments: list[ReferencingSegment] = strawberry.field(description="Saved segments that named the source")
    rules: list[str] = strawberry.field(description="Rules that named the source (no rules exist yet)")

    @classmethod
    def from_proto(cls, m: tags_pb2.TagMerge) -> TagMerge:
        done = m.status == tags_pb2.TAG_MERGE_STATUS_DONE
        return cls(
            source_key=m.source_key,
            target_key=m.target_key,
            status=TagMergeStatus.DONE if done else TagMergeStatus.RUNNING,
            moved=m.moved,
            kept_target=m.kept_target,
            actor=m.actor,
            started_at=from_timestamp(m.started_at),
            finished_at=from_timestamp(m.finished_at) if m.HasField("finished_at") else None,
            value_map=[ValueMapping(from_value=getattr(v, "from"), to=v.to) for v in m.value_map],
            segments=[ReferencingSegment(id=strawberry.ID(s.id), name=s.name) for s in m.segments],
            rules=list(m.rules),
        )


@strawberry.input(
    description="Only the fields you send change; absent fields (hints above all) keep their value"
)
class UpdateTagInput:
    display_name: str | None = UNSET
    description: str | None = UNSET
    group: str | None = UNSET
    category: TagCategory | None = UNSET
    allowed_values: list[str] | None = UNSET
    exclusive: bool | None = UNSET
    update_cycle: UpdateCycle | None = UNSET
    ttl_days: int | None = UNSET
    assign_roles: list[str] | None = UNSET
    hints: ExtractionHintsInput | None = strawberry.field(
        default=UNSET, description="Replaces all hints; send {} to clear them"
    )

    def to_proto(self, key: str) -> tags_pb2.UpdateTagRequest:
        request = tags_pb2.UpdateTagRequest(key=key)
        for name, proto_name in (
            ("display_name", "display_name"),
            ("description", "description"),
            ("group", "group"),
            ("exclusive", "exclusive"),
            ("ttl_days", "ttl_days"),
        ):
            value = self._present(name)
            if value is not None:
                setattr(request, proto_name, value)
        for name in ("allowed_values", "assign_roles"):
            values = self._present(name)
            if values is not None:
                getattr(request, name).CopyFrom(tags_pb2.TagStringList(values=values))
        category = self._present("category")
        if category is not None:
            request.category = to_proto_enum(category)  # type: ignore[assignment]
        cycle = self._present("update_cycle")
        if cycle is not None:
            request.update_cycle = to_proto_enum(cycle)  # type: ignore[assignment]
        hints = self._present("hints")
        if hints is not None:
            request.hints.CopyFrom(hints.to_proto())
        return request

    def _present(self, name: str) -> Any:
        """The field's value if it was sent; absent → None; an explicit null → BAD_USER_INPUT."""
        value = getattr(self, name)
        if value is UNSET:
            return None
        if value is None:
            camel = "".join(p.capitalize() if i else p for i, p in enumerate(name.split("_")))
            message = f"{camel} cannot be null; leave it out to keep its value"
            raise bad_user_input(message, fields=[{"field": f"input.{camel}", "message": message}])
        return value


def library_tag(definition: tags_pb2.TagDefinition, usage: tags_pb2.TagUsage) -> LibraryTag:
    return LibraryTag(definition=TagDefinition.from_proto(definition), usage=TagUsage.from_proto(usage))
