"""Levels that fall with time alone are re-evaluated when they do: `level_changed` arrives, once.

Each test places signals so that, by the house model, the customer's level drops a few seconds from
now by decay under a threshold, ingests them, and waits for the decay timer (common/scheduler.py) to
rescore and announce the drop. A signal leaves the window only at a UTC midnight, so window exits are
covered by tests/unit/intent/test_aggregate.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crm.intent.v1 import intent_pb2, intent_pb2_grpc

from common.config import Settings
from common.service import start_service
from common.timeutil import to_timestamp
from services.intent.app import DEFINITION
from tests.integration.intent.helpers import Intent, placed_so_the_level_falls_at, signal
from tests.support.events import subscribe
from tests.support.leads import Leads
from tests.support.service import service_under_test


async def test_a_level_that_decays_below_its_threshold_is_announced_once(intent: Intent) -> None:
    changes = await subscribe(intent.nc, f"{intent.namespace}.evt.acme.intent.level_changed")
    buyer = await intent.customer()
    falls_at = datetime.now(UTC) + timedelta(seconds=4)
    kinds = ["demo_request", "webinar_attend"]  # 37 raw points when fresh; ~8.4 days to fall under MEDIUM
    at = placed_so_the_level_falls_at(falls_at, kinds)
    await intent.ingest(*(signal(buyer, k, occurred_at=to_timestamp(at)) for k in kinds))
    [rose] = await changes.wait_for(1)
    assert (rose["data"]["level"], rose["data"]["previous_level"]) == ("medium", None)

    [_, fell] = await changes.wait_for(2, within=15)
    arrived = time.time()
    assert (fell["data"]["customer_id"], fell["data"]["level"], fell["data"]["previous_level"]) == (
        buyer,
        "low",
        "medium",
    )
    assert fell["data"]["score"] < 40
    assert falls_at.timestamp() - 0.01 <= arrived < falls_at.timestamp() + 5  # generous: the box is shared
    assert (await intent.score(buyer)).level == intent_pb2.INTENT_LEVEL_LOW
    await asyncio.sleep(3)  # polls of the scheduler and the outbox relay: nothing is announced twice
    assert len(changes.events) == 2


async def test_with_two_replicas_a_decayed_level_is_announced_once(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> None:
    settings = settings_for("intent")
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as first:
        second = await start_service(DEFINITION, settings)  # same database, same streams
        try:
            intent = Intent(
                stub=intent_pb2_grpc.IntentServiceStub(first.channel),
                nc=first.nc,
                js=first.nc.jetstream(),
                namespace=namespace,
                leads=leads,
            )
            changes = await subscribe(intent.nc, f"{namespace}.evt.acme.intent.level_changed")
            buyers = await leads.customers(5)
            kinds = ["demo_request", "webinar_attend"]
            at = placed_so_the_level_falls_at(datetime.now(UTC) + timedelta(seconds=4), kinds)
            await intent.ingest(*(signal(b, k, occurred_at=to_timestamp(at)) for b in buyers for k in kinds))

            await changes.wait_for(10, within=20)  # five rises, then five falls
            await asyncio.sleep(3)  # both replicas keep polling: nothing fires twice
            falls = [e["data"]["customer_id"] for e in changes.events if e["data"]["level"] == "low"]
            assert sorted(falls) == sorted(buyers)
            assert len(changes.events) == 10
            fired = first.running.runtime.scheduler.stats.fired + second.runtime.scheduler.stats.fired
            assert fired == 5
        finally:
            await second.stop()
