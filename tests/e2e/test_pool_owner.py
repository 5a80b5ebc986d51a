"""The profile's owner follows the pool (issue 11): a claim makes the rep the customer's owner — seen
through GraphQL, announced once as `leads.customer_updated`, and on the rep's intent call list — a
first follow-up makes a new lead contacted, and a release clears the owner again."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
from nats.aio.msg import Msg

from tests.e2e.graphql import eventually, ok
from tests.support.stack import Stack

DEFINE = "mutation($input: DefinePoolInput!) { definePool(input: $input) { id } }"
CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
ADD = "mutation($pool: ID!, $ids: [ID!]!) { addLeadsToPool(poolId: $pool, customerIds: $ids) { ownerId } }"
CLAIM = "mutation($id: ID!, $pool: ID!) { claimLead(customerId: $id, poolId: $pool) { ownerId } }"
RELEASE = """mutation($id: ID!) { releaseLead(customerId: $id, reason: "无响应") { ownerId } }"""
FOLLOW_UP = (
    """mutation($id: ID!) { recordFollowUp(customerId: $id, kind: MESSAGE, outcome: "已读") { kind } }"""
)
INGEST = "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }"
PROFILE = """query($id: ID!) { customer(id: $id) { profile { ownerId status }
  profileHistory { actor reason changes { field oldValue newValue } } } }"""
CALL_LIST = "{ callList { edges { node { customer { id } ownerId } } } }"


def client(stack: Stack, subject: str, *, roles: tuple[str, ...] = ("sales",)) -> httpx.AsyncClient:
    token = stack.token("acme", roles, subject=subject)
    return httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


async def test_a_claim_makes_the_rep_the_owner_everywhere_and_a_release_clears_it(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    updates: list[dict[str, Any]] = []

    async def heard(msg: Msg) -> None:
        updates.append(json.loads(msg.data))

    await nc.subscribe(f"{stack.namespace}.evt.acme.leads.customer_updated", cb=heard)
    async with client(stack, "boss", roles=("admin",)) as boss, client(stack, "li") as li:
        try:
            pool = (await ok(boss, DEFINE, input={"name": "华南", "claimLimit": 3, "cooldownHours": 0}))[
                "definePool"
            ]["id"]
            customer = (await ok(boss, CREATE, input={"name": "Owner Follow", "email": "of@example.com"}))[
                "createCustomer"
            ]["id"]
            await ok(boss, ADD, pool=pool, ids=[customer])
            # Intent that makes the customer worth a call (two demo requests), so only the owner decides.
            at = (datetime.now(UTC) - timedelta(days=4)).isoformat()
            signal = {"customerId": customer, "type": "demo_request", "occurredAt": at}
            await ok(boss, INGEST, s=[signal, signal])

            assert (await ok(li, CLAIM, id=customer, pool=pool))["claimLead"]["ownerId"] == "li"
            view = (await ok(li, PROFILE, id=customer))["customer"]
            assert view["profile"] == {"ownerId": "li", "status": "new"}  # a claim alone contacts nobody
            assert view["profileHistory"][0] == {
                "actor": "li",
                "reason": "claimed",
                "changes": [{"field": "ownerId", "oldValue": "", "newValue": "li"}],
            }

            async def owner_event() -> list[dict[str, Any]]:
                return [u for u in updates if u["data"]["changed_fields"] == ["owner_id"]]

            [event] = await eventually(owner_event, within=10, every=0.05)
            assert event["subject"] == customer and event["data"]["owner_id"] == "li"
            assert event["data"]["actor"] == "li"

            async def on_call_list() -> bool:
                edges = (await ok(li, CALL_LIST))["callList"]["edges"]
                return any(e["node"]["customer"]["id"] == customer for e in edges)

            assert await eventually(on_call_list, within=15, every=0.2)

            await ok(li, FOLLOW_UP, id=customer)
            assert (await ok(li, PROFILE, id=customer))["customer"]["profile"]["status"] == "contacted"

            assert (await ok(li, RELEASE, id=customer))["releaseLead"]["ownerId"] is None
            view = (await ok(boss, PROFILE, id=customer))["customer"]
            assert view["profile"] == {"ownerId": "", "status": "contacted"}
            assert view["profileHistory"][0]["actor"] == "li"
            assert view["profileHistory"][0]["reason"] == "released: 无响应"

            async def off_call_list() -> bool:
                return not await on_call_list()

            assert await eventually(off_call_list, within=15, every=0.2)
            await asyncio.sleep(0.5)  # a redelivered claimed/released event writes nothing more
            assert [u["data"]["changed_fields"] for u in updates] == [["owner_id"], ["status"], ["owner_id"]]
        finally:
            await nc.close()
