"""GraphQL types of the lead pool (公海): pools, pool leads, owner history, follow-ups, call-backs."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from crm.leads.v1 import pool_pb2

from gateway.context import GatewayInfo
from gateway.paging import page_after
from gateway.types.customer import Customer
from gateway.types.lead_facts import at_field
from gateway.types.pagination import PageInfo
from gateway.validation import require_page_size

DEFAULT_PAGE = 20


@strawberry.enum(description="How new leads of a pool are handed to its members")
class AssignmentRule(Enum):
    NONE = pool_pb2.ASSIGNMENT_RULE_UNSPECIFIED
    ROUND_ROBIN = pool_pb2.ASSIGNMENT_RULE_ROUND_ROBIN
    CAPACITY = pool_pb2.ASSIGNMENT_RULE_CAPACITY


@strawberry.enum
class CallbackState(Enum):
    PENDING = "pending"
    DUE = "due"
    MISSED = "missed"
    DONE = "done"


@strawberry.type(description="A pool of leads with its rules")
class Pool:
    id: strawberry.ID
    name: str
    team: str
    region: str = strawberry.field(
        description="New customers of this region enter this pool; empty = default"
    )
    claim_limit: int = strawberry.field(description="Leads one rep may hold in this pool")
    cooldown_hours: int = strawberry.field(description="Before a releasing rep may claim the same lead again")
    follow_up_days: int = strawberry.field(
        description="A claimed lead without a follow-up this long is released"
    )
    callback_grace_hours: int = strawberry.field(
        description="A due call-back not followed up within is missed"
    )
    lost_reasons: list[str]
    assignment: AssignmentRule
    members: list[strawberry.ID]

    @classmethod
    def from_proto(cls, message: pool_pb2.Pool) -> Pool:
        return cls(
            id=strawberry.ID(message.id),
            name=message.name,
            team=message.team,
            region=message.region,
            claim_limit=message.claim_limit,
            cooldown_hours=message.cooldown_hours,
            follow_up_days=message.follow_up_days,
            callback_grace_hours=message.callback_grace_hours,
            lost_reasons=list(message.lost_reasons),
            assignment=AssignmentRule(message.assignment),
            members=[strawberry.ID(m) for m in message.members],
        )

    @strawberry.field(description="The pool's leads, oldest in the pool first")
    async def leads(
        self,
        info: GatewayInfo,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        unclaimed_only: bool = False,
    ) -> PoolLeadConnection:
        return await pool_leads_page(info, str(self.id), first=first, after=after, unclaimed=unclaimed_only)


@strawberry.type(description="A lead in a pool: its owner (null while unclaimed) and its clock")
class PoolLead:
    customer: Customer
    pool_id: strawberry.ID
    owner_id: strawberry.ID | None
    claimed_at: datetime | None
    last_follow_up_at: datetime | None
    release_due_at: datetime | None = strawberry.field(description="Released with 无跟进 unless followed up")
    last_reason: str | None = strawberry.field(description="The reason of its last release")
    release_count: int

    @classmethod
    def from_proto(cls, message: pool_pb2.PoolLead) -> PoolLead:
        return cls(
            customer=Customer(id=strawberry.ID(message.customer_id)),
            pool_id=strawberry.ID(message.pool_id),
            owner_id=strawberry.ID(message.owner_id) if message.owner_id else None,
            claimed_at=at_field(message, "claimed_at"),
            last_follow_up_at=at_field(message, "last_follow_up_at"),
            release_due_at=at_field(message, "release_due_at"),
            last_reason=message.last_reason or None,
            release_count=message.release_count,
        )


@strawberry.type(description="A promised call-back: who promised what, quoted when heard in a conversation")
class Callback:
    id: strawberry.ID
    customer: Customer
    owner_id: strawberry.ID | None
    promised_by: strawberry.ID | None
    due_at: datetime | None
    text: str
    quote: str | None
    conversation_id: strawberry.ID | None
    state: CallbackState | None

    @classmethod
    def from_proto(cls, message: pool_pb2.Callback) -> Callback:
        return cls(
            id=strawberry.ID(message.id),
            customer=Customer(id=strawberry.ID(message.customer_id)),
            owner_id=strawberry.ID(message.owner_id) if message.owner_id else None,
            promised_by=strawberry.ID(message.promised_by) if message.promised_by else None,
            due_at=at_field(message, "due_at"),
            text=message.text,
            quote=message.quote or None,
            conversation_id=strawberry.ID(message.conversation_id) if message.conversation_id else None,
            state=CallbackState(message.state) if message.state in {s.value for s in CallbackState} else None,
        )

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> Callback:
        due = data.get("due_at")
        return cls(
            id=strawberry.ID(str(data.get("callback_id", ""))),
            customer=Customer(id=strawberry.ID(str(data.get("customer_id", "")))),
            owner_id=strawberry.ID(str(data["owner_id"])) if data.get("owner_id") else None,
            promised_by=strawberry.ID(str(data["promised_by"])) if data.get("promised_by") else None,
            due_at=datetime.fromisoformat(due.replace("Z", "+00:00"))
            if isinstance(due, str) and due
            else None,
            text=str(data.get("text", "")),
            quote=str(data.get("quote") or "") or None,
            conversation_id=strawberry.ID(str(data["conversation_id"]))
            if data.get("conversation_id")
            else None,
            state=CallbackState.DUE,
        )


@strawberry.type(description="A lead went back to its pool, and why")
class LeadReleased:
    customer: Customer
    pool_id: strawberry.ID
    owner_id: strawberry.ID = strawberry.field(description="Who held it")
    reason: str
    note: str
    automatic: bool = strawberry.field(description="Released by the pool for want of a follow-up")
    at: datetime | None

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> LeadReleased:
        at = data.get("at")
        return cls(
            customer=Customer(id=strawberry.ID(str(data.get("customer_id", "")))),
            pool_id=strawberry.ID(str(data.get("pool_id", ""))),
            owner_id=strawberry.ID(str(data.get("owner_id", ""))),
            reason=str(data.get("reason", "")),
            note=str(data.get("note", "")),
            automatic=bool(data.get("automatic")),
            at=datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) and at else None,
        )


@strawberry.type
class PoolLeadEdge:
    node: PoolLead
    cursor: str


@strawberry.type
class PoolLeadConnection:
    edges: list[PoolLeadEdge]
    page_info: PageInfo


@strawberry.type
class CallbackEdge:
    node: Callback
    cursor: str


@strawberry.type
class CallbackConnection:
    edges: list[CallbackEdge]
    page_info: PageInfo


@strawberry.input(description="A pool's rules; omitted numbers take their defaults")
class DefinePoolInput:
    name: str
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Give it to change an existing pool"
    )
    team: str = ""
    region: str = ""
    claim_limit: int = 30
    cooldown_hours: int = 72
    follow_up_days: int = 7
    callback_grace_hours: int = 24
    lost_reasons: list[str] | None = strawberry.field(
        default=None, description="Default 预算不足, 非决策人, 选择竞品, 无响应, 无效, 其他"
    )
    assignment: AssignmentRule = AssignmentRule.NONE
    members: list[strawberry.ID] | None = None

    def to_proto(self) -> pool_pb2.Pool:
        return pool_pb2.Pool(
            id=str(self.id or ""),
            name=self.name,
            team=self.team,
            region=self.region,
            claim_limit=self.claim_limit,
            cooldown_hours=self.cooldown_hours,
            follow_up_days=self.follow_up_days,
            callback_grace_hours=self.callback_grace_hours,
            lost_reasons=list(self.lost_reasons or []),
            assignment=self.assignment.value,
            members=[str(m) for m in self.members or []],
        )


async def pool_leads_page(
    info: GatewayInfo, pool_id: str, *, first: int, after: str | None, unclaimed: bool
) -> PoolLeadConnection:
    maximum = info.context.settings.max_page_size
    first = require_page_size(first, maximum=maximum)

    async def fetch(token: str, size: int) -> tuple[list[pool_pb2.PoolLead], str]:
        request = pool_pb2.ListPoolLeadsRequest(
            pool_id=pool_id, unclaimed_only=unclaimed, page_size=min(size, 200), page_token=token
        )
        reply = await info.context.caller.call("leadpool", "ListPoolLeads", request)
        return list(reply.leads), reply.next_page_token

    page = await page_after(fetch, first=first, after=after, max_skip=maximum)
    return PoolLeadConnection(
        edges=[PoolLeadEdge(node=PoolLead.from_proto(n), cursor=c) for n, c in page.edges],
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
    )
