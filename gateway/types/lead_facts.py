"""A customer's lead-pool facts (issue 11), resolved on `Customer.pool` through a batched loader.

Kept apart from gateway/types/pool.py, which refers to `Customer`, so the customer type can use these.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from crm.leads.v1 import pool_pb2

from common.timeutil import from_timestamp


def at_field(message: Any, name: str) -> datetime | None:
    """The time of an optional Timestamp field, None when unset."""
    return from_timestamp(getattr(message, name)) if message.HasField(name) else None


@strawberry.enum
class FollowUpKind(Enum):
    CALL = pool_pb2.FOLLOW_UP_KIND_CALL
    VISIT = pool_pb2.FOLLOW_UP_KIND_VISIT
    MESSAGE = pool_pb2.FOLLOW_UP_KIND_MESSAGE
    MEETING = pool_pb2.FOLLOW_UP_KIND_MEETING


@strawberry.type(description="A previous owner of a lead: how long they held it and why they let it go")
class OwnerSpan:
    owner_id: strawberry.ID
    claimed_at: datetime | None
    released_at: datetime | None
    reason: str
    note: str
    automatic: bool = strawberry.field(description="Released by the pool for want of a follow-up")
    merged_from: strawberry.ID | None = strawberry.field(
        default=None, description="Held on this merged duplicate (its history, kept); null for the lead's own"
    )

    @classmethod
    def from_proto(cls, message: pool_pb2.OwnerSpan) -> OwnerSpan:
        return cls(
            owner_id=strawberry.ID(message.owner_id),
            claimed_at=at_field(message, "claimed_at"),
            released_at=at_field(message, "released_at"),
            reason=message.reason,
            note=message.note,
            automatic=message.automatic,
            merged_from=strawberry.ID(message.merged_from) if message.merged_from else None,
        )


@strawberry.type
class FollowUp:
    id: strawberry.ID
    rep_id: strawberry.ID
    kind: FollowUpKind | None
    outcome: str
    notes: str
    at: datetime | None
    merged_from: strawberry.ID | None = strawberry.field(
        default=None, description="Recorded on this merged duplicate; null for the lead's own"
    )

    @classmethod
    def from_proto(cls, message: pool_pb2.FollowUp) -> FollowUp:
        return cls(
            id=strawberry.ID(message.id),
            rep_id=strawberry.ID(message.rep_id),
            kind=FollowUpKind(message.kind) if message.kind else None,
            outcome=message.outcome,
            notes=message.notes,
            at=at_field(message, "at"),
            merged_from=strawberry.ID(message.merged_from) if message.merged_from else None,
        )


@strawberry.type(description="A customer's place in the lead pool: pool, owner, previous owners, follow-ups")
class LeadPoolFacts:
    pool_id: strawberry.ID
    owner_id: strawberry.ID | None = strawberry.field(description="Null while unclaimed")
    claimed_at: datetime | None
    last_follow_up_at: datetime | None
    release_due_at: datetime | None = strawberry.field(description="Released with 无跟进 unless followed up")
    last_reason: str | None = strawberry.field(description="The reason of its last release")
    previous_owners: list[OwnerSpan] = strawberry.field(description="Newest first, with their reasons")
    follow_ups: list[FollowUp] = strawberry.field(description="Newest first, by every owner")

    @classmethod
    def from_proto(cls, message: pool_pb2.LeadFacts) -> LeadPoolFacts:
        lead = message.lead
        return cls(
            pool_id=strawberry.ID(lead.pool_id),
            owner_id=strawberry.ID(lead.owner_id) if lead.owner_id else None,
            claimed_at=at_field(lead, "claimed_at"),
            last_follow_up_at=at_field(lead, "last_follow_up_at"),
            release_due_at=at_field(lead, "release_due_at"),
            last_reason=lead.last_reason or None,
            previous_owners=[OwnerSpan.from_proto(o) for o in message.owners],
            follow_ups=[FollowUp.from_proto(f) for f in message.follow_ups],
        )
