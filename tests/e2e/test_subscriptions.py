"""Live domain events reach GraphQL subscribers over graphql-transport-ws, scoped by the token."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from nats.aio.client import Client as NATS
from websockets.asyncio.client import ClientConnection, connect

from common import cloudevents
from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, create_customer, ok
from tests.support.stack import Stack

SUBSCRIBE = """
subscription($id: ID) { customerEvents(customerId: $id) { id type subject time data } }
"""
PING = "crm.e2e.ping.v1"


async def ping(nc: NATS, stack: Stack, *, tenant: str, customer_id: str) -> None:
    event = cloudevents.make_event(
        type=PING, source="e2e", tenant=tenant, data={"tenant": tenant}, subject=customer_id
    )
    await nc.publish(f"{stack.namespace}.evt.{tenant}.e2e.ping", cloudevents.encode(event))
    await nc.flush()


async def next_event(ws: ClientConnection, *, within: float) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert message["type"] == "next", message
    event: dict[str, Any] = message["payload"]["data"]["customerEvents"]
    return event


async def until_subscribed(ws: ClientConnection, nc: NATS, stack: Stack, customer_id: str) -> None:
    """The protocol has no 'subscribed' ack: ping until one arrives, so nothing later is missed."""
    for _ in range(40):
        await ping(nc, stack, tenant="acme", customer_id=customer_id)
        try:
            if (await next_event(ws, within=0.25))["type"] == PING:
                return
        except TimeoutError:
            continue
    raise AssertionError("subscription never delivered a ping")


async def test_subscriber_receives_tag_assigned_event_for_its_customer(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        async with stack.client() as client:
            customer_id = await create_customer(client, "Live Xu", "live.xu@example.com")
            other_id = await create_customer(client, "Other Ma", "other.ma@example.com")
            await ok(client, DEFINE_TAG, input={"key": "vip", "displayName": "VIP"})

            async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                init = {"Authorization": f"Bearer {stack.token('acme')}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                await ws.send(
                    json.dumps(
                        {
                            "id": "1",
                            "type": "subscribe",
                            "payload": {"query": SUBSCRIBE, "variables": {"id": customer_id}},
                        }
                    )
                )
                await until_subscribed(ws, nc, stack, customer_id)

                # Another tenant's event about the same id, and an event about another customer,
                # must not reach this subscriber.
                await ping(nc, stack, tenant="globex", customer_id=customer_id)
                await ok(client, ASSIGN_TAGS, id=other_id, tags=[{"key": "vip"}])
                await ok(client, ASSIGN_TAGS, id=customer_id, tags=[{"key": "vip"}])

                received: list[dict[str, Any]] = []
                while not received or received[-1]["type"] != "crm.tags.assigned.v1":
                    received.append(await next_event(ws, within=10))
                await ws.send(json.dumps({"id": "1", "type": "complete"}))
    finally:
        await nc.close()

    assigned = received[-1]
    assert assigned["subject"] == customer_id
    assert assigned["data"]["customer_id"] == customer_id
    assert all(e["subject"] == customer_id for e in received)
    assert all(e["data"].get("tenant") != "globex" for e in received)
