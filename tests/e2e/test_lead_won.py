"""Who is won for look-alikes (issue 11): the leads status `won`, mirrored as the system tag
`lead.status`, and a signed deal, mirrored as `deal.won_product` naming its deal."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, create_customer, eventually, ok
from tests.support.stack import Stack

STATUS = 'mutation($id: ID!) { setCustomerStatus(id: $id, status: WON, reason: "签约") { id } }'
RECOVER = """{ recoverLeads(first: 10) { totalCount wonCustomers wonExpression
  edges { node { customer { profile { name } } reasons { tagKey wonWith } } } } }"""
TAGS = """query($id: ID!) { customer(id: $id) { profile { status }
  tags { key value source actor evidence { eventIds note } } } }"""
CREATE_DEAL = "mutation($input: CreateDealInput!) { createDeal(input: $input) { id } }"
SIGN = """mutation($id: ID!) { markDealSigned(id: $id, amount: {amount: "12000.00"}) { status } }"""


async def tags_of(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    view: dict[str, Any] = (await ok(client, TAGS, id=customer_id))["customer"]
    return view


async def test_a_customer_set_to_won_ranks_as_won_in_recovery(stack: Stack) -> None:
    async with stack.client() as admin:
        for key, name in (("shop", "有店铺"), ("web", "有官网")):
            await ok(admin, DEFINE_TAG, input={"key": key, "displayName": name})
        ids = {n: await create_customer(admin, n, f"{n.lower()}@won.example.com") for n in ("W", "A", "C")}
        for name, key in (("W", "shop"), ("A", "shop"), ("C", "web")):
            await ok(admin, ASSIGN_TAGS, id=ids[name], tags=[{"key": key}])
        await ok(admin, STATUS, id=ids["W"])

        async def won() -> dict[str, Any] | None:
            found: dict[str, Any] = (await ok(admin, RECOVER))["recoverLeads"]
            return found if found["wonCustomers"] == 1 else None

        found = await eventually(won, within=15)
        # deal.won_product is not in this tenant's library yet: the status alone says who is won.
        assert found["wonExpression"] == "lead.status = won"
        names = [e["node"]["customer"]["profile"]["name"] for e in found["edges"]]
        assert names == ["A", "C"]  # W is won, not a lead to recover; A shares its 有店铺
        assert found["edges"][0]["node"]["reasons"] == [{"tagKey": "shop", "wonWith": 1}]
        tag = {t["key"]: t for t in (await tags_of(admin, ids["W"]))["tags"]}["lead.status"]
        assert (tag["value"], tag["source"], tag["actor"]) == ("won", "SYSTEM", "svc:leads")
        assert len(tag["evidence"]["eventIds"]) == 1


async def test_a_signed_deal_gives_the_customer_its_product_as_won_naming_the_deal(stack: Stack) -> None:
    async with stack.client() as admin:
        customer = await create_customer(admin, "Signer", "signer@won.example.com")
        deal = (await ok(admin, CREATE_DEAL, input={"customerId": customer, "product": "柜子"}))["createDeal"]
        assert (await ok(admin, SIGN, id=deal["id"]))["markDealSigned"]["status"] == "SIGNED"

        async def both() -> dict[str, Any] | None:
            view = await tags_of(admin, customer)
            keys = {t["key"]: t for t in view["tags"]}
            return keys if {"deal.won_product", "lead.status"} <= set(keys) else None

        keys = await eventually(both, within=15)
        product = keys["deal.won_product"]
        assert (product["value"], product["source"]) == ("柜子", "SYSTEM")
        assert product["evidence"]["note"] == f"deal {deal['id']} signed"
        assert keys["lead.status"]["value"] == "won"  # journey's deal_signed moved the status too

        async def counted() -> dict[str, Any] | None:
            found: dict[str, Any] = (await ok(admin, RECOVER))["recoverLeads"]
            return found if found["wonCustomers"] == 1 else None

        found = await eventually(counted, within=15)
        assert found["wonExpression"] == "lead.status = won OR deal.won_product"
        assert found["totalCount"] == 0  # the only customer is won: nothing to recover
