"""Merging duplicates keeps the pool's history (issue 11): the survivor shows both leads' follow-ups
and both owners' history, labelled by where they came from; the merged id leaves every pool list; a
retried merge changes nothing more; a claim on the duplicate alone carries over to the survivor."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.graphql import create_customer, ok
from tests.support.stack import Stack

DEFINE = "mutation($input: DefinePoolInput!) { definePool(input: $input) { id } }"
ADD = "mutation($pool: ID!, $ids: [ID!]!) { addLeadsToPool(poolId: $pool, customerIds: $ids) { ownerId } }"
CLAIM = "mutation($id: ID!, $pool: ID!) { claimLead(customerId: $id, poolId: $pool) { ownerId } }"
FOLLOW_UP = """mutation($id: ID!, $o: String!) { recordFollowUp(customerId: $id, kind: CALL, outcome: $o) { kind } }"""
MERGE = "mutation($s: ID!, $d: ID!) { mergeCustomers(survivorId: $s, duplicateId: $d) { id } }"
VIEW = """query($id: ID!) { customer(id: $id) { profile { ownerId } pool { ownerId
  previousOwners { ownerId reason automatic mergedFrom } followUps { repId outcome mergedFrom } } } }"""
POOL = """query($id: ID!) { pool(id: $id) { leads(first: 20) { edges { node { customer { id } ownerId } } } } }"""


def client(stack: Stack, subject: str, roles: tuple[str, ...] = ("sales",)) -> httpx.AsyncClient:
    token = stack.token("acme", roles, subject=subject)
    return httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


async def view(c: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await ok(c, VIEW, id=customer_id))["customer"]
    return found


async def test_a_merge_moves_the_pool_history_to_the_survivor(stack: Stack) -> None:
    async with (
        client(stack, "boss", ("admin",)) as boss,
        client(stack, "li") as li,
        client(stack, "wang") as wang,
    ):
        pool = (await ok(boss, DEFINE, input={"name": "合并池", "claimLimit": 1, "cooldownHours": 0}))[
            "definePool"
        ]["id"]
        keep = await create_customer(boss, "Keep", "keep@merge.example.com")
        dup = await create_customer(boss, "Dup", "dup@merge.example.com")
        other = await create_customer(boss, "Other", "other@merge.example.com")
        await ok(boss, ADD, pool=pool, ids=[keep, dup, other])
        await ok(li, CLAIM, id=keep, pool=pool)
        await ok(li, FOLLOW_UP, id=keep, o="li 的电话")
        await ok(wang, CLAIM, id=dup, pool=pool)
        await ok(wang, FOLLOW_UP, id=dup, o="wang 的电话")

        await ok(boss, MERGE, s=keep, d=dup)
        seen = await view(boss, keep)
        assert (
            seen["profile"]["ownerId"] == "li" and seen["pool"]["ownerId"] == "li"
        )  # the survivor's claim wins
        assert sorted((f["repId"], f["outcome"], f["mergedFrom"]) for f in seen["pool"]["followUps"]) == [
            ("li", "li 的电话", None),
            ("wang", "wang 的电话", dup),
        ]
        assert seen["pool"]["previousOwners"] == [
            {"ownerId": "wang", "reason": "合并", "automatic": True, "mergedFrom": dup}
        ]
        listed = (await ok(boss, POOL, id=pool))["pool"]["leads"]["edges"]
        assert sorted(e["node"]["customer"]["id"] for e in listed) == sorted([keep, other])
        # wang's place (limit 1) came back with the ended claim.
        assert (await ok(wang, CLAIM, id=other, pool=pool))["claimLead"]["ownerId"] == "wang"

        await ok(boss, MERGE, s=keep, d=dup)  # a retry: the same survivor, nothing doubled
        assert await view(boss, keep) == seen

        # Only the duplicate claimed: its claim (and its history) carries over to the survivor.
        lone = await create_customer(boss, "Lone", "lone@merge.example.com")
        await ok(boss, ADD, pool=pool, ids=[lone])
        await ok(boss, MERGE, s=lone, d=other)
        carried = await view(boss, lone)
        assert carried["pool"]["ownerId"] == "wang" and carried["profile"]["ownerId"] == "wang"
        listed = (await ok(boss, POOL, id=pool))["pool"]["leads"]["edges"]
        assert sorted(e["node"]["customer"]["id"] for e in listed) == sorted([keep, lone])
        await ok(wang, FOLLOW_UP, id=lone, o="合并后跟进")  # wang holds the survivor's lead now

        # A survivor in no pool gets the duplicate's lead, claim and history (labels kept).
        fresh = await create_customer(boss, "Fresh", "fresh@merge.example.com")
        await ok(boss, MERGE, s=fresh, d=keep)
        moved = await view(boss, fresh)
        assert moved["pool"]["ownerId"] == "li" and moved["profile"]["ownerId"] == "li"
        assert sorted((f["repId"], f["mergedFrom"]) for f in moved["pool"]["followUps"]) == [
            ("li", keep),
            ("wang", dup),
        ]
        assert (await view(boss, keep))["pool"] is None
        await ok(li, FOLLOW_UP, id=fresh, o="搬家后跟进")
