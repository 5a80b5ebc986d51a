"""Segments: previews, saved segments with their members, and explanations (from the tags service).

A segment's members are `Customer` nodes, so their profile, tags, intent and journey come through
the same DataLoaders as `customers`: one batch call per backend per page, whatever the page size.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from crm.tags.v1 import segments_pb2

from common.timeutil import from_timestamp
from gateway.context import GatewayInfo
from gateway.paging import page_after
from gateway.types.customer import Customer, CustomerConnection, CustomerEdge
from gateway.types.pagination import PageInfo
from gateway.validation import require_page_size

DEFAULT_MEMBERS = 20


@strawberry.enum(description="Where announcing a segment's members stands")
class MembershipSyncStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="queued: no customer checked yet")
    RUNNING = strawberry.enum_value("running", description="customers are being checked in batches")
    DONE = strawberry.enum_value("done", description="every customer was checked")


@strawberry.type(
    description="Announcing a new or edited segment's members (segmentEntered / segmentLeft with trigger "
    "SEGMENT_CHANGE), done in the background in batches of customers"
)
class MembershipSync:
    status: MembershipSyncStatus
    segment_version: int = strawberry.field(description="the segment version whose members are announced")
    done: int = strawberry.field(description="customers checked so far")
    total: int = strawberry.field(description="customers of the tenant when it started")
    entered: int
    left: int
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_proto(cls, m: segments_pb2.MembershipSync) -> MembershipSync:
        return cls(
            status=MembershipSyncStatus(m.state or "pending"),
            segment_version=m.segment_version,
            done=m.done,
            total=m.total,
            entered=m.entered,
            left=m.left,
            started_at=from_timestamp(m.started_at) if m.HasField("started_at") else None,
            finished_at=from_timestamp(m.finished_at) if m.HasField("finished_at") else None,
        )


@strawberry.type(description="A saved segment: a named tag expression of your tenant, with its size now")
class Segment:
    id: strawberry.ID
    name: str
    description: str
    expression: str = strawberry.field(description="canonical text: tags by key, as the service prints it")
    owner: str = strawberry.field(description="user id of whoever created it")
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    count: int = strawberry.field(description="customers in the segment now")
    membership_sync: MembershipSync | None = strawberry.field(
        description="announcing its members after it was created or its expression edited"
    )

    @classmethod
    def from_proto(cls, message: segments_pb2.Segment) -> Segment:
        return cls(
            id=strawberry.ID(message.id),
            name=message.name,
            description=message.description,
            expression=message.expression,
            owner=message.owner,
            version=message.version,
            created_at=from_timestamp(message.created_at),
            updated_at=from_timestamp(message.updated_at),
            count=message.count,
            membership_sync=MembershipSync.from_proto(message.membership_sync)
            if message.HasField("membership_sync")
            else None,
        )

    @strawberry.field(
        description="Members in customer-number order (oldest customers first); pages stay stable while "
        "members come and go. Each node is a full Customer."
    )
    async def members(
        self, info: GatewayInfo, first: int = DEFAULT_MEMBERS, after: str | None = None
    ) -> CustomerConnection:
        context = info.context
        maximum = context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)

        async def fetch(token: str, size: int) -> tuple[list[str], str]:
            request = segments_pb2.ListSegmentMembersRequest(
                segment_id=str(self.id), page_size=size, page_token=token
            )
            reply = await context.caller.call("segments", "ListSegmentMembers", request)
            return list(reply.customer_ids), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return CustomerConnection(
            edges=[CustomerEdge(node=Customer(id=strawberry.ID(cid)), cursor=c) for cid, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )


@strawberry.type
class SegmentEdge:
    node: Segment
    cursor: str


@strawberry.type
class SegmentConnection:
    edges: list[SegmentEdge]
    page_info: PageInfo


@strawberry.type(description="What an expression selects now, without saving it")
class SegmentPreview:
    expression: str = strawberry.field(description="canonical text of what you typed")
    count: int
    sample: list[Customer] = strawberry.field(description="the first members in customer-number order")


@strawberry.type(description="A tag value an explained predicate looked at")
class ExplainedValue:
    tag_key: str
    value: str
    source: str
    actor: str
    assigned_at: datetime | None
    expires_at: datetime | None


@strawberry.type(description="One node of an explained expression: its result and what decided it")
class ExplainNode:
    kind: str = strawberry.field(
        description="and | or | not | has | equals | in | range | by_source | assigned_within"
    )
    text: str
    result: bool
    tag_key: str
    reason: str
    values: list[ExplainedValue]
    depth: int = strawberry.field(description="0 for the root; children follow their parent")


@strawberry.type(description="Why a customer is in or out of a segment")
class SegmentExplanation:
    customer_id: strawberry.ID
    matches: bool
    expression: str
    segment_id: strawberry.ID | None
    segment_name: str | None
    nodes: list[ExplainNode] = strawberry.field(
        description="the tree in pre-order (a node, then its children), each with its depth"
    )

    @classmethod
    def from_proto(cls, message: segments_pb2.ExplainSegmentResponse) -> SegmentExplanation:
        nodes: list[ExplainNode] = []

        def walk(node: segments_pb2.ExplainNode, depth: int) -> None:
            nodes.append(
                ExplainNode(
                    kind=node.kind,
                    text=node.text,
                    result=node.result,
                    tag_key=node.tag_key,
                    reason=node.reason,
                    values=[
                        ExplainedValue(
                            tag_key=v.tag_key,
                            value=v.value,
                            source=v.source,
                            actor=v.actor,
                            assigned_at=from_timestamp(v.assigned_at),
                            expires_at=from_timestamp(v.expires_at),
                        )
                        for v in node.values
                    ],
                    depth=depth,
                )
            )
            for child in node.children:
                walk(child, depth + 1)

        walk(message.root, 0)
        return cls(
            customer_id=strawberry.ID(message.customer_id),
            matches=message.matches,
            expression=message.expression,
            segment_id=strawberry.ID(message.segment_id) if message.segment_id else None,
            segment_name=message.segment_name or None,
            nodes=nodes,
        )


@strawberry.input(description="A new saved segment; you become its owner")
class CreateSegmentInput:
    name: str
    expression: str = strawberry.field(description="e.g. 极简风 AND 高意向, or budget >= 100000")
    description: str = ""


@strawberry.input(description="Only the fields given change")
class UpdateSegmentInput:
    name: str | None = None
    expression: str | None = None
    description: str | None = None


@strawberry.type
class DeleteSegmentPayload:
    deleted_id: strawberry.ID
