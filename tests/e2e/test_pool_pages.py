"""Pool lists page by position, not offset (issue 11): a lead claimed between two pages of the
unclaimed list neither makes the next page skip a lead nor repeat one."""

from __future__ import annotations

from typing import Any

from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.stack import Stack

DEFINE = "mutation($input: DefinePoolInput!) { definePool(input: $input) { id } }"
ADD = "mutation($pool: ID!, $ids: [ID!]!) { addLeadsToPool(poolId: $pool, customerIds: $ids) { ownerId } }"
CLAIM = "mutation($id: ID!, $pool: ID!) { claimLead(customerId: $id, poolId: $pool) { ownerId } }"
PAGE = """query($id: ID!, $after: String, $unclaimed: Boolean!) { pool(id: $id) {
  leads(first: 2, after: $after, unclaimedOnly: $unclaimed) {
    edges { node { customer { id } } } pageInfo { hasNextPage endCursor } } } }"""


def ids(page: dict[str, Any]) -> list[str]:
    return [e["node"]["customer"]["id"] for e in page["edges"]]


async def test_a_claim_between_two_pages_skips_and_repeats_nothing(stack: Stack) -> None:
    async with stack.client() as admin:
        pool = (await ok(admin, DEFINE, input={"name": "翻页", "claimLimit": 10}))["definePool"]["id"]
        leads = [await create_customer(admin, f"P{i}", f"p{i}@pages.example.com") for i in range(5)]
        for lead in leads:  # one at a time: the pool lists them oldest first
            await ok(admin, ADD, pool=pool, ids=[lead])

        async def page(after: str | None, *, unclaimed: bool = True) -> dict[str, Any]:
            found: dict[str, Any] = (await ok(admin, PAGE, id=pool, after=after, unclaimed=unclaimed))["pool"]
            return found["leads"]

        first = await page(None)
        assert ids(first) == leads[:2] and first["pageInfo"]["hasNextPage"]
        await ok(admin, CLAIM, id=leads[0], pool=pool)  # leaves the unclaimed list, on the page already read
        second = await page(first["pageInfo"]["endCursor"])
        assert ids(second) == leads[2:4]  # an offset of 2 would have skipped P2
        await ok(admin, CLAIM, id=leads[4], pool=pool)  # a later lead leaves: the list simply ends sooner
        third = await page(second["pageInfo"]["endCursor"])
        assert ids(third) == [] and not third["pageInfo"]["hasNextPage"]

        # A token of another list is refused, not misread.
        wrong = await gql(admin, PAGE, id=pool, after=first["pageInfo"]["endCursor"], unclaimed=False)
        assert codes(wrong) == ["BAD_USER_INPUT"]
