"""The lead pool through GraphQL as reps and a manager use it: define, claim, lose a claim and be told
why, release with a reason, see the previous owner, call-backs due live, tenants apart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
from nats.aio.client import Client as NATS
from websockets.asyncio.client import ClientConnection, connect

from common import cloudevents
from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.stack import Stack

DEFINE = """mutation($input: DefinePoolInput!) { definePool(input: $input) {
  id name claimLimit lostReasons assignment } }"""
ADD = "mutation($pool: ID!, $ids: [ID!]!) { addLeadsToPool(poolId: $pool, customerIds: $ids) { ownerId } }"
CLAIM = (
    "mutation($id: ID!, $pool: ID!) { claimLead(customerId: $id, poolId: $pool) { ownerId releaseDueAt } }"
)
RELEASE = """mutation($id: ID!, $reason: String!, $note: String) {
  releaseLead(customerId: $id, reason: $reason, note: $note) { ownerId lastReason } }"""
FOLLOW_UP = """mutation($id: ID!) { recordFollowUp(customerId: $id, kind: CALL, outcome: "有兴趣", notes: "要报价") {
  kind outcome repId } }"""
PROMISE = """mutation($id: ID!, $at: DateTime!) { promiseCallback(customerId: $id, dueAt: $at, text: "周五回电") {
  id state ownerId } }"""
CUSTOMERS = """{ customers(first: 10) { edges { node { id pool { poolId ownerId lastReason
  previousOwners { ownerId reason note automatic } followUps { repId kind outcome notes } } } } } }"""
POOL = """query($id: ID!) { pool(id: $id) { name leads(first: 10, unclaimedOnly: true) {
  edges { node { customer { id } ownerId } } } } }"""
DUE = "subscription($all: Boolean! = false) { callbacksDue(allOwners: $all) { id text ownerId customer { id } } }"
PING = "ping"


def client(
    stack: Stack, subject: str, *, tenant: str = "acme", roles: tuple[str, ...] = ("sales",)
) -> httpx.AsyncClient:
    token = stack.token(tenant, roles, subject=subject)
    return httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


async def test_reps_claim_lose_with_a_reason_release_and_the_next_owner_sees_why(stack: Stack) -> None:
    async with (
        client(stack, "boss", roles=("admin",)) as boss,
        client(stack, "li") as li,
        client(stack, "wang") as wang,
        client(stack, "li", tenant="globex") as alien,
    ):
        pool = (
            await ok(
                boss, DEFINE, input={"name": "华东", "region": "上海", "claimLimit": 1, "cooldownHours": 0}
            )
        )["definePool"]
        assert pool["lostReasons"] == ["预算不足", "非决策人", "选择竞品", "无响应", "无效", "其他"]
        a = await create_customer(boss, "Pool A", "pool.a@example.com")
        b = await create_customer(boss, "Pool B", "pool.b@example.com")
        await ok(boss, ADD, pool=pool["id"], ids=[a, b])

        assert (await ok(li, CLAIM, id=a, pool=pool["id"]))["claimLead"]["ownerId"] == "li"
        lost = await gql(wang, CLAIM, id=a, pool=pool["id"])
        assert codes(lost) == ["CONFLICT"] and lost["errors"][0]["extensions"]["reason"] == "already_claimed"
        full = await gql(li, CLAIM, id=b, pool=pool["id"])
        assert full["errors"][0]["extensions"]["reason"] == "limit_reached"
        assert "limit" in full["errors"][0]["message"]

        await ok(li, FOLLOW_UP, id=a)
        bad = await gql(li, RELEASE, id=a, reason="不想跟了")
        assert codes(bad) == ["BAD_USER_INPUT"] and "预算不足" in bad["errors"][0]["message"]
        stolen = await gql(wang, RELEASE, id=a, reason="无响应")
        assert codes(stolen) == ["FORBIDDEN"]
        released = await ok(li, RELEASE, id=a, reason="选择竞品", note="签了友商")
        assert released["releaseLead"] == {"ownerId": None, "lastReason": "选择竞品"}
        assert await ok(wang, CLAIM, id=a, pool=pool["id"])

        views = {
            e["node"]["id"]: e["node"]["pool"] for e in (await ok(wang, CUSTOMERS))["customers"]["edges"]
        }
        assert views[a]["ownerId"] == "wang"
        assert views[a]["previousOwners"] == [
            {"ownerId": "li", "reason": "选择竞品", "note": "签了友商", "automatic": False}
        ]
        assert views[a]["followUps"] == [
            {"repId": "li", "kind": "CALL", "outcome": "有兴趣", "notes": "要报价"}
        ]
        assert views[b] == {**views[b], "ownerId": None, "previousOwners": []}

        left = await ok(boss, POOL, id=pool["id"])
        assert [e["node"]["customer"]["id"] for e in left["pool"]["leads"]["edges"]] == [b]
        # Another tenant sees no pools and cannot touch this one's leads.
        assert (await ok(alien, "{ pools { id } }"))["pools"] == []
        assert codes(await gql(alien, CLAIM, id=b, pool=pool["id"])) == ["NOT_FOUND"]
        assert codes(await gql(boss, DEFINE, input={"name": "x", "claimLimit": 0})) == ["BAD_USER_INPUT"]


async def ping(nc: NATS, stack: Stack, owner: str, event_type: str) -> None:
    """A stand-in event on a test subject: the subscription cannot say it is ready, this can."""
    data = {"callback_id": PING, "customer_id": PING, "owner_id": owner, "text": PING, "reason": PING}
    event = cloudevents.make_event(type=event_type, source="e2e", tenant="acme", data=data)
    await nc.publish(f"{stack.namespace}.evt.acme.e2e.ping", cloudevents.encode(event))
    await nc.flush()


async def next_due(ws: ClientConnection, *, within: float, field: str = "callbacksDue") -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert message["type"] == "next", message
    event: dict[str, Any] = message["payload"]["data"][field]
    return event


@asynccontextmanager
async def due_feed(
    stack: Stack,
    nc: NATS,
    subject: str,
    *,
    query: str = DUE,
    field: str = "callbacksDue",
    event_type: str = "crm.leads.callback_due.v1",
    marker: str = "text",
) -> AsyncIterator[ClientConnection]:
    async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"Authorization": f"Bearer {stack.token('acme', ('sales',), subject=subject)}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        for _ in range(40):
            await ping(nc, stack, subject, event_type)
            try:
                if (await next_due(ws, within=0.25, field=field))[marker] == PING:
                    break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the subscription never delivered a ping")
        while True:
            try:
                await next_due(ws, within=0.3, field=field)
            except TimeoutError:
                break
        yield ws


async def test_a_promised_call_back_reaches_its_owner_live_when_due_and_nobody_else(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        async with client(stack, "boss", roles=("admin",)) as boss, client(stack, "li") as li:
            pool = (await ok(boss, DEFINE, input={"name": "华南", "region": "广州"}))["definePool"]
            lead = await create_customer(boss, "Due Lead", "due.lead@example.com")
            await ok(boss, ADD, pool=pool["id"], ids=[lead])
            await ok(li, CLAIM, id=lead, pool=pool["id"])
            refused = await gql(li, "{ missedCallbacks(allOwners: true) { edges { node { id } } } }")
            assert codes(refused) == ["FORBIDDEN"]
            async with due_feed(stack, nc, "li") as mine, due_feed(stack, nc, "wang") as theirs:
                at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
                promised = (await ok(li, PROMISE, id=lead, at=at))["promiseCallback"]
                assert promised["state"] == "PENDING"
                event = await next_due(mine, within=20)
                assert event == {
                    "id": promised["id"],
                    "text": "周五回电",
                    "ownerId": "li",
                    "customer": {"id": lead},
                }
                try:
                    got = await next_due(theirs, within=1.0)
                except TimeoutError:
                    got = None
                assert got is None
    finally:
        await nc.close()


RELEASES = "subscription { leadsReleased { customer { id } ownerId reason automatic } }"
RELEASED = "crm.leads.released.v1"


async def test_a_lead_without_follow_up_is_released_by_itself_and_its_owner_hears_it_live(
    stack: Stack,
) -> None:
    async with client(stack, "boss", roles=("admin",)) as boss, client(stack, "li") as li:
        pool = (await ok(boss, DEFINE, input={"name": "西南", "region": "成都", "followUpDays": 3}))[
            "definePool"
        ]
        lead = await create_customer(boss, "Silent Lead", "silent.lead@example.com")
        await ok(boss, ADD, pool=pool["id"], ids=[lead])
        await ok(li, CLAIM, id=lead, pool=pool["id"])
        nc = await nats.connect(stack.nats_url)
        try:
            feed = due_feed(
                stack, nc, "li", query=RELEASES, field="leadsReleased", event_type=RELEASED, marker="reason"
            )
            async with feed as ws:
                # Three days without a follow-up, faked: the claim moved back and its timer brought forward.
                runtime = stack.running["leads"].runtime
                stored = await runtime.db["pool_leads"].find_one({"customer_id": lead})
                assert stored is not None
                old = stored["claimed_ms"] - 4 * 86_400_000
                await runtime.db["pool_leads"].update_one(
                    {"_id": stored["_id"]}, {"$set": {"claimed_ms": old}}
                )
                await runtime.scheduler.schedule(
                    tenant="acme",
                    kind="leads.auto_release",
                    key=stored["claim_id"],
                    due_at=datetime.now(UTC),
                    payload={"customer_id": lead},
                )
                assert await next_due(ws, within=20, field="leadsReleased") == {
                    "customer": {"id": lead},
                    "ownerId": "li",
                    "reason": "无跟进",
                    "automatic": True,
                }
        finally:
            await nc.close()
        view = await ok(boss, CUSTOMERS)
        [mine] = [e["node"]["pool"] for e in view["customers"]["edges"] if e["node"]["id"] == lead]
        assert mine["ownerId"] is None and mine["previousOwners"][0]["automatic"] is True
