"""The gRPC servicer of crm.tags.v1.SegmentsService: decode, call the segment use cases, encode.

Roles per RPC are checked by the interceptor (`common.roles.RPC_ROLES`); here only the rule that a
saved segment is changed by its owner or an admin is applied (in `SegmentOperations`).
"""

from __future__ import annotations

from typing import Any

import grpc
from crm.tags.v1 import segments_pb2, segments_pb2_grpc

from common.context import current_call
from common.errors import InvalidArgument
from common.ids import require_customer_id, require_customer_ids
from common.mongo import epoch_ms
from common.paging import decode_cursor, encode_cursor, page_size
from common.roles import acting_roles
from common.timeutil import to_timestamp
from services.tags.segments.explaining import explanation_to_proto
from services.tags.segments.operations import SegmentOperations
from services.tags.segments.saved import MembershipChange, SavedSegment, cause_data
from services.tags.segments.saved_store import name_key
from services.tags.segments.sync_store import DONE, SyncState

MAX_SAMPLE = 100
MAX_BATCH = 200  # customers per BatchGetCustomerSegments (the gateway's DataLoader batch)
DEFAULT_SAMPLE = 10
# ListExpressionMembers pages: features ride along, so a page costs one bitmap AND per feature in use.
DEFAULT_MEMBERS_PAGE = 500
MAX_MEMBERS_PAGE = 1000


def sync_to_proto(state: SyncState | None) -> segments_pb2.MembershipSync | None:
    if state is None:
        return None
    return segments_pb2.MembershipSync(
        state=state.state,
        segment_version=state.segment_version,
        done=state.done,
        total=max(state.total, state.done) if state.state == DONE else state.total,
        entered=state.entered,
        left=state.left,
        started_at=to_timestamp(state.started_at) if state.started_at else None,
        finished_at=to_timestamp(state.finished_at) if state.finished_at else None,
    )


def segment_to_proto(
    segment: SavedSegment, count: int, sync: SyncState | None = None
) -> segments_pb2.Segment:
    return segments_pb2.Segment(
        id=segment.id,
        name=segment.name,
        description=segment.description,
        expression=segment.expression,
        owner=segment.owner,
        version=segment.version,
        created_at=to_timestamp(segment.created_at),
        updated_at=to_timestamp(segment.updated_at),
        count=count,
        membership_sync=sync_to_proto(sync),
    )


def change_to_proto(change: MembershipChange) -> segments_pb2.MembershipChange:
    return segments_pb2.MembershipChange(
        id=change.id,
        customer_id=change.customer_id,
        segment_id=change.segment_id,
        segment_name=change.segment_name,
        change=change.change,
        causes=[
            segments_pb2.MembershipCause(**{k: v for k, v in cause_data(c).items()}) for c in change.causes
        ],
        actor=change.actor,
        at=to_timestamp(change.at),
        trigger=change.trigger,
    )


def _int_cursor(token: str, name: str) -> int | None:
    cursor = decode_cursor(token)
    if cursor is None:
        return None
    value: Any = cursor.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArgument("page_token is malformed", field="page_token")
    return value


