"""What a client gets over HTTP, whichever way the gateway takes to answer.

A plain JSON POST of one operation is answered by the gateway's own short path; everything else
(GET, batches, malformed bodies) by strawberry. Both must give the same answers, the checks must
hold on both, and a remembered (prepared) document must behave as a fresh one.
"""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.stack import Stack

TWO_OPERATIONS = "query First { __typename } query Second { customers(first: 1) { edges { node { id } } } }"


async def test_the_same_query_answers_alike_over_post_and_get(stack: Stack) -> None:
    async with stack.client() as client:
        await create_customer(client, "Path Ada", "path.ada@example.com")
        query = "{ customers(first: 5) { edges { node { profile { name } } } } }"
        posted = await client.post("/graphql", json={"query": query})
        got = await client.get("/graphql", params={"query": query})

    assert posted.status_code == got.status_code == 200
    assert posted.headers["content-type"] == got.headers["content-type"] == "application/json"
    assert posted.json() == got.json()
    assert posted.json()["data"]["customers"]["edges"] == [{"node": {"profile": {"name": "Path Ada"}}}]


async def test_requests_that_are_not_one_well_formed_operation_get_a_400(stack: Stack) -> None:
    async with stack.client() as client:
        malformed = await client.post(
            "/graphql", content=b'{"query": ', headers={"content-type": "application/json"}
        )
        batch = await client.post("/graphql", json=[{"query": "{ __typename }"}])
        no_query = await client.post("/graphql", json={"variables": {}})
        unknown_name = await client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "Third"})
        query_not_text = await client.post("/graphql", json={"query": 5})
        mutation_over_get = await client.get(
            "/graphql", params={"query": 'mutation { createCustomer(input: {name: "x"}) { id } }'}
        )
        customers = await ok(client, "{ customers(first: 5) { edges { node { id } } } }")

    assert malformed.status_code == 400 and "Unable to parse request body as JSON" in malformed.text
    assert batch.status_code == 400
    assert no_query.status_code == 400 and "No GraphQL query found" in no_query.text
    assert unknown_name.status_code == 400 and 'Unknown operation named "Third"' in unknown_name.text
    assert query_not_text.status_code == 400
    assert mutation_over_get.status_code == 400
    assert customers["customers"]["edges"] == []  # the refused mutation created nothing


async def test_a_remembered_document_still_picks_the_named_operation_and_counts_per_name(
    stack: Stack,
) -> None:
    async with stack.client() as client:
        replies = [
            await client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": name})
            for name in ("First", "Second", "First", "Second")
        ]
        metrics = (await client.get("/metrics")).text

    bodies = [r.json() for r in replies]
    assert bodies[0] == bodies[2] == {"data": {"__typename": "Query"}}
    assert bodies[1] == bodies[3] == {"data": {"customers": {"edges": []}}}
    assert 'crm_gateway_graphql_operations_total{operation="First",outcome="ok",type="query"} 2.0' in metrics
    assert 'crm_gateway_graphql_operations_total{operation="Second",outcome="ok",type="query"} 2.0' in metrics


async def test_a_remembered_document_is_refused_each_time_it_is_over_a_limit(stack: Stack) -> None:
    costly = (
        "{ "
        + " ".join(f"a{i}: customers(first: 100) {{ edges {{ node {{ id }} }} }}" for i in range(30))
        + " }"
    )
    async with stack.client() as client:
        first = await gql(client, costly)
        second = await gql(client, costly)
        surrogate = await client.post(
            "/graphql",
            content=b'{"query": "{ __typename }", "operationName": "\\ud800"}',
            headers={"content-type": "application/json"},
        )

    assert codes(first) == codes(second) == ["QUERY_TOO_COSTLY"]
    assert first["data"] is second["data"] is None
    assert codes(surrogate.json()) == ["BAD_USER_INPUT"]


async def test_every_operation_gets_one_span_named_after_it_with_its_tenant(
    stack: Stack, span_exporter: InMemorySpanExporter
) -> None:
    async with stack.client(tenant="acme") as client:
        for _ in range(2):
            await ok(client, "query SpanProbe { customers(first: 1) { edges { node { id } } } }")
        refusal = await client.post(
            "/graphql", json={"query": "query SpanRefused { nope }", "operationName": "SpanRefused"}
        )
    assert codes(refusal.json()) == ["GRAPHQL_VALIDATION_FAILED"]

    probes = [s for s in span_exporter.get_finished_spans() if s.name == "graphql SpanProbe"]
    [refused] = [s for s in span_exporter.get_finished_spans() if s.name == "graphql SpanRefused"]
    assert len(probes) == 2
    for span in probes:
        assert span.attributes is not None
        assert span.attributes["graphql.operation.type"] == "query"
        assert span.attributes["crm.tenant.id"] == "acme"
        assert span.status.is_ok
        # The backend call made while resolving joined the operation's trace.
        children = [
            s
            for s in span_exporter.get_finished_spans()
            if s.parent is not None and s.parent.span_id == span.context.span_id
        ]
        assert children, "the backend call's span is a child of the operation's span"
    assert not refused.status.is_ok


async def test_a_body_that_is_not_utf8_is_bad_user_input_not_a_server_error(stack: Stack) -> None:
    async with stack.client() as client:
        reply = await client.post(
            "/graphql",
            content=b'{"query": "{ __typename }", "variables": {"x": "\xff"}}',
            headers={"content-type": "application/json"},
        )
    assert reply.status_code == 400
    assert codes(reply.json()) == ["BAD_USER_INPUT"]


async def test_a_client_that_never_authenticated_gets_401_on_the_short_path_too(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=15) as client:
        reply = await client.post("/graphql", json={"query": "{ __typename }"})
    assert reply.status_code == 401
    assert codes(reply.json()) == ["UNAUTHENTICATED"]
