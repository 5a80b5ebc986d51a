"""Limits a client meets over HTTP: cost, body size, invalid Unicode, bounded metric labels."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx

from tests.e2e.graphql import CREATE_CUSTOMER, codes, create_customer, gql, ok
from tests.support.stack import Stack

ABUSIVE = (
    "{ "
    + " ".join(
        f"a{i}: customers(first: 100) {{ edges {{ node {{ tagHistory {{ entries {{ tagKey }} }} "
        "journey { timeline { edges { node { type } } } } } } }"
        for i in range(30)
    )
    + " }"
)


def backend_rpcs(metrics: str) -> float:
    return sum(
        float(v) for v in re.findall(r"^crm_gateway_backend_rpcs_total\{[^}]*\} (\S+)$", metrics, re.M)
    )


async def test_the_reviewed_abusive_query_is_refused_with_its_cost_before_any_backend_call(
    stack: Stack,
) -> None:
    async with stack.client() as client:
        await create_customer(client, "Cost Wu", "cost.wu@example.com")
        before = backend_rpcs((await client.get("/metrics")).text)
        body = await gql(client, ABUSIVE)
        after = backend_rpcs((await client.get("/metrics")).text)
        # A legitimate detail view of the same data is well within the limit.
        page = await ok(
            client,
            "{ customers(first: 20) { edges { node { tagHistory(first: 5) { entries { tagKey } } "
            "journey { timeline(first: 5) { edges { node { type } } } } } } } }",
        )

    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["maximumCost"] == stack.settings.max_cost
    assert error["extensions"]["cost"] > 100 * stack.settings.max_cost / 10
    assert after == before
    assert len(page["customers"]["edges"]) == 1


async def test_a_body_declared_larger_than_the_limit_is_refused_unread(stack: Stack) -> None:
    async with stack.client() as client:
        reply = await client.post(
            "/graphql",
            content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
    assert reply.status_code == 413
    assert reply.json()["errors"][0]["extensions"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "maximumBytes": 1024 * 1024,
    }


async def test_a_streamed_body_is_cut_off_at_the_limit(stack: Stack) -> None:
    """A chunked body without Content-Length: the answer is 413 long before the client is done sending."""
    host, port = stack.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        (
            f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {stack.token()}\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    chunk = b" " * 65536
    sent = 0
    answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    try:
        while not answer.done() and sent < 64 * 1024 * 1024:
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
            sent += len(chunk)
            await asyncio.sleep(0)
        head = await asyncio.wait_for(answer, timeout=10)
    except (ConnectionError, asyncio.IncompleteReadError):
        head = await asyncio.wait_for(answer, timeout=10)
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 413"), head
    assert sent < 16 * 1024 * 1024, f"the server kept reading: {sent} bytes sent before the answer"


async def escaped(client: httpx.AsyncClient, payload: dict[str, Any]) -> httpx.Response:
    """POST `payload` as JSON with non-ASCII escaped, so a lone surrogate travels as `\\ud800`."""
    body = json.dumps(payload).encode()
    return await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})


async def test_lone_surrogates_are_bad_user_input_and_store_nothing(stack: Stack) -> None:
    async with stack.client() as client:
        in_variable = (
            await escaped(client, {"query": CREATE_CUSTOMER, "variables": {"input": {"name": "Zhao \ud800"}}})
        ).json()
        in_query = await client.post(
            "/graphql",
            content=b'{"query": "mutation { createCustomer(input: {name: \\"\\udfff\\"}) { id } }"}',
            headers={"Content-Type": "application/json"},
        )
        in_name = await escaped(client, {"query": "query Q { __typename }", "operationName": "Q\ud800"})
        listed = await ok(client, "{ customers(first: 5) { edges { node { id } } } }")

    assert codes(in_variable) == ["BAD_USER_INPUT"]
    assert in_variable["errors"][0]["extensions"]["fields"][0]["field"] == "variables.input.name"
    assert in_query.status_code == 200
    assert codes(in_query.json()) == ["BAD_USER_INPUT"]
    assert in_query.json()["errors"][0]["extensions"]["fields"][0]["field"] == "query"
    assert codes(in_name.json()) == ["BAD_USER_INPUT"]
    assert listed["customers"]["edges"] == []


async def test_operation_names_beyond_the_bounded_set_are_counted_as_other(stack: Stack) -> None:
    async with stack.client() as client:

        async def named(index: int) -> None:
            await ok(client, f"query Name{index} {{ __typename }}")

        for start in range(0, 260, 20):
            await asyncio.gather(*(named(i) for i in range(start, start + 20)))
        text = (await client.get("/metrics")).text

    names = set(re.findall(r'^crm_gateway_graphql_operations_total\{operation="([^"]*)"', text, re.M))
    assert len(names) <= 201
    assert "other" in names
    assert re.search(
        r'crm_gateway_graphql_operations_total\{operation="other",outcome="ok",type="query"\} (\d+)', text
    )


async def test_a_malformed_client_timeout_is_refused(stack: Stack) -> None:
    async with stack.client() as client:
        reply = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Timeout-Ms": "soon"}
        )
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_stack_helper_clients_share_nothing(stack: Stack) -> None:
    # Sanity: a plain anonymous request still gets 401 before any limit applies.
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        reply = await client.post("/graphql", json={"query": "{ __typename }"})
    assert reply.status_code == 401
