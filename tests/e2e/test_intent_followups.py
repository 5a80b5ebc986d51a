"""A lead follow-up counts as contact (issue 9 point 5): pricing page 3× → a surge → the customer on the
rep's call list → the rep records a follow-up on the lead (`recordFollowUp`, the leads pool) → gone from
the list, and the customer's score history says why. Intent learns it from `leads.followup_recorded`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.graphql import eventually, ok
from tests.e2e.test_intent_calls import CALL_LIST, INGEST, client, create, owned, signals
from tests.support.stack import Stack

DEFINE = "mutation($input: DefinePoolInput!) { definePool(input: $input) { id } }"
ADD = "mutation($pool: ID!, $ids: [ID!]!) { addLeadsToPool(poolId: $pool, customerIds: $ids) { ownerId } }"
FOLLOW_UP = """mutation($id: ID!, $kind: FollowUpKind!) {
  recordFollowUp(customerId: $id, kind: $kind, outcome: "约了下周演示") { kind outcome } }"""
HISTORY = """query($id: ID!) { customer(id: $id) {
  intent { surge { open } }
  intentHistory(first: 5) { entries { cause reason score previousScore level } } } }"""


async def listed(rep: httpx.AsyncClient) -> list[str]:
    return [e["node"]["customer"]["id"] for e in (await ok(rep, CALL_LIST))["callList"]["edges"]]


async def test_a_follow_up_on_the_lead_takes_the_surging_customer_off_the_call_list(stack: Stack) -> None:
    tenant = "fupco"  # its own tenant: no other test's pools or customers
    admin = client(stack, tenant, ("admin",), "boss")
    rep = client(stack, tenant, ("sales",), "rep-li")
    try:
        pool = (await ok(admin, DEFINE, input={"name": "全部", "claimLimit": 5}))["definePool"]["id"]
        hot = await create(admin, "Hot", "rep-li")
        also = await create(admin, "Also", "rep-li")
        for cid in (hot, also):
            await owned(stack, cid, "rep-li")
        # The customer's owner holds the lead as it enters the pool: rep-li may record its follow-ups.
        assert (await ok(admin, ADD, pool=pool, ids=[hot]))["addLeadsToPool"] == [{"ownerId": "rep-li"}]

        now = datetime.now(UTC)
        views = [now - timedelta(hours=30), now - timedelta(hours=5), now - timedelta(minutes=1)]
        await ok(admin, INGEST, s=signals(hot, "pricing_page_view", views))
        await ok(admin, INGEST, s=signals(also, "demo_request", [now - timedelta(hours=2)] * 2))

        async def both() -> list[str] | None:
            ids = await listed(rep)
            return ids if set(ids) == {hot, also} else None

        assert (await eventually(both, within=10))[0] == hot  # the surge ranks it first

        done = await ok(rep, FOLLOW_UP, id=hot, kind="MESSAGE")  # not a touchpoint type the model lists
        assert done["recordFollowUp"]["kind"] == "MESSAGE"

        async def dropped() -> list[str] | None:
            ids = await listed(rep)
            return ids if hot not in ids else None

        assert await eventually(dropped, within=10) == [also]

        async def said() -> dict[str, Any] | None:  # the entry is written right after the customer's write
            got: dict[str, Any] = (await ok(rep, HISTORY, id=hot))["customer"]
            entries = got["intentHistory"]["entries"]
            return got if entries and entries[0]["cause"] == "CONTACT" else None

        view: dict[str, Any] = await eventually(said, within=10)
        assert view["intent"]["surge"]["open"] is False
        latest = view["intentHistory"]["entries"][0]
        assert latest["cause"] == "CONTACT"
        assert latest["reason"] == "contacted: a message follow-up answered the intent; off the call list"
        assert latest["score"] == latest["previousScore"]  # the score did not move; the list did

        # A re-delivered or repeated follow-up changes nothing more: one CONTACT entry.
        await ok(rep, FOLLOW_UP, id=hot, kind="CALL")
        history = (await ok(rep, HISTORY, id=hot))["customer"]["intentHistory"]["entries"]
        assert [e["cause"] for e in history].count("CONTACT") == 1
        # Another tenant's rep with the same id sees none of it.
        async with stack.client("globex") as stranger:
            assert (await ok(stranger, CALL_LIST, all=True))["callList"]["edges"] == []
    finally:
        for c in (admin, rep):
            await c.aclose()
