"""Readiness speaks for the gateway process: NATS going away does not take it out of service."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from common.local_servers import free_port, start_nats
from gateway.auth import issue_token
from tests.e2e.graphql import eventually
from tests.support.stack import JWT_ISSUER, JWT_SECRET, gateway_settings, serving_gateway


async def test_with_nats_down_the_gateway_stays_ready_and_says_so(tmp_path: Path, namespace: str) -> None:
    nats = start_nats(tmp_path / "nats")
    unused = free_port()  # no backend at all: the answer must not depend on them either
    settings = gateway_settings(
        peers={svc: f"127.0.0.1:{unused}" for svc in ("tags", "journey", "intent", "leads")},
        nats_url=nats.url,
        namespace=namespace,
    )
    token = issue_token(secret=JWT_SECRET, issuer=JWT_ISSUER, tenant="acme", roles=("admin",), subject="u")
    try:
        async with (
            serving_gateway(settings) as port,
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=10
            ) as client,
        ):
            before = (await client.get("/readyz")).json()
            await asyncio.to_thread(nats.stop)

            async def disconnected() -> httpx.Response | None:
                reply = await client.get("/readyz")
                return reply if reply.json().get("nats") == "disconnected" else None

            after = await eventually(disconnected, within=10)
            query = await client.post("/graphql", json={"query": "{ __typename }"})
    finally:
        nats.stop()

    assert before == {"ready": True, "nats": "connected"}
    assert after.status_code == 200
    assert after.json() == {"ready": True, "nats": "disconnected"}
    assert query.json() == {"data": {"__typename": "Query"}}
