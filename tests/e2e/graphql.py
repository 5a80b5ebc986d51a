"""Small helpers for talking GraphQL to the gateway over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST one operation; assert the transport succeeded (GraphQL errors are in the body)."""
    reply = await client.post("/graphql", json={"query": query, "variables": variables})
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def ok(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST one operation that must succeed without errors; returns `data`."""
    body = await gql(client, query, **variables)
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code", "") for e in body.get("errors") or []]


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 10.0, every: float = 0.2) -> Any:
    """Call `check` until it returns something truthy; the last value (or AssertionError) otherwise."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"condition not met within {within}s; last value {value!r}")
        await asyncio.sleep(every)


CREATE_CUSTOMER = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) { id profile { name company email } }
}
"""

DEFINE_TAG = """
mutation Define($input: DefineTagInput!) { defineTag(input: $input) { key displayName category } }
"""

ASSIGN_TAGS = """
mutation Assign($id: ID!, $tags: [TagInput!]!) {
  assignTags(customerId: $id, tags: $tags) { assigned { key value source } skipped { key reason } }
}
"""

CUSTOMER_VIEW = """
query View($id: ID!) {
  customer(id: $id) {
    id
    profile { name company email status }
    tags { key value displayName group category source confidence actor assignedAt evidence { eventIds note } }
    intent { score level signalCount topSignals { type points } }
    journey { stage furthestStage reached { stage firstReachedAt } timeline(first: 5) { edges { node { type stage } } } }
  }
}
"""


async def create_customer(client: httpx.AsyncClient, name: str, email: str) -> str:
    data = await ok(client, CREATE_CUSTOMER, input={"name": name, "company": "Acme", "email": email})
    customer_id: str = data["createCustomer"]["id"]
    return customer_id
