"""The JourneyService RPCs of journey definitions, the funnel, stale deals and per-journey progress.

A mixin of `api.JourneyServicer` (thin adapters like the rest of it): decode, call the definition
store / funnel / stale-deals use cases, encode. Sales people (`sales`, `sdr` without `admin`) work
their own customers, so their stale-deals list is always their own.
"""

from __future__ import annotations

import grpc
from crm.journey.v1 import journey_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from common.context import CallContext, current_call
from common.errors import InvalidArgument, PermissionDenied
from common.ids import require_customer_ids
from common.paging import decode_cursor, encode_cursor, page_size
from common.roles import ADMIN, PLATFORM, SALES, SDR
from services.journey import convert
from services.journey.deal_stale import StaleDeals
from services.journey.definition_store import DefinitionStore
from services.journey.definitions import build_journey
from services.journey.funnel import (
    ENTERED,
    MONTH,
    REACHED,
    WEEK,
    FactRow,
    fact_rows,
    funnel_of_facts,
    funnel_over_time_of_facts,
)
from services.journey.progress import CustomerProgress, progress_view
from services.journey.store import JourneyStore
from services.journey.templates import TEMPLATES, Journey

MAX_BATCH = 200
_INTERVALS = {journey_pb2.FUNNEL_INTERVAL_WEEK: WEEK, journey_pb2.FUNNEL_INTERVAL_MONTH: MONTH}
_BASES: dict[int, str] = {
    journey_pb2.FUNNEL_PERIOD_BASIS_UNSPECIFIED: ENTERED,
    journey_pb2.FUNNEL_PERIOD_BASIS_ENTERED: ENTERED,
    journey_pb2.FUNNEL_PERIOD_BASIS_REACHED: REACHED,
}


def own_deals_only(call: CallContext) -> bool:
    """Sales people see their own deals; admins and the platform see everyone's."""
    return not call.roles & {ADMIN, PLATFORM} and bool(call.roles & {SALES, SDR})


