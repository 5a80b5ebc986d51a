"""A customer who goes quiet loses their `intent.level` tag's height, as a user of the gateway sees it.

Signals are placed so that, by the house scoring model, the customer's level falls from MEDIUM to LOW
a few seconds after they arrive. Nobody sends anything more: the intent service's decay timer
rescores the customer, announces `level_changed`, and the tags service moves the system tag.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import nats

from common import bus, cloudevents
from tests.e2e.graphql import CUSTOMER_VIEW, create_customer, eventually, ok
from tests.integration.intent.helpers import placed_so_the_level_falls_at
from tests.support.stack import Stack

KINDS = ["demo_request", "webinar_attend"]


async def publish_signals(stack: Stack, customer_id: str, at: datetime) -> None:
    """Send the signals the way a partner does: one CloudEvent batch on the ingest subject."""
    items = [{"customer_id": customer_id, "type": kind, "occurred_at": at.isoformat()} for kind in KINDS]
    event = cloudevents.make_event(
        type="crm.intent.signals.v1", source="partner/e2e", tenant="acme", data={"items": items}
    )
    nc = await nats.connect(stack.nats_url)
    try:
        await bus.publish_event(nc.jetstream(), f"{stack.namespace}.in.acme.signals", event)
    finally:
        await nc.close()


async def test_the_intent_level_tag_follows_a_level_that_decays_without_new_signals(stack: Stack) -> None:
    async with stack.client("acme") as client:
        customer_id = await create_customer(client, "Zhao Lei", "zhao.lei@example.com")
        falls_at = datetime.now(UTC) + timedelta(seconds=6)
        await publish_signals(stack, customer_id, placed_so_the_level_falls_at(falls_at, KINDS))

        async def level_tag(value: str) -> dict[str, Any] | None:
            customer = (await ok(client, CUSTOMER_VIEW, id=customer_id))["customer"]
            tags = {t["key"]: t for t in customer["tags"]}
            tag = tags.get("intent.level")
            return customer if tag and tag["value"] == value else None

        async def medium() -> dict[str, Any] | None:
            return await level_tag("medium")

        async def low() -> dict[str, Any] | None:
            return await level_tag("low")

        before = await eventually(medium, within=10)
        assert before["intent"]["level"] == "MEDIUM"
        after = await eventually(low, within=25)
        assert datetime.now(UTC) >= falls_at
        assert after["intent"]["level"] == "LOW"
        assert after["intent"]["signalCount"] == len(KINDS)  # nothing new arrived: time did it
