"""With one backend down the gateway is not ready, yet still answers with the parts it can."""

from __future__ import annotations

from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, codes, create_customer, gql, ok
from tests.support.stack import Stack

VIEW = """
query($id: ID!) {
  customer(id: $id) { id profile { name } tags { key } intent { score level } journey { stage } }
}
"""
PAGE = "{ customers(first: 5) { edges { node { id profile { name } intent { level } } } } }"


async def test_stopped_intent_service_leaves_other_parts_and_names_intent(stack: Stack) -> None:
    async with stack.client() as client:
        customer_id = await create_customer(client, "Zhou Min", "zhou.min@example.com")
        await ok(client, DEFINE_TAG, input={"key": "vip", "displayName": "VIP"})
        await ok(client, ASSIGN_TAGS, id=customer_id, tags=[{"key": "vip"}])

        await stack.running["intent"].stop()

        ready = await client.get("/readyz")
        reply = await client.post("/graphql", json={"query": VIEW, "variables": {"id": customer_id}})
        page = await gql(client, PAGE)

    assert ready.status_code == 503
    assert ready.json()["backends"]["intent"] != "SERVING"
    assert ready.json()["backends"]["tags"] == "SERVING"

    assert reply.status_code == 200
    body = reply.json()
    customer = body["data"]["customer"]
    assert customer["profile"] == {"name": "Zhou Min"}
    assert customer["tags"] == [{"key": "vip"}]
    assert customer["journey"] == {"stage": ""}
    assert customer["intent"] is None
    [error] = body["errors"]
    assert error["path"] == ["customer", "intent"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "intent"}

    # In a list, every customer's intent is missing, each with its own path; the rest is there.
    assert [e["node"]["profile"] for e in page["data"]["customers"]["edges"]] == [{"name": "Zhou Min"}]
    assert codes(page) == ["SERVICE_UNAVAILABLE"]
    assert page["errors"][0]["path"] == ["customers", "edges", 0, "node", "intent"]
