"""The append-only tag history of one customer: assignments, replacements, removals, suggestions, rejections."""

from __future__ import annotations

from datetime import datetime

import strawberry
from crm.tags.v1 import tags_pb2

from common.timeutil import from_timestamp
from gateway.types.enums import TagSource, from_proto_enum
from gateway.types.pagination import PageInfo
from gateway.types.tags import TagEvidence


@strawberry.type(description="One change to a customer's tags, who or what made it, and why")
class TagHistoryEntry:
    id: strawberry.ID
    tag_key: str
    action: str = strawberry.field(
        description="assigned | replaced | removed | expired | suggested | rejected"
    )
    value: str
    previous_value: str
    source: TagSource | None
    confidence: float
    evidence: TagEvidence | None
    actor: str
    reason: str
    at: datetime | None

    @classmethod
    def from_proto(cls, message: tags_pb2.TagHistoryEntry) -> TagHistoryEntry:
        return cls(
            id=strawberry.ID(message.id),
            tag_key=message.tag_key,
            action=message.action,
            value=message.value,
            previous_value=message.previous_value,
            source=from_proto_enum(TagSource, message.source),
            confidence=message.confidence,
            evidence=TagEvidence.from_proto(message.evidence) if message.HasField("evidence") else None,
            actor=message.actor,
            reason=message.reason,
            at=from_timestamp(message.at),
        )


@strawberry.type(description="A page of tag history, newest first")
class TagHistoryPage:
    entries: list[TagHistoryEntry]
    page_info: PageInfo

    @classmethod
    def from_proto(cls, message: tags_pb2.ListTagHistoryResponse) -> TagHistoryPage:
        token = message.next_page_token
        return cls(
            entries=[TagHistoryEntry.from_proto(e) for e in message.entries],
            page_info=PageInfo(has_next_page=bool(token), end_cursor=token or None),
        )
