"""Every LeadsService RPC needs its roles (docs/authorization.md), checked by the service itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from crm.leads.v1 import leads_pb2, leads_pb2_grpc

from common.config import Settings
from common.service import start_service
from services.leads.app import DEFINITION
from tests.support.roles import RpcCase, check_row, rows_of
from tests.support.rpc import channel, metadata

SERVICE = "crm.leads.v1.LeadsService"


@dataclass(frozen=True)
class World:
    stub: leads_pb2_grpc.LeadsServiceStub
    customer_id: str
    duplicate_id: str = ""


async def profile(w: World) -> leads_pb2.Customer:
    return await w.stub.GetCustomer(leads_pb2.GetCustomerRequest(id=w.customer_id), metadata=metadata())


async def analytics(w: World) -> leads_pb2.GetChannelAnalyticsResponse:
    request = leads_pb2.GetChannelAnalyticsRequest(from_period="2026-11", to_period="2026-11")
    return await w.stub.GetChannelAnalytics(request, metadata=metadata())


async def listed(w: World) -> list[str]:
    reply = await w.stub.ListCustomers(leads_pb2.ListCustomersRequest(page_size=100), metadata=metadata())
    return [c.id for c in reply.customers]


CASES: list[RpcCase[World]] = [
    RpcCase(
        "CreateCustomer",
        lambda w, n: leads_pb2.CreateCustomerRequest(
            customer=leads_pb2.CustomerInput(name=f"New {n}", email=f"new.{n}@example.com")
        ),
        allowed="sdr",
        read_back=listed,
    ),
    RpcCase("GetCustomer", lambda w, n: leads_pb2.GetCustomerRequest(id=w.customer_id), allowed="viewer"),
    RpcCase(
        "BatchGetCustomers",
        lambda w, n: leads_pb2.BatchGetCustomersRequest(ids=[w.customer_id]),
        allowed="viewer",
    ),
    RpcCase("ListCustomers", lambda w, n: leads_pb2.ListCustomersRequest(), allowed="viewer"),
    RpcCase(
        "UpdateCustomer",
        lambda w, n: leads_pb2.UpdateCustomerRequest(
            id=w.customer_id,
            customer=leads_pb2.CustomerInput(company=f"Co {n}"),
            update_mask={"paths": ["company"]},
        ),
        allowed="sdr",
        read_back=profile,
    ),
    RpcCase(
        "SetCustomerStatus",
        lambda w, n: leads_pb2.SetCustomerStatusRequest(id=w.customer_id, status="contacted"),
        allowed="cs",
        read_back=profile,
    ),
    RpcCase(
        "ListProfileHistory",
        lambda w, n: leads_pb2.ListProfileHistoryRequest(id=w.customer_id),
        allowed="viewer",
    ),
    RpcCase(
        "MergeCustomers",
        lambda w, n: leads_pb2.MergeCustomersRequest(survivor_id=w.customer_id, duplicate_id=w.duplicate_id),
        allowed="admin",
        read_back=profile,
    ),
    RpcCase(
        "SetChannelCost",
        lambda w, n: leads_pb2.SetChannelCostRequest(channel="web", period="2026-11", amount="10.00"),
        allowed="admin",
        read_back=analytics,
    ),
    RpcCase(
        "GetChannelAnalytics",
        lambda w, n: leads_pb2.GetChannelAnalyticsRequest(from_period="2026-11", to_period="2026-11"),
        allowed="viewer",
    ),
]


@pytest.fixture
async def world(settings_for: Callable[..., Settings]) -> AsyncIterator[World]:
    running = await start_service(DEFINITION, settings_for("leads"))
    chan = channel(running.port)
    try:
        stub = leads_pb2_grpc.LeadsServiceStub(chan)
        created = await stub.CreateCustomer(
            leads_pb2.CreateCustomerRequest(
                customer=leads_pb2.CustomerInput(name="Role Li", email="li@example.com")
            ),
            metadata=metadata(),
        )
        duplicate = await stub.CreateCustomer(
            leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name="Role Li (2)")),
            metadata=metadata(),
        )
        yield World(stub=stub, customer_id=created.id, duplicate_id=duplicate.id)
    finally:
        await chan.close()
        await running.stop()


def test_every_rpc_of_the_service_has_a_case() -> None:
    assert {c.method for c in CASES} == rows_of(SERVICE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.method)
async def test_an_rpc_refuses_callers_without_its_roles_and_serves_those_with_one(
    world: World, case: RpcCase[World]
) -> None:
    await check_row(world.stub, SERVICE, case, world)
