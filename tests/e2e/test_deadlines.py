"""Backend calls end with the client: its deadline bounds them, its departure cancels them.

The backends here are real TCP listeners that accept connections and never answer (a hung peer),
so a call would wait for its full 5 s timeout unless the gateway ends it sooner.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.auth import issue_token
from tests.support.stack import JWT_ISSUER, JWT_SECRET, gateway_settings, serving_gateway

VIEW = '{ customer(id: "cus_01J0000000000000000000000A") { id profile { name } } }'


@pytest.fixture
async def hung_gateway(nats_url: str, namespace: str) -> AsyncIterator[httpx.AsyncClient]:
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        with contextlib.suppress(Exception):
            while await reader.read(65536):
                pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    hung = server.sockets[0].getsockname()[1]
    settings = gateway_settings(
        peers={svc: f"127.0.0.1:{hung}" for svc in ("tags", "journey", "intent", "leads")},
        nats_url=nats_url,
        namespace=namespace,
        rpc_timeout_seconds=5.0,
        operation_timeout_seconds=3.0,
    )
    token = issue_token(secret=JWT_SECRET, issuer=JWT_ISSUER, tenant="acme", roles=("admin",), subject="u")
    try:
        async with contextlib.AsyncExitStack() as stack:
            port = await stack.enter_async_context(serving_gateway(settings))
            yield await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
                )
            )
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_the_client_deadline_shortens_every_backend_call(hung_gateway: httpx.AsyncClient) -> None:
    started = time.monotonic()
    reply = await hung_gateway.post(
        "/graphql", json={"query": VIEW}, headers={"X-Request-Timeout-Ms": "400"}, timeout=10
    )
    took = time.monotonic() - started
    body = reply.json()
    assert body["data"] == {"customer": None}
    assert body["errors"][0]["extensions"] == {"code": "DEADLINE_EXCEEDED", "budgetSeconds": 0.4}
    assert took < 3.0, f"answered after {took:.1f}s, not at the client's 0.4 s"


async def test_the_gateway_budget_bounds_an_operation_without_a_client_deadline(
    hung_gateway: httpx.AsyncClient,
) -> None:
    started = time.monotonic()
    body = (await hung_gateway.post("/graphql", json={"query": VIEW}, timeout=10)).json()
    took = time.monotonic() - started
    assert body["errors"][0]["extensions"] == {"code": "DEADLINE_EXCEEDED", "budgetSeconds": 3.0}
    assert took < 4.9, f"answered after {took:.1f}s: the 5 s call timeout, not the 3 s budget"


async def test_a_client_that_goes_away_cancels_the_calls_in_flight(hung_gateway: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.TimeoutException):
        await hung_gateway.post("/graphql", json={"query": VIEW}, timeout=0.5)
    started = time.monotonic()

    async def cancelled() -> str | None:
        text = (await hung_gateway.get("/metrics")).text
        rpc = re.search(r'crm_gateway_backend_rpcs_total\{code="CANCELLED",method="BatchGetCustomers"', text)
        gone = re.search(r"^crm_gateway_client_disconnects_total 1\.0$", text, re.M)
        return text if rpc and gone else None

    while await cancelled() is None:
        assert time.monotonic() - started < 2.0, "the call was not cancelled when the client left"
        await asyncio.sleep(0.05)


async def test_readiness_holds_while_no_backend_answers(hung_gateway: httpx.AsyncClient) -> None:
    ready = await hung_gateway.get("/readyz")
    backends = await hung_gateway.get("/backends", timeout=10)
    assert ready.status_code == 200
    assert backends.status_code == 503
    assert set(backends.json()["backends"].values()) == {"DEADLINE_EXCEEDED"}
