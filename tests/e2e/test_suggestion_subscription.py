"""`suggestionAdded` delivers new conversation suggestions live, scoped by the token and the customer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from nats.aio.client import Client as NATS
from websockets.asyncio.client import ClientConnection, connect

from common import cloudevents
from tests.e2e.conversation_support import FIRST_CALL, define_library, ingest
from tests.e2e.graphql import create_customer
from tests.support.stack import Stack

SUBSCRIBE = """
subscription($id: ID) {
  suggestionAdded(customerId: $id) {
    id customerId conversationId tagKey value action confidence reason status displayName
    evidence { turnIndex quote }
  }
}
"""
PROBE_ID = "sug_probe"


async def announce(nc: NATS, stack: Stack, *, tenant: str, customer_id: str, suggestion_id: str) -> None:
    """Publish a suggested event as the tags service would, for a suggestion it does not have."""
    data = {
        "suggestion_id": suggestion_id,
        "customer_id": customer_id,
        "conversation_id": "cnv_probe",
        "tag_key": "pref.suv",
        "value": "",
        "action": "assign",
        "confidence": 0.6,
        "reason": 'keyword "SUV"; hedged: 可能',
        "quote": "可能要SUV",
        "at": "2026-01-01T00:00:00.000Z",
    }
    event = cloudevents.make_event(
        type="crm.tags.suggested.v1", source="e2e", tenant=tenant, data=data, subject=customer_id
    )
    await nc.publish(f"{stack.namespace}.evt.{tenant}.tags.suggested", cloudevents.encode(event))
    await nc.flush()


async def next_suggestion(ws: ClientConnection, *, within: float) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert message["type"] == "next", message
    suggestion: dict[str, Any] = message["payload"]["data"]["suggestionAdded"]
    return suggestion


async def until_subscribed(ws: ClientConnection, nc: NATS, stack: Stack, customer_id: str) -> dict[str, Any]:
    """The protocol has no 'subscribed' ack: announce a probe until one arrives."""
    for _ in range(40):
        await announce(nc, stack, tenant="acme", customer_id=customer_id, suggestion_id=PROBE_ID)
        try:
            return await next_suggestion(ws, within=0.25)
        except TimeoutError:
            continue
    raise AssertionError("subscription never delivered a probe")


async def test_subscriber_receives_a_new_suggestion_about_its_customer(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        async with stack.client() as client:
            await define_library(client)
            customer_id = await create_customer(client, "Live Lu", "live.lu@example.com")
            other_id = await create_customer(client, "Other Qin", "other.qin@example.com")

            async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                init = {"Authorization": f"Bearer {stack.token('acme')}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                subscribe = {"query": SUBSCRIBE, "variables": {"id": customer_id}}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
                probe = await until_subscribed(ws, nc, stack, customer_id)

                # Another tenant's announcement and another customer's suggestion must not arrive.
                await announce(
                    nc, stack, tenant="globex", customer_id=customer_id, suggestion_id="sug_globex"
                )
                await ingest(client, other_id, FIRST_CALL)
                reply = await ingest(client, customer_id, FIRST_CALL)

                received: list[dict[str, Any]] = []
                while not received or received[-1]["id"] == PROBE_ID:
                    received.append(await next_suggestion(ws, within=10))
                await ws.send(json.dumps({"id": "1", "type": "complete"}))
    finally:
        await nc.close()

    # An announcement the tags service cannot back up still reaches the subscriber as announced.
    assert (probe["id"], probe["status"], probe["action"], probe["evidence"]) == (
        PROBE_ID,
        "PENDING",
        "ASSIGN",
        None,
    )
    [family] = reply["suggested"]
    live = received[-1]
    assert live["id"] == family["id"]
    assert (live["customerId"], live["conversationId"]) == (customer_id, reply["conversation"]["id"])
    assert (live["tagKey"], live["status"], live["displayName"]) == ("pref.family", "PENDING", "家用")
    assert live["evidence"] == {"turnIndex": 2, "quote": "可能主要是家用吧"}
    assert {s["id"] for s in received[:-1]} <= {PROBE_ID}