class JourneyDefinitionsApi:
    """Journey definitions, the funnel, stale deals and per-journey progress for the calling tenant."""

    _store: JourneyStore
    _definitions: DefinitionStore
    _stale: StaleDeals

    async def ListJourneys(
        self, request: journey_pb2.ListJourneysRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.ListJourneysResponse:
        book = await self._definitions.book(current_call().tenant)
        ordered = [*TEMPLATES.values(), *(j for k, j in sorted(book.journeys.items()) if not j.template)]
        return journey_pb2.ListJourneysResponse(
            journeys=[convert.journey_to_proto(j, default_key=book.default.key) for j in ordered],
            default_journey=book.default.key,
        )

    async def GetJourney(
        self, request: journey_pb2.GetJourneyRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.JourneyDefinition:
        tenant = current_call().tenant
        journey = await self._definitions.journey(tenant, request.key, version=request.version)
        book = await self._definitions.book(tenant)
        return convert.journey_to_proto(journey, default_key=book.default.key)

    async def DefineJourney(
        self, request: journey_pb2.DefineJourneyRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.JourneyDefinition:
        call = current_call()
        journey = _validated(request.journey, version=1)
        stored = await self._definitions.define(call.tenant, journey, actor=call.caller)
        book = await self._definitions.book(call.tenant)
        return convert.journey_to_proto(stored, default_key=book.default.key)

    async def UpdateJourney(
        self, request: journey_pb2.UpdateJourneyRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.JourneyDefinition:
        call = current_call()
        journey = _validated(request.journey, version=1)
        stored = await self._definitions.update(
            call.tenant, journey, actor=call.caller, expected_version=request.expected_version
        )
        book = await self._definitions.book(call.tenant)
        return convert.journey_to_proto(stored, default_key=book.default.key)

    async def SetDefaultJourney(
        self, request: journey_pb2.SetDefaultJourneyRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.JourneyDefinition:
        tenant = current_call().tenant
        await self._definitions.set_default(tenant, request.key)
        journey = await self._definitions.journey(tenant, request.key)
        return convert.journey_to_proto(journey, default_key=request.key)

    async def GetFunnel(
        self, request: journey_pb2.GetFunnelRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.Funnel:
        tenant = current_call().tenant
        basis = _basis(request.period_basis)
        journey = await self._journey_or_default(tenant, request.journey)
        from_ms = _ms(getattr(request, "from")) if request.HasField("from") else None
        to_ms = _ms(request.to) if request.HasField("to") else None
        _require_order(from_ms, to_ms)
        rows = await self._funnel_rows(tenant, journey, request.owner_id, request.source_channel)
        funnel = funnel_of_facts(journey, rows, from_ms=from_ms, to_ms=to_ms, basis=basis)
        return convert.funnel_to_proto(funnel)

    async def GetFunnelOverTime(
        self, request: journey_pb2.GetFunnelOverTimeRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.GetFunnelOverTimeResponse:
        tenant = current_call().tenant
        interval = _INTERVALS.get(request.interval)
        if interval is None:
            raise InvalidArgument("interval must be WEEK or MONTH", field="interval")
        basis = _basis(request.period_basis)
        if not request.HasField("from") or not request.HasField("to"):
            raise InvalidArgument(
                "from and to are required", field="from" if not request.HasField("from") else "to"
            )
        from_ms = _ms(getattr(request, "from"))
        to_ms = _ms(request.to)
        _require_order(from_ms, to_ms)
        journey = await self._journey_or_default(tenant, request.journey)
        rows = await self._funnel_rows(tenant, journey, request.owner_id, request.source_channel)
        try:
            buckets = funnel_over_time_of_facts(
                journey, rows, interval=interval, from_ms=from_ms, to_ms=to_ms, basis=basis
            )
        except ValueError as err:
            raise InvalidArgument(f"{err}; narrow from/to or use MONTH", field="from") from None
        return journey_pb2.GetFunnelOverTimeResponse(buckets=[convert.bucket_to_proto(b) for b in buckets])

    async def ListStaleDeals(
        self, request: journey_pb2.ListStaleDealsRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.ListStaleDealsResponse:
        call = current_call()
        owner_id = request.owner_id
        if own_deals_only(call):
            if owner_id and owner_id != call.caller:
                raise PermissionDenied("sales people see their own stale deals only", field="owner_id")
            owner_id = call.caller
        journey = await self._journey_or_default(call.tenant, request.journey)
        size = page_size(request.page_size)
        after = convert.stale_position(decode_cursor(request.page_token))
        deals, position = await self._stale.list(
            call.tenant, journey=journey.key, owner_id=owner_id, after=after, limit=size
        )
        token = encode_cursor({"rot": position[0], "id": position[1]}) if position else ""
        return journey_pb2.ListStaleDealsResponse(
            deals=[convert.stale_deal_to_proto(d) for d in deals], next_page_token=token
        )

    async def BatchGetJourneyProgress(
        self, request: journey_pb2.BatchGetJourneyProgressRequest, context: grpc.aio.ServicerContext
    ) -> journey_pb2.BatchGetJourneyProgressResponse:
        tenant = current_call().tenant
        customer_ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH)
        book = await self._definitions.book(tenant)
        stored = await self._store.progress_of(tenant, customer_ids)
        replies = []
        for customer_id in customer_ids:
            progress = stored.get(customer_id)
            keys = [book.default.key]
            if progress is not None:
                keys += sorted(k for k in progress.journeys if k != book.default.key and k in book.journeys)
            views = []
            for key in keys:
                journey = book.journeys.get(key) or book.default
                state = (progress or CustomerProgress()).of(journey)
                views.append(convert.progress_to_proto(progress_view(customer_id, state, journey)))
            replies.append(journey_pb2.CustomerJourneys(customer_id=customer_id, journeys=views))
        return journey_pb2.BatchGetJourneyProgressResponse(customers=replies)

    async def _funnel_rows(self, tenant: str, journey: Journey, owner_id: str, source: str) -> list[FactRow]:
        """The fact rows of the journey's customers: stored ones, and derived ones for the others."""
        facts, others = await self._store.funnel_facts(
            tenant, journey.key, version=journey.version, owner_id=owner_id, source_channel=source
        )
        return [*facts, *fact_rows(journey, others)]

    async def _journey_or_default(self, tenant: str, key: str) -> Journey:
        if not key:
            return (await self._definitions.book(tenant)).default
        return await self._definitions.journey(tenant, key)


def _validated(message: journey_pb2.JourneyDefinition, *, version: int) -> Journey:
    return build_journey(
        key=message.key, name=message.name, stages=convert.stage_inputs(message), version=version
    )


def _basis(value: int) -> str:
    basis = _BASES.get(value)
    if basis is None:
        raise InvalidArgument("period_basis must be ENTERED or REACHED", field="period_basis")
    return basis


def _require_order(from_ms: int | None, to_ms: int | None) -> None:
    if from_ms is not None and to_ms is not None and from_ms >= to_ms:
        raise InvalidArgument("from must be before to", field="to")


def _ms(stamp: Timestamp) -> int:
    return stamp.seconds * 1000 + stamp.nanos // 1_000_000
