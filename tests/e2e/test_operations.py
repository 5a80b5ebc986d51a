"""Probes and metrics that operators rely on."""

from __future__ import annotations

from tests.e2e.graphql import CUSTOMER_VIEW, create_customer, gql, ok
from tests.support.stack import Stack


async def test_probes_report_live_and_ready_and_backends_each_serving(stack: Stack) -> None:
    async with stack.anonymous() as client:
        live = await client.get("/healthz")
        ready = await client.get("/readyz")
        backends = await client.get("/backends")
        metrics = (await client.get("/metrics")).text
    assert live.status_code == 200
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "nats": "connected"}
    assert backends.status_code == 200
    assert backends.json()["backends"] == {s: "SERVING" for s in ("tags", "journey", "intent", "leads")}
    for service in ("tags", "journey", "intent", "leads"):
        assert f'crm_gateway_backend_up{{service="{service}"}} 1.0' in metrics


async def test_metrics_count_operations_backend_rpcs_and_errors(stack: Stack) -> None:
    async with stack.client() as client:
        customer_id = await create_customer(client, "Metric Lu", "metric.lu@example.com")
        await ok(client, "query ShowOne($id: ID!) { customer(id: $id) { profile { name } } }", id=customer_id)
        await gql(client, CUSTOMER_VIEW, id="not-an-id")
        text = (await client.get("/metrics")).text

    assert 'crm_gateway_graphql_operations_total{operation="ShowOne",outcome="ok",type="query"} 1.0' in text
    assert 'crm_gateway_graphql_operations_total{operation="View",outcome="error",type="query"} 1.0' in text
    assert 'crm_gateway_backend_rpcs_total{code="OK",method="CreateCustomer",service="leads"} 1.0' in text
    assert 'crm_gateway_graphql_errors_total{code="BAD_USER_INPUT"} 1.0' in text
    assert "crm_gateway_backend_rpc_seconds_bucket" in text
