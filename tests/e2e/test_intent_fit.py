"""Fit from the profile: an admin's fit rule (region 上海 × 1.5) multiplies the score of customers whose
profile — projected from leads' customer_created, never read from leads' database — is in 上海."""

from __future__ import annotations

from typing import Any

from tests.e2e.graphql import eventually, ok
from tests.support.stack import Stack

CREATE = """
mutation Create($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }
"""
UPDATE_MODEL = """
mutation Update($input: IntentModelInput!) { updateIntentModel(input: $input) { version } }
"""
INGEST = "mutation Ingest($signals: [SignalInput!]!) { ingestSignals(signals: $signals) { accepted } }"
INTENT = """
query Intent($id: ID!) { customer(id: $id) { intent { score rawPoints fitMultiplier components { fit } } } }
"""


async def test_a_fit_rule_multiplies_the_score_of_customers_in_its_region(stack: Stack) -> None:
    async with stack.client("fitco") as admin:
        await ok(
            admin, UPDATE_MODEL, input={"fit": [{"attribute": "REGION", "value": "上海", "multiplier": 1.5}]}
        )
        shanghai = (
            await ok(
                admin, CREATE, input={"name": "Wu Fang", "email": "wu.fang@example.com", "region": "上海"}
            )
        )["createCustomer"]["id"]
        beijing = (
            await ok(
                admin, CREATE, input={"name": "Zhou Min", "email": "zhou.min@example.com", "region": "北京"}
            )
        )["createCustomer"]["id"]

        async def profiled() -> dict[str, Any] | None:
            # The region arrives with leads' customer_created; until then the score has no fit.
            await ok(
                admin, INGEST, signals=[{"customerId": shanghai, "type": "content_read", "id": "probe-sh"}]
            )
            got = (await ok(admin, INTENT, id=shanghai))["customer"]["intent"]
            return got if got["fitMultiplier"] == 1.5 else None

        await eventually(profiled, within=15)
        signals = [
            {"customerId": cid, "type": "demo_request", "id": f"d-{cid}"} for cid in (shanghai, beijing)
        ]
        signals.append({"customerId": beijing, "type": "content_read", "id": "probe-bj"})
        await ok(admin, INGEST, signals=signals)
        sh = (await ok(admin, INTENT, id=shanghai))["customer"]["intent"]
        bj = (await ok(admin, INTENT, id=beijing))["customer"]["intent"]
    # same signals (a demo request and a content read), 28 points; 上海 × 1.5 = 42
    assert bj["fitMultiplier"] == 1.0 and abs(bj["rawPoints"] - 28.0) < 0.05 and bj["components"]["fit"] == 0
    assert sh["fitMultiplier"] == 1.5 and abs(sh["rawPoints"] - 42.0) < 0.05
    assert abs(sh["components"]["fit"] - 14.0) < 0.05
    assert sh["score"] > bj["score"]
