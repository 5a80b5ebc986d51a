"""The JourneyService gRPC servicer: decode the request, call the domain/store, encode the reply."""

from __future__ import annotations

import grpc
from crm.journey.v1 import journey_pb2, journey_pb2_grpc

from common.context import current_call
from common.customers import KnownCustomers
from common.ids import require_customer_id, require_customer_ids
from common.paging import decode_cursor, encode_cursor, page_size
from common.timeutil import utcnow
from services.journey import convert
from services.journey.deal_stale import StaleDeals
from services.journey.definition_store import DefinitionStore
from services.journey.definitions_api import JourneyDefinitionsApi
from services.journey.progress import CustomerProgress, progress_view
from services.journey.recording import TouchpointRecorder
from services.journey.store import JourneyStore
from services.journey.work_api import WorkApi

MAX_BATCH = 200


class JourneyServicer(WorkApi, JourneyDefinitionsApi, journey_pb2_grpc.JourneyServiceServicer):
    """Touchpoints, timelines and progress for the calling tenant (definitions, funnel and stale
    deals in `definitions_api.py`; deals and tasks in `work_api.py`)."""

    def __init__(
        self,
        *,
        store: JourneyStore,
        recorder: TouchpointRecorder,
        customers: KnownCustomers,
        definitions: DefinitionStore,
        stale: StaleDeals,
    ) -> None:
        self._store = store
        self._recorder = recorder
        self._customers = customers
        self._definitions = definitions
        self._stale = stale

    async def RecordTouchpoint(
        self, request: journey_pb2.RecordTouchpointRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.RecordTouchpointResponse:
        tenant = current_call().tenant
        book = await self._definitions.book(tenant)
        touchpoint = convert.touchpoint_from_proto(request.touchpoint, journey=book, now=utcnow())
        # Only customers leads has in this tenant get touchpoints (common/customers.py).
        await self._customers.require(tenant, [touchpoint.customer_id], field="touchpoint.customer_id")
        recorded = await self._recorder.record(tenant, touchpoint, book)
        return journey_pb2.RecordTouchpointResponse(
            touchpoint=convert.touchpoint_to_proto(recorded.touchpoint),
            progress=convert.progress_to_proto(recorded.progress),
            stage_changed=recorded.stage_changed,
        )

    async def ListTimeline(
        self, request: journey_pb2.ListTimelineRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.ListTimelineResponse:
        tenant = current_call().tenant
        customer_id = require_customer_id(request.customer_id)
        size = page_size(request.page_size)
        after = convert.timeline_position(decode_cursor(request.page_token))
        kinds = convert.timeline_kinds(request.kinds)
        # One extra row says whether another page exists without counting.
        rows = await self._store.timeline(tenant, customer_id, limit=size + 1, after=after, kinds=kinds)
        page = rows[:size]
        token = encode_cursor(convert.timeline_cursor(page[-1])) if len(rows) > size else ""
        return journey_pb2.ListTimelineResponse(
            touchpoints=[convert.touchpoint_to_proto(t) for t in page], next_page_token=token
        )

    async def BatchGetProgress(
        self, request: journey_pb2.BatchGetProgressRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.BatchGetProgressResponse:
        tenant = current_call().tenant
        customer_ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH)
        stored = await self._store.progress_of(tenant, customer_ids)
        journey = (await self._definitions.book(tenant)).default
        replies = []
        for customer_id in customer_ids:
            state = stored.get(customer_id, CustomerProgress()).of(journey)
            replies.append(convert.progress_to_proto(progress_view(customer_id, state, journey)))
        return journey_pb2.BatchGetProgressResponse(progress=replies)
