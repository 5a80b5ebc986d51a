"""The journey-definitions part of the schema: journeys, the funnel, stale deals (issue 10).

`gateway.schema` mixes these into its root types. The journey service validates definitions and
names the offending field as its input spells it (`stages[2].key`, `days_to_rot`); the gateway
shows BAD_USER_INPUT with the path as the client spelled it (`input.stages[2].key`,
`input.stages[0].daysToRot`). `journeys` is a plain list, not a connection: a tenant has the three
templates and at most 20 journeys of its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import strawberry
from crm.journey.v1 import journey_pb2

from common.timeutil import to_timestamp
from gateway.context import GatewayInfo
from gateway.errors import BAD_USER_INPUT, CONFLICT, GatewayError, bad_user_input
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.types.journey_definitions import (
    DefineJourneyInput,
    Funnel,
    FunnelInterval,
    FunnelPeriod,
    FunnelPeriodBasis,
    JourneyDefinition,
    StaleDeal,
    StaleDealConnection,
    StaleDealEdge,
    UpdateJourneyInput,
    period_basis_to_proto,
)
from gateway.types.pagination import PageInfo
from gateway.validation import require_page_size

DEFAULT_STALE_PAGE = 20
_SNAKE = re.compile(r"_([a-z])")


def camel_path(path: str, *, prefix: str) -> str:
    """`stages[0].days_to_rot` → `input.stages[0].daysToRot` (the client's spelling)."""
    camel = _SNAKE.sub(lambda m: m.group(1).upper(), path)
    return f"{prefix}.{camel}" if prefix and camel else (prefix or camel)


async def call_journey(info: GatewayInfo, method: str, request: Any, *, prefix: str = "") -> Any:
    """Call JourneyService; BAD_USER_INPUT field paths in the client's spelling, under `prefix`."""
    try:
        return await info.context.caller.call("journey", method, request)
    except GatewayError as err:
        if err.code in (BAD_USER_INPUT, CONFLICT) and err.extensions is not None:
            err.extensions["fields"] = [
                {**f, "field": camel_path(f.get("field", ""), prefix=prefix)}
                for f in err.extensions.get("fields") or []
            ]
        raise


def _window(request: Any, start: datetime | None, end: datetime | None) -> None:
    if start is not None:
        getattr(request, "from").CopyFrom(to_timestamp(start))
    if end is not None:
        request.to.CopyFrom(to_timestamp(end))


@strawberry.type
class JourneyQuery:
    @strawberry.field(
        description="Your tenant's journeys: the templates and your own, current versions, the default marked",
        extensions=requires("Query.journeys"),
    )
    async def journeys(self, info: GatewayInfo) -> list[JourneyDefinition]:
        reply = await call_journey(info, "ListJourneys", journey_pb2.ListJourneysRequest())
        return [JourneyDefinition.from_proto(j) for j in reply.journeys]

    @strawberry.field(
        description="One journey at its current version, or at `version`; NOT_FOUND for an unknown key",
        extensions=requires("Query.journey"),
    )
    async def journey(
        self, info: GatewayInfo, key: str, version: int | None = None
    ) -> JourneyDefinition | None:
        request = journey_pb2.GetJourneyRequest(key=key, version=version or 0)
        return JourneyDefinition.from_proto(await call_journey(info, "GetJourney", request))

    @strawberry.field(
        description="The cumulative funnel of a journey (the default if none is named): by default the "
        "customers who entered it in [from, to) and how far they got (periodBasis ENTERED), or per "
        "stage who reached it in [from, to) (REACHED); conversions and time between stages",
        extensions=requires("Query.funnel"),
    )
    async def funnel(
        self,
        info: GatewayInfo,
        journey: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        owner_id: str | None = None,
        source_channel: str | None = None,
        period_basis: FunnelPeriodBasis = FunnelPeriodBasis.ENTERED,
    ) -> Funnel:
        request = journey_pb2.GetFunnelRequest(
            journey=journey or "",
            owner_id=owner_id or "",
            source_channel=source_channel or "",
            period_basis=period_basis_to_proto(period_basis),
        )
        _window(request, from_, to)
        return Funnel.from_proto(await call_journey(info, "GetFunnel", request))

    @strawberry.field(
        description="The funnel per week or month in which customers entered the journey (ENTERED), or "
        "in which each stage was reached (REACHED: the stage-transition history)",
        extensions=requires("Query.funnelOverTime"),
    )
    async def funnel_over_time(
        self,
        info: GatewayInfo,
        interval: FunnelInterval,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        journey: str | None = None,
        owner_id: str | None = None,
        source_channel: str | None = None,
        period_basis: FunnelPeriodBasis = FunnelPeriodBasis.ENTERED,
    ) -> list[FunnelPeriod]:
        request = journey_pb2.GetFunnelOverTimeRequest(
            journey=journey or "",
            interval=interval.value,
            owner_id=owner_id or "",
            source_channel=source_channel or "",
            period_basis=period_basis_to_proto(period_basis),
        )
        _window(request, from_, to)
        reply = await call_journey(info, "GetFunnelOverTime", request)
        return [FunnelPeriod.from_proto(b) for b in reply.buckets]

    @strawberry.field(
        description="Customers who stayed in their current stage longer than its daysToRot, in the order "
        "they turned stale; sales people see their own",
        extensions=requires("Query.staleDeals"),
    )
    async def stale_deals(
        self,
        info: GatewayInfo,
        journey: str | None = None,
        owner_id: str | None = None,
        first: int = DEFAULT_STALE_PAGE,
        after: str | None = None,
    ) -> StaleDealConnection:
        maximum = info.context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)

        async def fetch(token: str, size: int) -> tuple[list[journey_pb2.StaleDeal], str]:
            request = journey_pb2.ListStaleDealsRequest(
                journey=journey or "", owner_id=owner_id or "", page_size=size, page_token=token
            )
            reply = await call_journey(info, "ListStaleDeals", request)
            return list(reply.deals), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return StaleDealConnection(
            edges=[StaleDealEdge(node=StaleDeal.from_proto(d), cursor=c) for d, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )


@strawberry.type
class JourneyMutation:
    @strawberry.mutation(
        description="Define a journey of your own (version 1); CONFLICT (at input.key) if the key exists",
        extensions=requires("Mutation.defineJourney"),
    )
    async def define_journey(self, info: GatewayInfo, input: DefineJourneyInput) -> JourneyDefinition:
        request = journey_pb2.DefineJourneyRequest(journey=input.to_proto())
        return JourneyDefinition.from_proto(
            await call_journey(info, "DefineJourney", request, prefix="input")
        )

    @strawberry.mutation(
        description="Change a journey of your own: stores a new version, earlier ones stay as they were",
        extensions=requires("Mutation.updateJourney"),
    )
    async def update_journey(self, info: GatewayInfo, input: UpdateJourneyInput) -> JourneyDefinition:
        reply = await call_journey(info, "UpdateJourney", input.to_proto(), prefix="input")
        return JourneyDefinition.from_proto(reply)

    @strawberry.mutation(
        description="Make a journey (yours or a template) the default: touchpoints name their stage in it",
        extensions=requires("Mutation.setDefaultJourney"),
    )
    async def set_default_journey(self, info: GatewayInfo, key: str) -> JourneyDefinition:
        if not key.strip():
            raise bad_user_input("key is required", fields=[{"field": "key", "message": "required"}])
        request = journey_pb2.SetDefaultJourneyRequest(key=key)
        return JourneyDefinition.from_proto(await call_journey(info, "SetDefaultJourney", request))
