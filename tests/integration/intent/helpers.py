"""What the intent integration tests share: a client-side view of the running service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crm.intent.v1 import intent_pb2, intent_pb2_grpc
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from common import bus, cloudevents
from common.ids import new_customer_id
from common.timeutil import from_ms, to_ms
from services.intent.aggregate import IntentState, add, term_of
from services.intent.decay import next_level_change
from services.intent.model import IntentModel
from services.intent.signals import Signal
from tests.support.leads import Leads
from tests.support.rpc import metadata


@dataclass
class Intent:
    """The service under test as a client sees it: its gRPC API and the NATS it talks on."""

    stub: intent_pb2_grpc.IntentServiceStub
    nc: NATS
    js: JetStreamContext
    namespace: str
    # Signals are only stored for customers leads has (common/customers.py): create them here.
    leads: Leads

    async def customer(self, tenant: str = "acme") -> str:
        """A real customer of `tenant`, created through leads."""
        return await self.leads.customer(tenant)

    async def ingest(
        self, *signals: intent_pb2.Signal, tenant: str = "acme"
    ) -> intent_pb2.IngestSignalsResponse:
        request = intent_pb2.IngestSignalsRequest(signals=list(signals))
        response: intent_pb2.IngestSignalsResponse = await self.stub.IngestSignals(
            request, metadata=metadata(tenant)
        )
        return response

    async def score(self, customer_id: str, *, tenant: str = "acme") -> intent_pb2.IntentScore:
        request = intent_pb2.GetScoreRequest(customer_id=customer_id)
        response: intent_pb2.IntentScore = await self.stub.GetScore(request, metadata=metadata(tenant))
        return response

    async def publish_signals(self, data: dict[str, Any], *, tenant: str = "acme") -> None:
        """Publish an ingest CloudEvent as a partner would, on <root>.in.<tenant>.signals."""
        envelope = cloudevents.make_event(
            type="com.partner.signal.v1", source="partner/web", tenant=tenant, data=data
        )
        await bus.publish_event(self.js, f"{self.namespace}.in.{tenant}.signals", envelope)


def signal(customer_id: str, kind: str, **fields: Any) -> intent_pb2.Signal:
    """A proto Signal for `customer_id` of type `kind`, with any other fields given."""
    return intent_pb2.Signal(customer_id=customer_id, type=kind, **fields)


def unknown_customer() -> str:
    """A well-formed id that leads never issued: signals for it are refused, reads answer empty."""
    return new_customer_id()


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    """Poll `check` until it holds (consumers work asynchronously); fail after `within` seconds."""
    async with asyncio.timeout(within):
        # Polling the public API, as a client would: there is no in-process event to wait on.
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)


MODEL = IntentModel()  # the service runs the house model


def whole_ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def domain(customer_id: str, kind: str, at: datetime) -> Signal:
    return Signal(
        id=f"{kind}-{at.timestamp()}",
        customer_id=customer_id,
        type=kind,
        party="first",
        topic="",
        occurred_at=at,
        properties={},
        source="",
    )


def placed_so_the_level_falls_at(target: datetime, kinds: list[str]) -> datetime:
    """When signals of `kinds`, all at that time, make the level fall exactly at `target`.

    With every signal at one time X the level at t depends only on t − X, so the fall happens a fixed
    delay after X; that delay comes from the pure function the service itself uses.
    """
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    state = IntentState(customer_id="c")
    add(
        state,
        [term_of(domain("c", k, origin), model=MODEL, received_ms=to_ms(origin)) for k in kinds],
        model=MODEL,
    )
    falls = next_level_change(state, model=MODEL, now_ms=to_ms(origin), fit=1.0)
    assert falls is not None
    return whole_ms(target - (from_ms(falls) - origin))
