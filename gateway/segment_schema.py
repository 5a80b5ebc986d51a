"""The segments part of the schema: preview, saved segments, explain, and the membership feed.

`gateway.schema` mixes these into its root types. The service parses the text and reports syntax
errors as INVALID_ARGUMENT with the position; the gateway shows them as BAD_USER_INPUT with `line`,
`column` and `offset` in `extensions` and the field path as the client spelled it (`expression`,
or `input.expression` inside an input object).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

import strawberry
from crm.tags.v1 import segments_pb2

from gateway.clients import BackendCaller
from gateway.context import GatewayInfo
from gateway.errors import BAD_USER_INPUT, GatewayError, bad_user_input
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.subscriptions import caller_events
from gateway.types.customer import Customer
from gateway.types.membership import MembershipChange
from gateway.types.pagination import PageInfo
from gateway.types.segments import (
    CreateSegmentInput,
    DeleteSegmentPayload,
    Segment,
    SegmentConnection,
    SegmentEdge,
    SegmentExplanation,
    SegmentPreview,
    UpdateSegmentInput,
)
from gateway.validation import require_customer_id, require_page_size

MEMBERSHIP_EVENTS = frozenset({"crm.tags.segment_entered.v1", "crm.tags.segment_left.v1"})
DEFAULT_SEGMENTS = 20
DEFAULT_SAMPLE = 10
MAX_SAMPLE = 100
_INPUT_FIELDS = {"name": "input.name", "description": "input.description", "expression": "input.expression"}


async def call_segments(
    caller: BackendCaller, method: str, request: Any, *, fields: Mapping[str, str] | None = None
) -> Any:
    """Call SegmentsService; BAD_USER_INPUT field paths renamed to the client's spelling (`fields`)."""
    try:
        return await caller.call("segments", method, request)
    except GatewayError as err:
        if fields and err.code == BAD_USER_INPUT and err.extensions is not None:
            err.extensions["fields"] = [
                {**f, "field": fields.get(f.get("field", ""), f.get("field", ""))}
                for f in err.extensions.get("fields") or []
            ]
        raise


def _segment_id(value: strawberry.ID, *, field: str = "id") -> str:
    text = str(value).strip()
    if not text:
        raise bad_user_input(f"{field} is required", fields=[{"field": field, "message": "required"}])
    return text


