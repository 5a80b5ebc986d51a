"""Limits computed from the document alone: built once, cached, and set where they can trigger.

The schema runs in-process with backend channels pointing at a port nothing listens on (see
test_limits.py): a refused operation must leave the RPC counter at zero.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_introspection_query,
    get_named_type,
)

from common.config import GatewaySettings
from common.local_servers import free_port
from gateway.auth import Principal
from gateway.clients import Backends
from gateway.context import GatewayContext, Services
from gateway.execution import cached_parse, cached_validate
from gateway.metrics import GatewayMetrics
from gateway.schema import GatewaySchema, build_schema

SETTINGS = GatewaySettings()
ALICE = Principal(tenant="acme", subject="alice", roles=frozenset({"admin"}))
DEEPEST = """{ segments(first: 1) { edges { node { members(first: 1) { edges { node { journey {
  timeline(first: 1) { edges { node { refs { id } } } } } } } } } } } }"""


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    port = free_port()
    backends = Backends.open({svc: f"127.0.0.1:{port}" for svc in ("tags", "journey", "intent", "leads")})
    try:
        yield Services(settings=SETTINGS, backends=backends, nats=None, metrics=GatewayMetrics())
    finally:
        await backends.close()


@pytest.fixture
def schema(services: Services) -> GatewaySchema:
    return build_schema(SETTINGS, metrics=services.metrics)


async def run(
    schema: GatewaySchema, services: Services, query: str, **variables: Any
) -> list[dict[str, Any]]:
    context = GatewayContext(services=services, principal=ALICE)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    return [dict(e.formatted) for e in result.errors or []]


def rpc_count(services: Services) -> float:
    return sum(
        sample.value
        for metric in services.metrics.registry.collect()
        if metric.name == "crm_gateway_backend_rpcs"
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


def deepest_path(schema: GraphQLSchema) -> int:
    """Field levels of the deepest query the schema allows (it has no cycles outside introspection)."""

    def depth(type_: GraphQLObjectType | GraphQLUnionType, seen: frozenset[str]) -> int:
        members = type_.types if isinstance(type_, GraphQLUnionType) else [type_]
        best = 0
        for member in members:
            for field in member.fields.values():
                named = get_named_type(field.type)
                if isinstance(named, (GraphQLObjectType, GraphQLUnionType)):
                    assert named.name not in seen, f"the schema has a cycle through {named.name}"
                    best = max(best, 1 + depth(named, seen | {named.name}))
                else:
                    best = max(best, 1)
        return best

    roots = [t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t]
    return max(depth(root, frozenset({root.name})) for root in roots)


def test_the_depth_limit_admits_every_path_of_the_schema_and_graphiql() -> None:
    """The deepest data query has 12 levels (a saved segment's members' timeline entries' refs) and GraphiQL's
    introspection 15: the limit sits at 15.

    If the schema grows deeper than the limit, this fails: raise the limit knowingly.
    """
    schema = build_schema(SETTINGS)._schema
    assert deepest_path(schema) == 12
    assert SETTINGS.max_query_depth == 15
    assert not cached_validate(
        schema, cached_parse(get_introspection_query()), build_schema(SETTINGS).document_rules
    )


async def test_deepest_legitimate_query_passes_and_cyclic_introspection_is_refused(
    schema: GatewaySchema, services: Services
) -> None:
    # Validation passes; execution then fails on the unreachable backend, which is not a limit.
    errors = await run(schema, services, DEEPEST)
    assert [e["extensions"]["code"] for e in errors] == ["SERVICE_UNAVAILABLE"]

    nested = "{ __schema { types { " + "fields { type { " * 8 + "name" + " } }" * 8 + " } } }"
    errors = await run(schema, services, nested)
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "exceeds maximum operation depth of 15" in errors[0]["message"]
    assert rpc_count(services) == 1  # only DEEPEST's attempt


async def test_a_repeated_document_is_parsed_and_validated_once(
    schema: GatewaySchema, services: Services
) -> None:
    # With variables the cost depends on them: parse and validation come from their caches.
    query = "query CacheProbe($id: ID!) { __typename customer(id: $id) { id } }"
    await run(schema, services, query, id="nope")
    parsed, validated = cached_parse.cache_info().hits, cached_validate.cache_info().hits
    for _ in range(3):
        await run(schema, services, query, id="nope")
    assert cached_parse.cache_info().hits - parsed == 3
    assert cached_validate.cache_info().hits - validated == 3

    # Without variables the whole preparation (check, parse, validation, cost) is remembered.
    plain = "query PlainProbe { __typename }"
    await run(schema, services, plain)
    before = cached_parse.cache_info(), cached_validate.cache_info()
    for _ in range(3):
        assert await run(schema, services, plain) == []
    assert (cached_parse.cache_info(), cached_validate.cache_info()) == before


async def test_a_lone_surrogate_in_a_variable_or_the_query_is_bad_user_input(
    schema: GatewaySchema, services: Services
) -> None:
    mutation = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }"
    errors = await run(schema, services, mutation, i={"name": "Li \ud800"})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["fields"][0]["field"] == "variables.i.name"

    errors = await run(schema, services, 'mutation { createCustomer(input: {name: "\udfff"}) { id } }')
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["fields"][0]["field"] == "query"
    assert rpc_count(services) == 0


def test_ten_thousand_operation_names_make_a_bounded_set_of_labels() -> None:
    metrics = GatewayMetrics()
    for index in range(10_000):
        metrics.observe_operation(operation=f"Op{index}", kind="query", ok=True, seconds=0.001)
    metrics.observe_operation(operation="has space", kind="query", ok=True, seconds=0.001)
    labels = {
        sample.labels["operation"]
        for metric in metrics.registry.collect()
        if metric.name == "crm_gateway_graphql_operations"
        for sample in metric.samples
    }
    assert len(labels) == 201
    assert "other" in labels
    assert "Op0" in labels and "Op9999" not in labels
