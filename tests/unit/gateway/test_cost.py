"""The query cost: computed from document and variables, refused before any backend call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from common.config import GatewaySettings
from common.local_servers import free_port
from gateway.auth import Principal
from gateway.clients import Backends
from gateway.context import GatewayContext, Services
from gateway.cost import RPC_COST, operation_cost
from gateway.metrics import GatewayMetrics
from gateway.schema import GatewaySchema, build_schema

SETTINGS = GatewaySettings(max_cost=1000)
SCHEMA = build_schema(SETTINGS)._schema
ALICE = Principal(tenant="acme", subject="alice", roles=frozenset({"admin"}))


def cost(query: str, **variables: Any) -> int:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return operation_cost(SCHEMA, operation, fragments, variables)


def test_scalars_are_free_and_objects_count_once() -> None:
    assert cost("{ __typename }") == 0
    # customer: its call plus the object; profile: one object, batched.
    assert cost('{ customer(id: "x") { id profile { name } } }') == RPC_COST + 1 + 1


def test_a_page_multiplies_what_each_item_asks_for() -> None:
    one = cost("{ customers(first: 1) { edges { node { id } } } }")
    ten = cost("{ customers(first: 10) { edges { node { id } } } }")
    assert ten - RPC_COST - 1 == 10 * (one - RPC_COST - 1)
    # The schema's default page (20) when `first` is not given.
    assert cost("{ customers { edges { node { id } } } }") == cost(
        "{ customers(first: 20) { edges { node { id } } } }"
    )


def test_per_customer_calls_are_priced_per_customer_and_variables_count() -> None:
    query = "query($n: Int!) { customers(first: $n) { edges { node { tagHistory(first: 5) { entries { tagKey } } } } } }"
    per_customer = 2 + RPC_COST + 1 + 5  # edge, node; the history call, its page, five entries
    assert cost(query, n=10) == RPC_COST + 1 + 10 * per_customer
    assert cost(query, n=20) == RPC_COST + 1 + 20 * per_customer


def test_aliases_and_fragments_count_each_time_they_are_asked_for() -> None:
    single = cost("{ customers(first: 5) { edges { node { id } } } }")
    aliased = cost(
        "{ a: customers(first: 5) { edges { node { id } } } b: customers(first: 5) { edges { node { id } } } }"
    )
    assert aliased == 2 * single
    with_fragment = cost(
        "query { customers(first: 5) { ...Page } } fragment Page on CustomerConnection { edges { node { id } } }"
    )
    assert with_fragment == single


def test_entities_are_multiplied_by_the_representations_sent() -> None:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { tagHistory { entries { tagKey } } } } }"
    one = cost(query, r=[{"__typename": "Customer", "id": "a"}])
    hundred = cost(query, r=[{"__typename": "Customer", "id": str(i)} for i in range(100)])
    assert hundred == 100 * one


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    port = free_port()
    backends = Backends.open({svc: f"127.0.0.1:{port}" for svc in ("tags", "journey", "intent", "leads")})
    try:
        yield Services(settings=SETTINGS, backends=backends, nats=None, metrics=GatewayMetrics())
    finally:
        await backends.close()


async def test_a_costly_operation_is_refused_with_its_cost_and_calls_nothing(services: Services) -> None:
    schema: GatewaySchema = build_schema(SETTINGS, metrics=services.metrics)
    query = (
        "query($n: Int!) { customers(first: $n) { edges { node { tagHistory { entries { tagKey } } } } } }"
    )
    expected = cost(query, n=50)
    result = await schema.execute(
        query, variable_values={"n": 50}, context_value=GatewayContext(services=services, principal=ALICE)
    )
    assert result.data is None
    [error] = [dict(e.formatted) for e in result.errors or []]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": expected, "maximumCost": 1000}
    assert "1000" in error["message"]
    rpcs = [m for m in services.metrics.registry.collect() if m.name == "crm_gateway_backend_rpcs"]
    assert all(not s.value for m in rpcs for s in m.samples)