@strawberry.type
class SegmentQuery:
    @strawberry.field(
        description="How many customers an expression selects now, and a sample, without saving it",
        extensions=requires("Query.segmentPreview"),
    )
    async def segment_preview(
        self, info: GatewayInfo, expression: str, sample_size: int = DEFAULT_SAMPLE
    ) -> SegmentPreview:
        if not 0 <= sample_size <= MAX_SAMPLE:
            message = f"sampleSize must be between 0 and {MAX_SAMPLE}"
            raise bad_user_input(message, fields=[{"field": "sampleSize", "message": message}])
        request = segments_pb2.PreviewSegmentRequest(expression=expression, sample_size=sample_size)
        reply = await call_segments(info.context.caller, "PreviewSegment", request)
        sample = list(reply.sample_customer_ids)[:sample_size] if sample_size else []
        return SegmentPreview(
            expression=reply.expression,
            count=reply.count,
            sample=[Customer(id=strawberry.ID(cid)) for cid in sample],
        )

    @strawberry.field(
        description="Your tenant's saved segments by name, each with its count now",
        extensions=requires("Query.segments"),
    )
    async def segments(
        self, info: GatewayInfo, first: int = DEFAULT_SEGMENTS, after: str | None = None
    ) -> SegmentConnection:
        context = info.context
        maximum = context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)

        async def fetch(token: str, size: int) -> tuple[list[segments_pb2.Segment], str]:
            request = segments_pb2.ListSegmentsRequest(page_size=size, page_token=token)
            reply = await call_segments(context.caller, "ListSegments", request)
            return list(reply.segments), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return SegmentConnection(
            edges=[SegmentEdge(node=Segment.from_proto(s), cursor=c) for s, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="One saved segment of your tenant; null with NOT_FOUND if there is none",
        extensions=requires("Query.segment"),
    )
    async def segment(self, info: GatewayInfo, id: strawberry.ID) -> Segment | None:
        request = segments_pb2.GetSegmentRequest(id=_segment_id(id))
        return Segment.from_proto(await call_segments(info.context.caller, "GetSegment", request))

    @strawberry.field(
        description="Why a customer is in or out of a saved segment (segmentId) or a typed expression: "
        "every predicate with its result and the tag values, sources and times behind it",
        extensions=requires("Query.explainSegment"),
    )
    async def explain_segment(
        self,
        info: GatewayInfo,
        customer_id: strawberry.ID,
        segment_id: strawberry.ID | None = None,
        expression: str | None = None,
    ) -> SegmentExplanation:
        cid = require_customer_id(str(customer_id), field="customerId")
        if (segment_id is None) == (expression is None):
            message = "give either segmentId or expression"
            raise bad_user_input(message, fields=[{"field": "segmentId", "message": message}])
        request = segments_pb2.ExplainSegmentRequest(
            customer_id=cid, segment_id=str(segment_id or ""), expression=expression or ""
        )
        reply = await call_segments(
            info.context.caller,
            "ExplainSegment",
            request,
            fields={"customer_id": "customerId", "segment_id": "segmentId"},
        )
        return SegmentExplanation.from_proto(reply)


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(
        description="Save a segment (you become its owner); the name is unique in your tenant",
        extensions=requires("Mutation.createSegment"),
    )
    async def create_segment(self, info: GatewayInfo, input: CreateSegmentInput) -> Segment:
        request = segments_pb2.CreateSegmentRequest(
            name=input.name, description=input.description, expression=input.expression
        )
        reply = await call_segments(info.context.caller, "CreateSegment", request, fields=_INPUT_FIELDS)
        return Segment.from_proto(reply)

    @strawberry.mutation(
        description="Rename a segment, or change its description or expression (owner or admin)",
        extensions=requires("Mutation.updateSegment"),
    )
    async def update_segment(
        self, info: GatewayInfo, id: strawberry.ID, input: UpdateSegmentInput
    ) -> Segment:
        request = segments_pb2.UpdateSegmentRequest(id=_segment_id(id))
        if input.name is not None:
            request.name = input.name
        if input.description is not None:
            request.description = input.description
        if input.expression is not None:
            request.expression = input.expression
        reply = await call_segments(info.context.caller, "UpdateSegment", request, fields=_INPUT_FIELDS)
        return Segment.from_proto(reply)

    @strawberry.mutation(
        description="Delete a saved segment (owner or admin); members' history stays",
        extensions=requires("Mutation.deleteSegment"),
    )
    async def delete_segment(self, info: GatewayInfo, id: strawberry.ID) -> DeleteSegmentPayload:
        request = segments_pb2.DeleteSegmentRequest(id=_segment_id(id))
        reply = await call_segments(info.context.caller, "DeleteSegment", request)
        return DeleteSegmentPayload(deleted_id=strawberry.ID(reply.id))


@strawberry.type
class SegmentSubscription:
    @strawberry.subscription(
        description="Customers entering or leaving your tenant's saved segments as their tags change; "
        "optionally one segment's, or one customer's",
        extensions=requires("Subscription.segmentMembership"),
    )
    async def segment_membership(
        self,
        info: GatewayInfo,
        segment_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[MembershipChange, None]:
        async for event in caller_events(info, customer_id):
            data = event.get("data")
            if event.get("type") not in MEMBERSHIP_EVENTS or not isinstance(data, dict):
                continue
            if segment_id is not None and data.get("segment_id") != str(segment_id):
                continue
            yield MembershipChange.from_event_data(data)
