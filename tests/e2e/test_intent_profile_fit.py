"""A profile change re-plans the fit: leads' `updateCustomer` moving a customer's region, industry or
company size changes its fit component and score as the tenant's fit rules say, and the score history
says the profile did it. A change of a field no fit rule reads changes nothing in intent."""

from __future__ import annotations

import math
from typing import Any

import httpx

from tests.e2e.graphql import codes, eventually, gql, ok
from tests.support.stack import Stack

CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
UPDATE = "mutation($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id } }"
MODEL = "mutation($input: IntentModelInput!) { updateIntentModel(input: $input) { version } }"
INGEST = "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }"
INTENT = """query($id: ID!) { customer(id: $id) {
  intent { score rawPoints fitMultiplier components { fit } }
  intentHistory(first: 10) { entries { cause score previousScore reason } } } }"""
RULES = [
    {"attribute": "REGION", "value": "上海", "multiplier": 1.5},
    {"attribute": "INDUSTRY", "value": "金融", "multiplier": 0.5},
    {"attribute": "COMPANY_SIZE", "value": "51-200人", "multiplier": 1.1},
]
RAW = 28.0  # a demo request (25) and a content read (3), fresh


def score_of(raw: float) -> float:
    return round(100 * (1 - math.exp(-raw / 40)), 1)


async def view(admin: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    customer: dict[str, Any] = (await ok(admin, INTENT, id=customer_id))["customer"]
    return customer


async def fit_becomes(
    admin: httpx.AsyncClient, customer_id: str, fit: float, *, history: str = ""
) -> dict[str, Any]:
    """The customer's view once the fit is `fit` (and, given `history`, once the newest history entry's
    reason starts with it: the entry is inserted by the outbox right after the score's write)."""

    async def moved() -> dict[str, Any] | None:
        got = await view(admin, customer_id)
        if abs(got["intent"]["fitMultiplier"] - fit) >= 1e-9:
            return None
        entries = got["intentHistory"]["entries"]
        if history and not (entries and entries[0]["reason"].startswith(history)):
            return None
        return got

    found: dict[str, Any] = await eventually(moved, within=15)
    return found


def assert_fit(got: dict[str, Any], fit: float) -> None:
    intent = got["intent"]
    assert abs(intent["rawPoints"] - RAW * fit) < 0.05, intent
    assert abs(intent["components"]["fit"] - RAW * (fit - 1)) < 0.05, intent
    assert abs(intent["score"] - score_of(RAW * fit)) <= 0.15, intent


async def test_a_profile_change_through_leads_re_plans_the_fit_and_the_history_says_so(stack: Stack) -> None:
    async with stack.client("fitmove") as admin:
        await ok(admin, MODEL, input={"fit": RULES})
        cid = (
            await ok(
                admin, CREATE, input={"name": "Qian Lei", "email": "qian.lei@example.com", "region": "北京"}
            )
        )["createCustomer"]["id"]
        scores = stack.running["intent"].runtime.db["scores"]

        async def profiled() -> Any:
            return await scores.find_one({"customer_id": cid, "profile.region": "北京"})

        await eventually(profiled, within=10, every=0.05)
        signals = [
            {"customerId": cid, "type": "demo_request", "id": "fm-demo"},
            {"customerId": cid, "type": "content_read", "id": "fm-read"},
        ]
        await ok(admin, INGEST, s=signals)
        assert_fit(await view(admin, cid), 1.0)

        # Region 北京 → 上海: × 1.5, a large move.
        await ok(admin, UPDATE, id=cid, input={"region": "上海"})
        got = await fit_becomes(admin, cid, 1.5, history="profile fit ×1.5;")
        assert_fit(got, 1.5)
        entry = got["intentHistory"]["entries"][0]
        assert entry["cause"] == "PROFILE" and entry["reason"].startswith("profile fit ×1.5")
        assert abs(entry["score"] - score_of(RAW * 1.5)) <= 0.15
        assert abs(entry["previousScore"] - score_of(RAW)) <= 0.15

        # Company size 51-200人: × 1.1 more — a small move (< 5 points), still an entry: the fit moved.
        await ok(admin, UPDATE, id=cid, input={"companySize": "51-200人"})
        got = await fit_becomes(admin, cid, 1.5 * 1.1, history="profile fit ×1.65;")
        assert_fit(got, 1.5 * 1.1)
        assert got["intentHistory"]["entries"][0]["cause"] == "PROFILE"

        # A title change is no fit change: nothing happens in intent (the next fit change shows it, as
        # the profile consumer takes leads' events in order).
        await ok(admin, UPDATE, id=cid, input={"title": "CFO"})
        entries = len(got["intentHistory"]["entries"])

        # Industry 金融: × 0.5 — the fit lowers the score, and the history says the profile did it.
        await ok(admin, UPDATE, id=cid, input={"industry": "金融"})
        got = await fit_becomes(admin, cid, 1.5 * 1.1 * 0.5, history="profile fit ×0.825;")
        assert_fit(got, 1.5 * 1.1 * 0.5)
        assert len(got["intentHistory"]["entries"]) == entries + 1
        entry = got["intentHistory"]["entries"][0]
        assert entry["cause"] == "PROFILE" and entry["reason"].startswith("profile fit ×0.825")
        assert abs(entry["score"] - score_of(RAW * 0.825)) <= 0.15

    # Another tenant never sees this customer's intent.
    async with stack.client("globex") as stranger:
        assert codes(await gql(stranger, INTENT, id=cid)) == ["NOT_FOUND"]
