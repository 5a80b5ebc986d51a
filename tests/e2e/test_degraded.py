"""With one backend down the gateway stays ready and answers with the parts it can.

Readiness speaks for the gateway process only: a peer's outage must not take every gateway replica
out of its Kubernetes Service while the schema can still answer. The outage shows on `/backends`
and in the `crm_gateway_backend_up` gauge instead.
"""

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
        backends = await client.get("/backends")
        metrics = (await client.get("/metrics")).text
        reply = await client.post("/graphql", json={"query": VIEW, "variables": {"id": customer_id}})
        page = await gql(client, PAGE)

    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert backends.status_code == 503
    assert backends.json()["backends"]["intent"] != "SERVING"
    assert backends.json()["backends"]["tags"] == "SERVING"
    # /backends refreshes the gauge as it checks.
    assert 'crm_gateway_backend_up{service="intent"} 0.0' in metrics
    assert 'crm_gateway_backend_up{service="tags"} 1.0' in metrics

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
