"""Leads' `customers_merged` over NATS: the survivor's intent becomes the sum of both customers'."""

from __future__ import annotations

import asyncio

from common import bus, cloudevents
from tests.integration.intent.helpers import Intent, eventually, signal


async def publish_merge(intent: Intent, survivor: str, duplicate: str, *, tenant: str = "acme") -> None:
    data = {"survivor_id": survivor, "merged_id": duplicate, "actor": "boss"}
    envelope = cloudevents.make_event(
        type="crm.leads.customers_merged.v1", source="crm/leads", tenant=tenant, data=data, subject=survivor
    )
    await bus.publish_event(intent.js, f"{intent.namespace}.evt.{tenant}.leads.customers_merged", envelope)


async def test_merged_duplicates_signals_count_for_the_survivor_once(intent: Intent) -> None:
    survivor, duplicate = await intent.customer(), await intent.customer()
    await intent.ingest(signal(survivor, "pricing_page_view", id="s-1", topic="crm"))
    await intent.ingest(
        signal(duplicate, "demo_request", id="d-1", topic="crm"),
        signal(duplicate, "pricing_page_view", id="d-2", topic="crm"),
    )
    before = (await intent.score(survivor)).score
    duplicate_score = (await intent.score(duplicate)).score
    assert before > 0 and duplicate_score > 0

    await publish_merge(intent, survivor, duplicate)

    async def merged() -> bool:
        # Two writes, survivor first: wait for both (the duplicate is emptied right after).
        return (await intent.score(survivor)).signal_count == 3 and (
            await intent.score(duplicate)
        ).signal_count == 0

    await eventually(merged, within=15)
    after = await intent.score(survivor)
    assert {t.signal_id for t in after.top_signals} == {"s-1", "d-1", "d-2"}
    assert after.score > before
    emptied = await intent.score(duplicate)
    assert emptied.signal_count == 0

    # A redelivered merge changes nothing.
    await publish_merge(intent, survivor, duplicate)
    await asyncio.sleep(1.0)
    again = await intent.score(survivor)
    assert (again.signal_count, again.score) == (3, after.score)
