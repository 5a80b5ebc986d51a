"""What the journey integration tests share: a client-side view of the running service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from common import bus, cloudevents
from common.ids import new_customer_id
from tests.support.leads import Leads
from tests.support.rpc import metadata

# A fixed hour in the past, so tests can place touchpoints before and after each other.
BASE = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


@dataclass
class Journey:
    """The service under test as a client sees it: its gRPC API and the NATS it talks on."""

    stub: journey_pb2_grpc.JourneyServiceStub
    nc: NATS
    js: JetStreamContext
    namespace: str
    # Touchpoints are only recorded for customers leads has (common/customers.py): create them here.
    leads: Leads

    async def customer(self, tenant: str = "acme") -> str:
        """A real customer of `tenant`, created through leads."""
        return await self.leads.customer(tenant)

    async def record(
        self, customer_id: str, kind: str, *, minutes: int = 0, tenant: str = "acme", **fields: Any
    ) -> journey_pb2.RecordTouchpointResponse:
        """Record a touchpoint of type `kind`, `minutes` after BASE."""
        touchpoint = journey_pb2.Touchpoint(
            customer_id=customer_id, type=kind, occurred_at=at(minutes), **fields
        )
        response: journey_pb2.RecordTouchpointResponse = await self.stub.RecordTouchpoint(
            journey_pb2.RecordTouchpointRequest(touchpoint=touchpoint), metadata=metadata(tenant)
        )
        return response

    async def timeline(
        self,
        customer_id: str,
        *,
        page_size: int = 0,
        page_token: str = "",
        tenant: str = "acme",
        kinds: list[journey_pb2.TimelineEntryKind] | None = None,
    ) -> journey_pb2.ListTimelineResponse:
        request = journey_pb2.ListTimelineRequest(
            customer_id=customer_id, page_size=page_size, page_token=page_token, kinds=kinds or []
        )
        response: journey_pb2.ListTimelineResponse = await self.stub.ListTimeline(
            request, metadata=metadata(tenant)
        )
        return response

    async def progress(self, *customer_ids: str, tenant: str = "acme") -> list[journey_pb2.Progress]:
        request = journey_pb2.BatchGetProgressRequest(customer_ids=list(customer_ids))
        response: journey_pb2.BatchGetProgressResponse = await self.stub.BatchGetProgress(
            request, metadata=metadata(tenant)
        )
        return list(response.progress)

    async def publish_touchpoints(self, data: dict[str, Any], *, tenant: str = "acme") -> None:
        """Publish an ingest CloudEvent as a partner would, on <root>.in.<tenant>.touchpoints."""
        envelope = cloudevents.make_event(
            type="com.partner.touchpoint.v1", source="partner/dealer", tenant=tenant, data=data
        )
        await bus.publish_event(self.js, f"{self.namespace}.in.{tenant}.touchpoints", envelope)


def at(minutes: int) -> datetime:
    return BASE + timedelta(minutes=minutes)


def iso_at(minutes: int) -> str:
    return at(minutes).isoformat().replace("+00:00", "Z")


def unknown_customer() -> str:
    """A well-formed id that leads never issued: touchpoints for it are refused, reads answer empty."""
    return new_customer_id()


def reached(progress: journey_pb2.Progress) -> list[tuple[str, datetime]]:
    """(stage, first reached at) pairs as the client reads them."""
    return [(r.stage, r.first_reached_at.ToDatetime(tzinfo=UTC)) for r in progress.reached]


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    """Poll `check` until it holds (consumers work asynchronously); fail after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)
