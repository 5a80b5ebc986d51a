"""The shared gRPC bootstrap: token and tenant checks, error details, health and reflection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from crm.leads.v1 import leads_pb2, leads_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from common.context import current_call
from common.errors import AlreadyExists, InvalidArgument
from common.grpc_client import error_metadata, field_violations
from common.grpc_server import start_grpc_server
from tests.conftest import TEST_TOKEN
from tests.support.rpc import channel, metadata


class EchoLeads(leads_pb2_grpc.LeadsServiceServicer):
    """A small servicer that shows what the interceptor hands to handlers."""

    async def GetCustomer(
        self, request: leads_pb2.GetCustomerRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.Customer:
        call = current_call()
        if request.id == "bad":
            raise InvalidArgument("id is malformed", field="id")
        if request.id == "dup":
            raise AlreadyExists(
                "phone already used", field="customer.phone", metadata={"existing_customer_id": "cus_X"}
            )
        if request.id == "boom":
            raise RuntimeError("secret internals")
        return leads_pb2.Customer(
            id=request.id, name=call.tenant, owner_id=call.caller, status=",".join(sorted(call.roles))
        )


@pytest.fixture
async def port() -> AsyncIterator[int]:
    server, bound, _ = await start_grpc_server(
        host="127.0.0.1",
        port=0,
        internal_token=TEST_TOKEN,
        registrations=[(leads_pb2_grpc.add_LeadsServiceServicer_to_server, EchoLeads())],
        service_names=[leads_pb2.DESCRIPTOR.services_by_name["LeadsService"].full_name],
    )
    try:
        yield bound
    finally:
        await server.stop(0)


async def test_handler_sees_tenant_caller_and_roles_from_metadata(port: int) -> None:
    async with channel(port) as ch:
        reply = await leads_pb2_grpc.LeadsServiceStub(ch).GetCustomer(
            leads_pb2.GetCustomerRequest(id="cus_1"),
            metadata=metadata("acme", caller="rep-7", roles="sales,admin"),
        )
    assert (reply.name, reply.owner_id, reply.status) == ("acme", "rep-7", "admin,sales")


@pytest.mark.parametrize(
    ("md", "code"),
    [
        ((("x-tenant-id", "acme"),), grpc.StatusCode.UNAUTHENTICATED),
        ((("x-tenant-id", "acme"), ("x-internal-token", "wrong")), grpc.StatusCode.UNAUTHENTICATED),
        ((("x-internal-token", TEST_TOKEN),), grpc.StatusCode.INVALID_ARGUMENT),
        ((("x-tenant-id", "a.b"), ("x-internal-token", TEST_TOKEN)), grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
async def test_calls_without_token_or_tenant_are_refused(
    port: int, md: tuple[tuple[str, str], ...], code: grpc.StatusCode
) -> None:
    async with channel(port) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await leads_pb2_grpc.LeadsServiceStub(ch).GetCustomer(
                leads_pb2.GetCustomerRequest(id="cus_1"), metadata=md
            )
    assert err.value.code() == code


async def test_domain_errors_become_statuses_with_field_and_metadata_details(port: int) -> None:
    async with channel(port) as ch:
        stub = leads_pb2_grpc.LeadsServiceStub(ch)
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await stub.GetCustomer(leads_pb2.GetCustomerRequest(id="bad"), metadata=metadata())
        with pytest.raises(grpc.aio.AioRpcError) as dup:
            await stub.GetCustomer(leads_pb2.GetCustomerRequest(id="dup"), metadata=metadata())
        with pytest.raises(grpc.aio.AioRpcError) as boom:
            await stub.GetCustomer(leads_pb2.GetCustomerRequest(id="boom"), metadata=metadata())
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(bad.value) == [("id", "id is malformed")]
    assert dup.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_metadata(dup.value) == {"existing_customer_id": "cus_X"}
    assert boom.value.code() == grpc.StatusCode.INTERNAL
    assert "secret" not in (boom.value.details() or "")


async def test_health_and_reflection_answer_without_credentials(port: int) -> None:
    async with channel(port) as ch:
        health = await health_pb2_grpc.HealthStub(ch).Check(
            health_pb2.HealthCheckRequest(service="crm.leads.v1.LeadsService")
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        stream = reflection_pb2_grpc.ServerReflectionStub(ch).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        names = [s.name async for reply in stream for s in reply.list_services_response.service]
    assert "crm.leads.v1.LeadsService" in names and "grpc.health.v1.Health" in names
