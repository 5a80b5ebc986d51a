"""A customer's entries into and exits from saved segments (from the tags service), and their causes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from crm.tags.v1 import segments_pb2

from common.timeutil import from_timestamp, parse_iso_instant
from gateway.types.pagination import PageInfo


@strawberry.enum(description="Whether a customer entered or left a saved segment")
class SegmentChange(Enum):
    ENTERED = "entered"
    LEFT = "left"


@strawberry.enum(description="Why a customer entered or left a saved segment")
class MembershipTrigger(Enum):
    TAG_CHANGE = strawberry.enum_value("tag_change", description="their tags changed (causes say how)")
    SEGMENT_CHANGE = strawberry.enum_value(
        "segment_change", description="the segment was created or its expression edited"
    )
    TIME_WINDOW = strawberry.enum_value(
        "time_window", description="an ASSIGNED WITHIN n DAYS window moved on with time"
    )


def _trigger(value: str) -> MembershipTrigger:
    return MembershipTrigger(value or "tag_change")


@strawberry.type(description="A saved segment a customer is in now")
class CustomerSegment:
    id: strawberry.ID
    name: str
    since: datetime | None = strawberry.field(
        description="when the customer was announced as entering it; null while the segment's "
        "membershipSync has not reached them yet"
    )

    @classmethod
    def from_proto(cls, message: segments_pb2.CustomerSegment) -> CustomerSegment:
        since = from_timestamp(message.since) if message.HasField("since") else None
        return cls(id=strawberry.ID(message.segment_id), name=message.segment_name, since=since)


@strawberry.type(description="The tag change that moved a customer into or out of a segment")
class MembershipCause:
    tag_key: str
    action: str = strawberry.field(description="assigned | replaced | removed | expired | merged")
    value: str
    previous_value: str
    history_id: str = strawberry.field(description="the entry of the customer's tagHistory")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> MembershipCause:
        return cls(
            tag_key=str(data.get("tag_key", "")),
            action=str(data.get("action", "")),
            value=str(data.get("value", "")),
            previous_value=str(data.get("previous_value", "")),
            history_id=str(data.get("history_id", "")),
        )


@strawberry.type(
    description="A customer entered or left a saved segment: their tags changed, the segment was created "
    "or edited, or a time window moved on (trigger)"
)
class MembershipChange:
    id: strawberry.ID
    customer_id: strawberry.ID
    segment_id: strawberry.ID
    segment_name: str
    change: SegmentChange
    causes: list[MembershipCause] = strawberry.field(description="the tag changes behind it (TAG_CHANGE)")
    actor: str
    at: datetime | None
    trigger: MembershipTrigger

    @classmethod
    def from_proto(cls, message: segments_pb2.MembershipChange) -> MembershipChange:
        return cls(
            id=strawberry.ID(message.id),
            customer_id=strawberry.ID(message.customer_id),
            segment_id=strawberry.ID(message.segment_id),
            segment_name=message.segment_name,
            change=SegmentChange(message.change),
            causes=[
                MembershipCause(
                    tag_key=c.tag_key,
                    action=c.action,
                    value=c.value,
                    previous_value=c.previous_value,
                    history_id=c.history_id,
                )
                for c in message.causes
            ],
            actor=message.actor,
            at=from_timestamp(message.at),
            trigger=_trigger(message.trigger),
        )

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> MembershipChange:
        """What a `segment_entered` / `segment_left` event says (docs/events.md)."""
        at = data.get("at")
        return cls(
            id=strawberry.ID(str(data.get("membership_id", ""))),
            customer_id=strawberry.ID(str(data.get("customer_id", ""))),
            segment_id=strawberry.ID(str(data.get("segment_id", ""))),
            segment_name=str(data.get("segment_name", "")),
            change=SegmentChange(str(data.get("change", "entered"))),
            causes=[MembershipCause.from_data(c) for c in data.get("causes") or () if isinstance(c, dict)],
            actor=str(data.get("actor", "")),
            at=parse_iso_instant(at, field="at") if isinstance(at, str) and at else None,
            trigger=_trigger(str(data.get("trigger") or "")),
        )


@strawberry.type(description="A page of membership changes, newest first")
class MembershipHistoryPage:
    entries: list[MembershipChange]
    page_info: PageInfo

    @classmethod
    def from_proto(cls, message: segments_pb2.ListMembershipHistoryResponse) -> MembershipHistoryPage:
        token = message.next_page_token
        return cls(
            entries=[MembershipChange.from_proto(c) for c in message.changes],
            page_info=PageInfo(has_next_page=bool(token), end_cursor=token or None),
        )
