"""Limits and input checks the gateway enforces before any backend is called.

The schema runs in-process; backend channels point at a port nothing listens on, so a call that
slipped through would surface as SERVICE_UNAVAILABLE instead of the expected code, and the RPC
counter would move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from strawberry.federation import Schema

from common.config import GatewaySettings
from common.local_servers import free_port
from gateway.auth import Principal
from gateway.clients import Backends
from gateway.context import GatewayContext, Services
from gateway.metrics import GatewayMetrics
from gateway.schema import build_schema

SETTINGS = GatewaySettings(max_query_depth=4, max_aliases=3, max_page_size=10, max_batch=5)
ALICE = Principal(tenant="acme", subject="alice", roles=frozenset({"admin"}))


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    port = free_port()
    backends = Backends.open({svc: f"127.0.0.1:{port}" for svc in ("tags", "journey", "intent", "leads")})
    try:
        yield Services(settings=SETTINGS, backends=backends, nats=None, metrics=GatewayMetrics())
    finally:
        await backends.close()


@pytest.fixture
def schema(services: Services) -> Schema:
    return build_schema(SETTINGS, metrics=services.metrics)


async def run(
    schema: Schema, services: Services, query: str, *, principal: Principal | None = ALICE, **variables: Any
) -> tuple[Any, list[dict[str, Any]]]:
    context = GatewayContext(services=services, principal=principal)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    return result.data, [dict(e.formatted) for e in result.errors or []]


def rpc_count(services: Services) -> float:
    return sum(
        sample.value
        for metric in services.metrics.registry.collect()
        if metric.name == "crm_gateway_backend_rpcs"
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


async def test_query_deeper_than_the_limit_is_refused(schema: Schema, services: Services) -> None:
    query = "{ customers { edges { node { journey { reached { stage } } } } } }"
    data, errors = await run(schema, services, query)
    assert data is None
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "exceeds maximum operation depth" in errors[0]["message"]
    assert rpc_count(services) == 0


async def test_too_many_aliases_are_refused(schema: Schema, services: Services) -> None:
    query = "{ a: _service { sdl } b: _service { sdl } c: _service { sdl } d: _service { sdl } }"
    data, errors = await run(schema, services, query)
    assert data is None
    assert "aliases" in errors[0]["message"]
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_document_with_too_many_tokens_is_refused(schema: Schema, services: Services) -> None:
    query = "{ " + " ".join(["__typename"] * 3000) + " }"
    data, errors = await run(schema, services, query)
    assert data is None
    assert "tokens" in errors[0]["message"]
    assert errors[0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_malformed_customer_id_is_bad_user_input_without_a_backend_call(
    schema: Schema, services: Services
) -> None:
    data, errors = await run(schema, services, '{ customer(id: "42") { id } }')
    assert data == {"customer": None}
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["fields"][0]["field"] == "id"
    assert rpc_count(services) == 0


async def test_oversized_signal_batch_is_refused_without_a_backend_call(
    schema: Schema, services: Services
) -> None:
    signals = [{"customerId": "cus_01J0000000000000000000000A", "type": "pricing_page_view"}] * 6
    query = "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }"
    data, errors = await run(schema, services, query, s=signals)
    assert data is None
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "oversized batch" in errors[0]["message"]
    assert rpc_count(services) == 0


async def test_page_larger_than_the_maximum_is_bad_user_input(schema: Schema, services: Services) -> None:
    data, errors = await run(schema, services, "{ customers(first: 11) { edges { cursor } } }")
    assert data is None
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert rpc_count(services) == 0


async def test_without_a_principal_resolvers_refuse_and_call_nothing(
    schema: Schema, services: Services
) -> None:
    data, errors = await run(
        schema, services, '{ customer(id: "cus_01J0000000000000000000000A") { id } }', principal=None
    )
    assert data == {"customer": None}
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert rpc_count(services) == 0


async def test_unreachable_backend_is_service_unavailable_naming_it(
    schema: Schema, services: Services
) -> None:
    quick = replace(services, settings=replace(SETTINGS, rpc_timeout_seconds=0.5))
    data, errors = await run(schema, quick, "{ customers(first: 2) { edges { cursor } } }")
    assert data is None
    assert errors[0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "leads"}
    assert errors[0]["path"] == ["customers"]
