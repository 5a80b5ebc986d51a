"""Why is this customer hot? The gateway shows components, contributors with their provenance, and history."""

from __future__ import annotations

from typing import Any

from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.stack import Stack

INGEST = """
mutation($signals: [SignalInput!]!) { ingestSignals(signals: $signals) { accepted duplicates } }
"""
EXPLAIN = """
query($id: ID!) {
  customer(id: $id) {
    intent {
      score level rawPoints fitMultiplier modelVersion
      components { frequency engagement recency cap fit }
      types { type label count recentCount points }
      topSignals { type points party source matchedOn matchedValue }
    }
    intentHistory(first: 5) {
      entries { cause score level previousScore previousLevel reason signalIds }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def test_a_sales_rep_reads_why_a_customer_is_hot_and_how_it_got_there(stack: Stack) -> None:
    async with stack.client("explainco") as client:
        cid = await create_customer(client, "Qian Yu", "qian.yu@example.com")
        await ok(client, INGEST, signals=[{"customerId": cid, "type": "webinar_attend"}])
        third_party: dict[str, Any] = {
            "customerId": cid,
            "type": "competitor_research",
            "party": "THIRD",
            "source": "bombora",
            "matchedOn": "ACCOUNT",
            "matchedValue": "qian.example",
        }
        await ok(
            client,
            INGEST,
            signals=[
                {"customerId": cid, "type": "demo_request"},
                {"customerId": cid, "type": "pricing_page_view"},
                third_party,
            ],
        )
        intent = (await ok(client, EXPLAIN, id=cid))["customer"]["intent"]
        history = (await ok(client, EXPLAIN, id=cid))["customer"]["intentHistory"]
    c = intent["components"]
    assert abs(sum(c.values()) - intent["rawPoints"]) < 0.05
    assert intent["level"] == "HIGH" and intent["modelVersion"] == 0 and intent["fitMultiplier"] == 1.0
    assert [s["type"] for s in intent["topSignals"]] == [
        "demo_request",
        "webinar_attend",
        "pricing_page_view",
        "competitor_research",
    ]
    assert intent["topSignals"][-1] == {
        "type": "competitor_research",
        "points": 6.0,
        "party": "THIRD",
        "source": "bombora",
        "matchedOn": "ACCOUNT",
        "matchedValue": "qian.example",
    }
    assert {t["type"]: t["label"] for t in intent["types"]}["pricing_page_view"] == "定价页"
    newest, first = history["entries"]
    assert (newest["cause"], newest["previousLevel"], newest["level"]) == ("SIGNALS", "LOW", "HIGH")
    assert newest["previousScore"] == first["score"] and first["previousScore"] is None
    assert newest["reason"].startswith("+1× ") and len(newest["signalIds"]) == 3
    assert history["pageInfo"] == {"hasNextPage": False, "endCursor": None}


async def test_a_match_on_a_first_party_signal_is_bad_user_input_and_changes_nothing(stack: Stack) -> None:
    async with stack.client("explainco") as client:
        cid = await create_customer(client, "Sun Li", "sun.li@example.com")
        body = await gql(
            client,
            INGEST,
            signals=[
                {
                    "customerId": cid,
                    "type": "pricing_page_view",
                    "matchedOn": "CONTACT",
                    "matchedValue": "x@y.z",
                }
            ],
        )
        assert codes(body) == ["BAD_USER_INPUT"]
        intent = (await ok(client, EXPLAIN, id=cid))["customer"]["intent"]
        assert intent["score"] == 0 and intent["types"] == []
    async with stack.client("globex") as other:
        body = await gql(other, EXPLAIN, id=cid)
        assert body["data"]["customer"] is None
