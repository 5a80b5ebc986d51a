"""Recovery search as a manager uses it through GraphQL: find leads by a tag expression, best
look-alikes of the won customers first, each with the per-tag lifts that explain it (issue 11 point 5).

The known set (docs/lead-recovery.md): 8 tagged customers, 2 won (deal.won_product), so the won rate
r = 0.25 and, with m = 2, lift = ((w + 2r) / (n + 2)) / r:
  有店铺 n=3 w=2 → 2.0 · 批发 n=4 w=0 → 1/3 · 有官网 n=6 w=1 → 0.75.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, codes, create_customer, eventually, gql, ok
from tests.support.stack import Stack

LIBRARY = [
    {"key": "deal.won_product", "displayName": "已成交产品", "valueType": "ENUM", "allowedValues": ["柜子"]},
    {"key": "shop", "displayName": "有店铺"},
    {"key": "wholesale", "displayName": "批发"},
    {"key": "website", "displayName": "有官网"},
]
WON = {"key": "deal.won_product", "value": "柜子"}
# name → tags; won customers first. Created in this order, so ids (ULIDs) sort in it too.
PEOPLE: dict[str, list[Any]] = {
    "W1": [WON, "shop", "website"],
    "W2": [WON, "shop"],
    "A": ["shop", "website"],
    "B": ["wholesale", "website"],
    "C": ["wholesale", "website"],
    "D": ["wholesale", "website"],
    "E": ["wholesale"],
    "F": ["website"],
}
R, M = 0.25, 2.0
LIFT = {
    "shop": ((2 + M * R) / (3 + M)) / R,
    "wholesale": ((0 + M * R) / (4 + M)) / R,
    "website": ((1 + M * R) / (6 + M)) / R,
}
RECOVER = """
query($e: String, $first: Int, $after: String) {
  recoverLeads(expression: $e, first: $first, after: $after) {
    totalCount wonCustomers expression wonExpression
    edges { cursor node { score customer { id profile { name } }
            reasons { tagKey tagName value lift wonWith customersWith text } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def build(client: httpx.AsyncClient, tenant: str) -> dict[str, str]:
    for definition in LIBRARY:
        await ok(client, DEFINE_TAG, input=definition)
    ids: dict[str, str] = {}
    for name, tags in PEOPLE.items():
        ids[name] = await create_customer(client, name, f"{name.lower()}@{tenant}.example.com")
        wanted = [t if isinstance(t, dict) else {"key": t} for t in tags]
        await ok(client, ASSIGN_TAGS, id=ids[name], tags=wanted)
    return ids


async def recover(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    data = await ok(client, RECOVER, **variables)
    found: dict[str, Any] = data["recoverLeads"]
    return found


def names(found: dict[str, Any]) -> list[str]:
    return [e["node"]["customer"]["profile"]["name"] for e in found["edges"]]


async def settled(client: httpx.AsyncClient) -> dict[str, Any]:
    """The full ranking once the index holds every assignment (it follows tag events)."""

    async def check() -> dict[str, Any] | None:
        found = await recover(client, first=20)
        return found if found["totalCount"] == 6 and found["wonCustomers"] == 2 else None

    result: dict[str, Any] = await eventually(check, within=15)
    return result


async def test_leads_sharing_won_customers_tags_rank_first_with_exact_lifts(stack: Stack) -> None:
    async with stack.client() as admin:
        await build(admin, "acme")
        found = await settled(admin)
        # A shares 有店铺 with the won customers; E and B/C/D carry 批发, which no won customer has.
        assert names(found) == ["A", "F", "E", "B", "C", "D"]
        assert found["wonExpression"] == "deal.won_product"
        top = found["edges"][0]["node"]
        assert top["score"] == pytest.approx(math.log(LIFT["shop"]) + math.log(LIFT["website"]))
        assert [r["text"] for r in top["reasons"]] == [
            "有店铺: 2.0× more common among won customers",
            "有官网: 1.3× less common among won customers",
        ]
        shop = top["reasons"][0]
        assert (shop["tagKey"], shop["value"], shop["wonWith"], shop["customersWith"]) == ("shop", None, 2, 3)
        assert shop["lift"] == pytest.approx(2.0)
        assert top["reasons"][1]["lift"] == pytest.approx(0.75)
        wholesale = found["edges"][2]["node"]
        assert wholesale["score"] == pytest.approx(math.log(1 / 3))
        assert [r["text"] for r in wholesale["reasons"]] == ["批发: 3.0× less common among won customers"]


async def test_the_expression_narrows_the_candidates_and_pages_follow_the_ranking(stack: Stack) -> None:
    async with stack.client() as admin:
        await build(admin, "acme")
        await settled(admin)
        narrowed = await recover(admin, e="有官网 AND NOT 批发")
        assert names(narrowed) == ["A", "F"]
        assert narrowed["totalCount"] == 2
        assert narrowed["expression"] == "website AND NOT wholesale"
        first = await recover(admin, first=4)
        assert names(first) == ["A", "F", "E", "B"] and first["pageInfo"]["hasNextPage"]
        rest = await recover(admin, first=4, after=first["pageInfo"]["endCursor"])
        assert names(rest) == ["C", "D"] and not rest["pageInfo"]["hasNextPage"]


async def test_a_syntax_error_is_bad_user_input_with_its_column(stack: Stack) -> None:
    async with stack.client() as admin:
        await build(admin, "acme")
        body = await gql(admin, RECOVER, e="有店铺 AND (批发")
        assert codes(body) == ["BAD_USER_INPUT"]
        error = body["errors"][0]
        assert error["extensions"]["column"] >= 9, error
        assert "column" in error["message"]
        unknown = await gql(admin, RECOVER, e="没有这个标签")
        assert codes(unknown) == ["BAD_USER_INPUT"]
        assert unknown["errors"][0]["extensions"]["column"] == 1


async def test_tenants_never_see_each_others_leads_or_lifts(stack: Stack) -> None:
    async with stack.client("acme") as acme, stack.client("globex") as globex:
        await build(acme, "acme")
        await settled(acme)
        for definition in LIBRARY[1:]:
            await ok(globex, DEFINE_TAG, input=definition)
        own = await create_customer(globex, "Globex lead", "lead@globex.example.com")
        await ok(globex, ASSIGN_TAGS, id=own, tags=[{"key": "shop"}])

        async def globex_sees() -> dict[str, Any] | None:
            found = await recover(globex)
            return found if found["totalCount"] == 1 else None

        theirs: dict[str, Any] = await eventually(globex_sees, within=15)
        assert names(theirs) == ["Globex lead"]
        # No won customer in globex (its library lacks the won tag): no evidence, score 0, no lines.
        assert theirs["wonCustomers"] == 0
        assert theirs["edges"][0]["node"]["score"] == 0 and theirs["edges"][0]["node"]["reasons"] == []
        again = await settled(acme)
        assert "Globex lead" not in names(again)
        # acme's cursor means nothing in globex, nor for another expression: refused, not reinterpreted.
        cursor = (await recover(acme, first=2))["pageInfo"]["endCursor"]
        assert codes(await gql(globex, RECOVER, first=2, after=cursor)) == ["BAD_USER_INPUT"]
        assert codes(await gql(acme, RECOVER, e="有官网", first=2, after=cursor)) == ["BAD_USER_INPUT"]
