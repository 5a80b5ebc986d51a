"""Issue 9's story through the gateway: pricing page 3× in 2 days → one surge with its reason, heard live
by the owner (and by nobody else) → on the timeline → top of the call list → gone after a call."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
from nats.aio.client import Client as NATS
from websockets.asyncio.client import ClientConnection, connect

from common import cloudevents
from tests.e2e.graphql import codes, eventually, gql, ok
from tests.support.stack import Stack

CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
INGEST = "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }"
TOUCH = "mutation($input: TouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }"
CALL_LIST = """
query($owner: ID, $owners: [ID!], $all: Boolean! = false, $first: Int! = 20, $after: String) {
  callList(ownerId: $owner, ownerIds: $owners, allOwners: $all, first: $first, after: $after) {
    asOf candidatesTruncated
    pageInfo { hasNextPage endCursor }
    edges { cursor node { customer { id } ownerId rank score level reason lastContactAt
                          surge { at reason open windowDays types { type label count usual } } } }
  }
}
"""
SURGES = """
subscription($owner: ID, $all: Boolean! = false) {
  intentSurges(ownerId: $owner, allOwners: $all) {
    customer { id } ownerId reason score level windowDays surgedAt types { type label count usual }
  }
}
"""
CUSTOMER = """
query($id: ID!) {
  customer(id: $id) {
    intent { level surge { at reason open types { label count } } }
    journey { timeline(first: 10) { edges { node { id type kind notes actor occurredAt } } } }
  }
}
"""
PING = "ping"


def client(stack: Stack, tenant: str, roles: tuple[str, ...], subject: str) -> httpx.AsyncClient:
    token = stack.token(tenant, roles, subject=subject)
    return httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


async def create(c: httpx.AsyncClient, name: str, owner: str) -> str:
    data = await ok(c, CREATE, input={"name": name, "email": f"{name.lower()}@example.com", "ownerId": owner})
    customer_id: str = data["createCustomer"]["id"]
    return customer_id


async def owned(stack: Stack, customer_id: str, owner: str) -> None:
    """Precondition: the intent service has projected the customer's owner (leads' customer_created)."""
    scores = stack.running["intent"].runtime.db["scores"]

    async def projected() -> Any:
        return await scores.find_one({"customer_id": customer_id, "owner_id": owner})

    await eventually(projected, within=10, every=0.05)


def signals(customer_id: str, kind: str, times: list[datetime]) -> list[dict[str, Any]]:
    return [{"customerId": customer_id, "type": kind, "occurredAt": t.isoformat()} for t in times]


async def ping(nc: NATS, stack: Stack, tenant: str, owner: str) -> None:
    """A stand-in surge event on a test subject: the subscription cannot say it is ready, this can."""
    data = {"customer_id": PING, "owner_id": owner, "reason": PING, "surged_at_ms": 1}
    event = cloudevents.make_event(type="crm.intent.surged.v1", source="e2e", tenant=tenant, data=data)
    await nc.publish(f"{stack.namespace}.evt.{tenant}.e2e.ping", cloudevents.encode(event))
    await nc.flush()


@asynccontextmanager
async def surge_feed(
    stack: Stack, nc: NATS, *, tenant: str, roles: tuple[str, ...], subject: str, variables: dict[str, Any]
) -> AsyncIterator[ClientConnection]:
    async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"Authorization": f"Bearer {stack.token(tenant, roles, subject=subject)}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": SURGES, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        for _ in range(40):
            await ping(nc, stack, tenant, subject)
            try:
                if (await next_surge(ws, within=0.25))["reason"] == PING:
                    break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the subscription never delivered a ping")
        while True:  # drain the remaining pings
            try:
                await next_surge(ws, within=0.3)
            except TimeoutError:
                break
        yield ws


async def next_surge(ws: ClientConnection, *, within: float) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert message["type"] == "next", message
    event: dict[str, Any] = message["payload"]["data"]["intentSurges"]
    return event


async def nothing_more(ws: ClientConnection, *, within: float) -> None:
    try:
        got = await next_surge(ws, within=within)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected surge delivered: {got}")


async def test_three_pricing_views_surge_once_reach_the_owner_live_and_top_the_call_list(
    stack: Stack,
) -> None:
    now = datetime.now(UTC)
    nc = await nats.connect(stack.nats_url)
    rep = client(stack, "acme", ("sales",), "rep-li")
    admin = client(stack, "acme", ("admin",), "boss")
    stranger = client(stack, "globex", ("sales",), "rep-li")  # same person id, other tenant
    try:
        hot = await create(admin, "Hot", "rep-li")
        warm = await create(admin, "Warm", "rep-li")
        cold = await create(admin, "Cold", "rep-li")
        others = await create(admin, "Others", "rep-wu")
        for cid, owner in ((hot, "rep-li"), (warm, "rep-li"), (cold, "rep-li"), (others, "rep-wu")):
            await owned(stack, cid, owner)
        # Warm: two demo requests four days ago (MEDIUM, no burst in the last 2 days); cold: one read.
        await ok(admin, INGEST, s=signals(warm, "demo_request", [now - timedelta(days=4)] * 2))
        await ok(admin, INGEST, s=signals(cold, "content_read", [now - timedelta(hours=1)]))

        mine = {"tenant": "acme", "roles": ("sales",), "subject": "rep-li", "variables": {}}
        theirs = {"tenant": "acme", "roles": ("sales",), "subject": "rep-wu", "variables": {}}
        alien = {"tenant": "globex", "roles": ("sales",), "subject": "rep-li", "variables": {}}
        async with (
            surge_feed(stack, nc, **mine) as feed,  # type: ignore[arg-type]
            surge_feed(stack, nc, **theirs) as other_feed,  # type: ignore[arg-type]
            surge_feed(stack, nc, **alien) as alien_feed,  # type: ignore[arg-type]
        ):
            views = [now - timedelta(hours=30), now - timedelta(hours=5), now - timedelta(minutes=1)]
            sent = time.monotonic()
            await ok(admin, INGEST, s=signals(hot, "pricing_page_view", views))
            surge = await next_surge(feed, within=10)
            heard_after = time.monotonic() - sent
            # A fourth view inside the cool-down is no new surge.
            await ok(admin, INGEST, s=signals(hot, "pricing_page_view", [now]))
            await nothing_more(feed, within=1.5)
            await nothing_more(other_feed, within=0.2)
            await nothing_more(alien_feed, within=0.2)

        assert surge["customer"]["id"] == hot
        assert surge["ownerId"] == "rep-li"
        assert surge["reason"] == "3× 定价页 in 2 days; usually 0"
        assert surge["types"] == [{"type": "pricing_page_view", "label": "定价页", "count": 3, "usual": 0.0}]
        assert heard_after < 5, heard_after  # generous on this shared box; the bench measures p50/p99

        # The surge shows on the customer and, as a projection, on the timeline.
        async def on_timeline() -> dict[str, Any] | None:
            view = (await ok(rep, CUSTOMER, id=hot))["customer"]
            kinds = [e["node"]["kind"] for e in view["journey"]["timeline"]["edges"]]
            return view if "INTENT_SURGE" in kinds else None

        view = await eventually(on_timeline, within=10)
        assert view["intent"]["surge"]["reason"] == "3× 定价页 in 2 days; usually 0"
        assert view["intent"]["surge"]["open"] is True
        [entry] = [
            e["node"] for e in view["journey"]["timeline"]["edges"] if e["node"]["kind"] == "INTENT_SURGE"
        ]
        assert entry["notes"] == surge["reason"] and entry["actor"] == "intent"

        # The rep's call list: the surging customer first, with the surge as its reason; the cold one absent.
        listed = (await ok(rep, CALL_LIST))["callList"]
        nodes = [e["node"] for e in listed["edges"]]
        assert [n["customer"]["id"] for n in nodes] == [hot, warm]
        assert nodes[0]["reason"] == "3× 定价页 in 2 days; usually 0"
        assert nodes[0]["surge"]["open"] is True
        assert nodes[0]["rank"] > nodes[0]["score"]  # boosted by the fresh surge
        assert nodes[1]["reason"].startswith("2× 演示申请") and nodes[1]["surge"] is None
        assert nodes[1]["rank"] == nodes[1]["score"]

        # Pages keep the order: page 1 then page 2 give the same two entries.
        first = (await ok(rep, CALL_LIST, first=1))["callList"]
        assert first["pageInfo"]["hasNextPage"] is True
        second = (await ok(rep, CALL_LIST, first=1, after=first["pageInfo"]["endCursor"]))["callList"]
        assert [e["node"]["customer"]["id"] for e in first["edges"] + second["edges"]] == [hot, warm]
        assert second["pageInfo"]["hasNextPage"] is False

        # Another tenant's rep with the same id sees nothing of acme.
        assert (await ok(stranger, CALL_LIST))["callList"]["edges"] == []

        # A call recorded on the journey closes the surge: the customer drops off the list.
        await ok(rep, TOUCH, input={"customerId": hot, "type": "call", "channel": "phone"})

        async def dropped() -> list[str] | None:
            ids = [e["node"]["customer"]["id"] for e in (await ok(rep, CALL_LIST))["callList"]["edges"]]
            return ids if hot not in ids else None

        assert await eventually(dropped, within=10) == [warm]
        view = (await ok(rep, CUSTOMER, id=hot))["customer"]
        assert view["intent"]["surge"]["open"] is False
    finally:
        await nc.close()
        for c in (rep, admin, stranger):
            await c.aclose()


async def test_only_a_manager_sees_another_owners_list_or_everyones(stack: Stack) -> None:
    admin = client(stack, "acme", ("admin",), "boss")
    rep = client(stack, "acme", ("sales",), "rep-li")
    viewer = client(stack, "acme", ("viewer",), "auditor")
    try:
        a = await create(admin, "Ann", "rep-li")
        b = await create(admin, "Bob", "rep-wu")
        for cid, owner in ((a, "rep-li"), (b, "rep-wu")):
            await owned(stack, cid, owner)
        now = datetime.now(UTC)
        for cid in (a, b):
            await ok(
                admin,
                INGEST,
                s=signals(cid, "pricing_page_view", [now - timedelta(hours=h) for h in (1, 2, 3)]),
            )

        for caller, variables in (
            (rep, {"owner": "rep-wu"}),
            (rep, {"all": True}),
            (viewer, {"owners": ["rep-li"]}),
        ):
            body = await gql(caller, CALL_LIST, **variables)
            assert codes(body) == ["FORBIDDEN"], body
            assert body["data"] is None or body["data"].get("callList") is None

        async def team() -> list[str] | None:
            edges = (await ok(admin, CALL_LIST, owners=["rep-li", "rep-wu"]))["callList"]["edges"]
            return sorted(e["node"]["customer"]["id"] for e in edges) if len(edges) == 2 else None

        assert await eventually(team, within=10) == sorted([a, b])
        everyone = (await ok(admin, CALL_LIST, all=True))["callList"]["edges"]
        assert {e["node"]["customer"]["id"] for e in everyone} == {a, b}
        own = (await ok(rep, CALL_LIST, owner="rep-li"))["callList"]["edges"]
        assert [e["node"]["customer"]["id"] for e in own] == [a]
        assert (await ok(admin, CALL_LIST))["callList"]["edges"] == []  # the boss owns no customer

        body = await gql(rep, CALL_LIST, owner="rep-li", all=True)
        assert codes(body) == ["BAD_USER_INPUT"]
        body = await gql(rep, CALL_LIST, after="not-a-cursor")
        assert codes(body) == ["BAD_USER_INPUT"]
    finally:
        for c in (admin, rep, viewer):
            await c.aclose()
