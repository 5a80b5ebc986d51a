"""Helpers of the deal and task tests: requests as a client builds them, events as a subscriber sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crm.journey.v1 import journey_pb2

from tests.integration.journey.helpers import Journey
from tests.support.events import Collector, subscribe
from tests.support.rpc import metadata


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def create_task(
    journey: Journey,
    customer_id: str,
    *,
    due_in: float,
    tenant: str = "acme",
    caller: str = "user-1",
    roles: str = "admin",
    **fields: Any,
) -> journey_pb2.Task:
    request = journey_pb2.CreateTaskRequest(
        customer_id=customer_id, kind=journey_pb2.TASK_KIND_CALL, notes="call about the test drive", **fields
    )
    request.due_at.FromDatetime(soon(due_in))
    task: journey_pb2.Task = await journey.stub.CreateTask(
        request, metadata=metadata(tenant, caller=caller, roles=roles)
    )
    return task


async def create_deal(
    journey: Journey,
    customer_id: str,
    *,
    tenant: str = "acme",
    caller: str = "user-1",
    roles: str = "admin",
    amount: str = "199800.00",
    **fields: Any,
) -> journey_pb2.Deal:
    qualification = journey_pb2.DealQualification(
        product="Model Y", amount=journey_pb2.Money(amount=amount, currency="CNY"), **fields
    )
    request = journey_pb2.CreateDealRequest(customer_id=customer_id, deal=qualification)
    deal: journey_pb2.Deal = await journey.stub.CreateDeal(
        request, metadata=metadata(tenant, caller=caller, roles=roles)
    )
    return deal


async def watch(journey: Journey, event: str, *, tenant: str = "acme") -> Collector:
    """Collect `journey.<event>` events of `tenant` (core NATS, as a subscriber would)."""
    return await subscribe(journey.nc, f"{journey.namespace}.evt.{tenant}.journey.{event}")
