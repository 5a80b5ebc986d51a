"""Without a valid token nothing is executed and no backend is called."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.auth import issue_token
from tests.e2e.graphql import CUSTOMER_VIEW
from tests.support.stack import Stack

QUERY = {"query": CUSTOMER_VIEW, "variables": {"id": "cus_01J0000000000000000000000A"}}


def backend_rpcs(metrics_text: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics_text.splitlines()
        if line.startswith("crm_gateway_backend_rpcs_total{")
    )


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-jwt",
        "Basic dXNlcjpwYXNz",
        "Bearer "
        + issue_token(secret="someone-elses-secret-0123456789abcdef", tenant="acme", roles=[], subject="x"),
    ],
    ids=["no-token", "garbage", "basic-auth", "forged"],
)
async def test_request_without_a_valid_token_is_unauthenticated(
    stack: Stack, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with stack.anonymous() as client:
        reply = await client.post("/graphql", json=QUERY, headers=headers)
        metrics = await client.get("/metrics")

    assert reply.status_code == 401
    body = reply.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert backend_rpcs(metrics.text) == 0


async def test_graphiql_opens_in_a_browser_without_a_token(stack: Stack) -> None:
    async with stack.anonymous() as client:
        reply = await client.get("/graphql", headers={"Accept": "text/html"})
    assert reply.status_code == 200
    assert "graphiql" in reply.text.lower()


async def test_websocket_with_a_bad_token_is_refused(stack: Stack) -> None:
    async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403