class SegmentsServicer(segments_pb2_grpc.SegmentsServiceServicer):
    def __init__(self, ops: SegmentOperations) -> None:
        self._ops = ops

    async def _sync(self, tenant: str, segment: SavedSegment) -> SyncState | None:
        if self._ops.sync is None:
            return None
        return (await self._ops.sync.progress(tenant, [segment]))[segment.id]

    async def PreviewSegment(
        self, request: segments_pb2.PreviewSegmentRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.PreviewSegmentResponse:
        size = page_size(request.sample_size, default=DEFAULT_SAMPLE, maximum=MAX_SAMPLE)
        canonical, count, sample = await self._ops.preview(
            current_call().tenant, request.expression, sample_size=size
        )
        return segments_pb2.PreviewSegmentResponse(
            expression=canonical, count=count, sample_customer_ids=sample
        )

    async def CreateSegment(
        self, request: segments_pb2.CreateSegmentRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.Segment:
        call = current_call()
        segment, count = await self._ops.create(
            call.tenant,
            name=request.name,
            description=request.description,
            text=request.expression,
            owner=call.caller,
        )
        return segment_to_proto(segment, count, await self._sync(call.tenant, segment))

    async def UpdateSegment(
        self, request: segments_pb2.UpdateSegmentRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.Segment:
        call = current_call()
        segment, count = await self._ops.update(
            call.tenant,
            request.id,
            name=request.name if request.HasField("name") else None,
            description=request.description if request.HasField("description") else None,
            text=request.expression if request.HasField("expression") else None,
            caller=call.caller,
            roles=acting_roles(call),
        )
        return segment_to_proto(segment, count, await self._sync(call.tenant, segment))

    async def DeleteSegment(
        self, request: segments_pb2.DeleteSegmentRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.DeleteSegmentResponse:
        call = current_call()
        gone = await self._ops.delete(call.tenant, request.id, caller=call.caller, roles=acting_roles(call))
        return segments_pb2.DeleteSegmentResponse(id=gone.id)

    async def GetSegment(
        self, request: segments_pb2.GetSegmentRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.Segment:
        tenant = current_call().tenant
        segment = await self._ops.get(tenant, request.id)
        return segment_to_proto(
            segment, self._ops.count(tenant, segment.tree), await self._sync(tenant, segment)
        )

    async def ListSegments(
        self, request: segments_pb2.ListSegmentsRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.ListSegmentsResponse:
        tenant = current_call().tenant
        size = page_size(request.page_size, default=50, maximum=200)
        cursor = decode_cursor(request.page_token)
        after = cursor.get("k") if cursor else None
        if cursor is not None and not isinstance(after, str):
            raise InvalidArgument("page_token is malformed", field="page_token")
        found = await self._ops.store.page(tenant, after_key=after, limit=size + 1)
        page = found[:size]
        token = encode_cursor({"k": name_key(page[-1].name)}) if len(found) > size else ""
        syncs = await self._ops.sync.progress(tenant, page) if self._ops.sync else {}
        return segments_pb2.ListSegmentsResponse(
            segments=[segment_to_proto(s, self._ops.count(tenant, s.tree), syncs.get(s.id)) for s in page],
            next_page_token=token,
        )

    async def ListSegmentMembers(
        self, request: segments_pb2.ListSegmentMembersRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.ListSegmentMembersResponse:
        size = page_size(request.page_size, default=100, maximum=500)
        ids, last, count = await self._ops.members(
            current_call().tenant,
            request.segment_id,
            after_number=_int_cursor(request.page_token, "n"),
            size=size,
        )
        token = encode_cursor({"n": last}) if last is not None else ""
        return segments_pb2.ListSegmentMembersResponse(customer_ids=ids, next_page_token=token, count=count)

    async def ExplainSegment(
        self, request: segments_pb2.ExplainSegmentRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.ExplainSegmentResponse:
        tenant = current_call().tenant
        customer_id = require_customer_id(request.customer_id)
        explained, canonical, segment = await self._ops.explain(
            tenant, customer_id=customer_id, segment_id=request.segment_id, text=request.expression
        )
        return segments_pb2.ExplainSegmentResponse(
            customer_id=customer_id,
            matches=explained.result,
            expression=canonical,
            root=explanation_to_proto(explained),
            segment_id=segment.id if segment else "",
            segment_name=segment.name if segment else "",
        )

    async def ListMembershipHistory(
        self, request: segments_pb2.ListMembershipHistoryRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.ListMembershipHistoryResponse:
        customer_id = require_customer_id(request.customer_id)
        size = page_size(request.page_size, default=50, maximum=200)
        cursor = decode_cursor(request.page_token)
        before: tuple[int, str] | None = None
        if cursor is not None:
            ms, ident = cursor.get("ms"), cursor.get("id")
            if not isinstance(ms, int) or not isinstance(ident, str):
                raise InvalidArgument("page_token is malformed", field="page_token")
            before = (ms, ident)
        found = await self._ops.store.history(
            current_call().tenant, customer_id, segment_id=request.segment_id, before=before, limit=size + 1
        )
        page = found[:size]
        token = ""
        if len(found) > size:
            last = page[-1]
            token = encode_cursor({"ms": epoch_ms(last.at), "id": last.id})
        return segments_pb2.ListMembershipHistoryResponse(
            changes=[change_to_proto(c) for c in page], next_page_token=token
        )

    async def BatchGetCustomerSegments(
        self, request: segments_pb2.BatchGetCustomerSegmentsRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.BatchGetCustomerSegmentsResponse:
        ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH, field="customer_ids")
        found = await self._ops.customer_segments(current_call().tenant, ids)
        return segments_pb2.BatchGetCustomerSegmentsResponse(
            customers=[
                segments_pb2.CustomerSegments(
                    customer_id=customer_id,
                    segments=[
                        segments_pb2.CustomerSegment(
                            segment_id=segment.id,
                            segment_name=segment.name,
                            since=to_timestamp(since) if since is not None else None,
                        )
                        for segment, since in found.get(customer_id, [])
                    ],
                )
                for customer_id in dict.fromkeys(ids)
            ]
        )

    async def CountTagFeatures(
        self, request: segments_pb2.CountTagFeaturesRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.CountTagFeaturesResponse:
        canonical, customers, within, counts = await self._ops.count_features(
            current_call().tenant, request.within
        )
        return segments_pb2.CountTagFeaturesResponse(
            within=canonical,
            customers=customers,
            within_count=within,
            features=[
                segments_pb2.TagFeatureCount(
                    feature=segments_pb2.TagFeature(tag_key=f.tag_key, value=f.value),
                    tag_name=f.tag_name,
                    customers=with_it,
                    within=with_it_within,
                )
                for f, with_it, with_it_within in counts
            ],
        )

    async def ListExpressionMembers(
        self, request: segments_pb2.ListExpressionMembersRequest, context: grpc.aio.ServicerContext
    ) -> segments_pb2.ListExpressionMembersResponse:
        size = page_size(request.page_size, default=DEFAULT_MEMBERS_PAGE, maximum=MAX_MEMBERS_PAGE)
        canonical, ids, columns, last, count = await self._ops.expression_members(
            current_call().tenant,
            request.expression,
            after_number=_int_cursor(request.page_token, "n"),
            size=size,
        )
        return segments_pb2.ListExpressionMembersResponse(
            expression=canonical,
            customer_ids=ids,
            features=[
                segments_pb2.FeatureMembers(
                    feature=segments_pb2.TagFeature(tag_key=f.tag_key, value=f.value), positions=positions
                )
                for f, positions in columns
            ],
            next_page_token=encode_cursor({"n": last}) if last is not None else "",
            count=count,
        )
