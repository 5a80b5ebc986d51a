"""Stale deals through GraphQL: a customer who stays in a stage past its daysToRot is listed for his
owner, and `journey.deal_stale` is published once for that stay; moving on clears it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.e2e.graphql import codes, eventually, gql, ok
from tests.e2e.test_journeys import CREATE, DEFINE, RECORD, SET_DEFAULT, days_ago
from tests.support.events import connect, subscribe
from tests.support.stack import Stack

STAGES = [
    {"key": "call", "name": "来电", "touchpointTypes": ["call_inbound"]},
    {"key": "visit", "name": "到店", "touchpointTypes": ["store_visit"], "daysToRot": 1},
    {"key": "quote", "name": "报价", "touchpointTypes": ["quote_sent"], "daysToRot": 7},
]
STALE = """
query($owner: String, $first: Int!, $after: String) {
  staleDeals(ownerId: $owner, first: $first, after: $after) {
    edges { cursor node { customerId ownerId journey version stage enteredAt staleAt daysToRot } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def rep(stack: Stack, subject: str) -> httpx.AsyncClient:
    token = stack.token("acme", ("sales",), subject=subject)
    return httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


async def visit(admin: httpx.AsyncClient, name: str, owner: str, *, days: float) -> str:
    created = await ok(admin, CREATE, input={"name": name, "email": f"{name}@rot.example", "ownerId": owner})
    customer_id: str = created["createCustomer"]["id"]
    for kind, at in (("call_inbound", days + 0.5), ("store_visit", days)):
        await ok(admin, RECORD, input={"customerId": customer_id, "type": kind, "occurredAt": days_ago(at)})
    return customer_id


async def stale_ids(client: httpx.AsyncClient, **variables: Any) -> list[str]:
    data = await ok(client, STALE, first=variables.pop("first", 20), **variables)
    return [e["node"]["customerId"] for e in data["staleDeals"]["edges"]]


async def test_a_deal_that_stays_too_long_is_listed_for_its_owner_and_announced_once(stack: Stack) -> None:
    nc = await connect(stack.nats_url)
    try:
        announced = await subscribe(nc, f"{stack.namespace}.evt.acme.journey.deal_stale")
        async with stack.client() as admin, rep(stack, "rep-1") as rep1:
            await ok(admin, DEFINE, input={"key": "cars", "stages": STAGES})
            await ok(admin, SET_DEFAULT, key="cars")
            late = await visit(admin, "late", "rep-1", days=3)  # stale for two days already
            older = await visit(admin, "older", "rep-1", days=5)
            fresh = await visit(admin, "fresh", "rep-1", days=0.1)  # not stale yet
            others = await visit(admin, "others", "rep-2", days=2)

            events = await announced.wait_for(3, within=20)
            assert sorted(e["data"]["customer_id"] for e in events) == sorted([late, older, others])
            first = next(e for e in events if e["data"]["customer_id"] == late)
            assert first["type"] == "crm.journey.deal_stale.v1"
            assert (first["data"]["journey"], first["data"]["stage"], first["data"]["days_to_rot"]) == (
                "cars",
                "visit",
                1,
            )

            # Listed in the order they turned stale; the rep sees his own, the admin everyone's.
            assert await stale_ids(admin) == [older, late, others]
            assert await stale_ids(rep1) == [older, late]
            assert await stale_ids(admin, owner="rep-2") == [others]
            assert codes(await gql(rep1, STALE, owner="rep-2", first=5)) == ["FORBIDDEN"]
            page = (await ok(admin, STALE, first=1))["staleDeals"]
            assert page["pageInfo"]["hasNextPage"]
            rest = await stale_ids(admin, after=page["pageInfo"]["endCursor"])
            assert rest == [late, others]
            node = page["edges"][0]["node"]
            assert (node["ownerId"], node["stage"], node["version"]) == ("rep-1", "visit", 1)
            assert node["enteredAt"] < node["staleAt"]

            # A touchpoint that moves no stage announces nothing again; moving on clears the deal.
            await ok(admin, RECORD, input={"customerId": late, "type": "wechat_message"})
            await ok(admin, RECORD, input={"customerId": older, "type": "quote_sent"})

            async def cleared() -> bool:
                return await stale_ids(admin) == [late, others]

            await eventually(cleared)
            await asyncio.sleep(2)
            assert len(announced.events) == 3
            assert fresh not in await stale_ids(admin)
    finally:
        await nc.close()
