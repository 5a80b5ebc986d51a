"""The review's two poison messages against the real services: each is dead-lettered to the service's
DLQ and the service goes on ingesting (the next good message is stored and announced)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from crm.intent.v1 import intent_pb2, intent_pb2_grpc

from common import bus, cloudevents
from common.config import Settings
from services.intent.app import DEFINITION as INTENT
from services.journey.app import DEFINITION as JOURNEY
from tests.integration.common.helpers import eventually
from tests.integration.common.test_poison import CONTROL_BYTES
from tests.support.events import subscribe
from tests.support.leads import Leads
from tests.support.rpc import metadata
from tests.support.service import service_under_test


async def test_control_bytes_on_signals_do_not_stop_intent_ingest(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> None:
    async with service_under_test(INTENT, settings_for("intent"), nats_url=nats_url) as svc:
        js = svc.nc.jetstream()
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)
        dlq = await subscribe(svc.nc, f"{namespace}.dlq.intent")
        buyer = await leads.customer()
        good = cloudevents.make_event(
            type="com.partner.signal",
            source="web",
            tenant="acme",
            data={"customer_id": buyer, "type": "demo_request"},
        )
        started = time.monotonic()
        poison = await js.publish(f"{namespace}.in.acme.signals", CONTROL_BYTES)
        await bus.publish_event(js, f"{namespace}.in.acme.signals", good)

        async def stored() -> bool:
            score = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=buyer), metadata=metadata())
            return bool(score.signal_count == 1)

        await eventually(stored, within=10)
        elapsed = time.monotonic() - started
        [dead] = await dlq.wait_for(1)
    assert dead["consumer"] == "intent-ingest" and dead["stream_seq"] == poison.seq
    assert dead["payload_bytes"] == len(CONTROL_BYTES) and "not JSON" in dead["error"]
    assert elapsed < 2.0, elapsed  # a GetScore poll on a loaded box included


async def test_a_940_kb_malformed_touchpoint_does_not_stop_journey_ingest(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> None:
    buyer = await leads.customer()
    huge = {"customer_id": buyer, "type": "Bad Type", "notes": '"\\\x01' * (940 * 1024 // 10)}
    poison = cloudevents.encode(cloudevents.make_event(type="t", source="dms", tenant="acme", data=huge))
    assert 900 * 1024 < len(poison) < bus.INGEST_MAX_MESSAGE_BYTES
    good = cloudevents.make_event(
        type="t",
        source="dms",
        tenant="acme",
        data={"id": "visit-1", "customer_id": buyer, "type": "store_visit"},
    )
    async with service_under_test(JOURNEY, settings_for("journey"), nats_url=nats_url) as svc:
        js = svc.nc.jetstream()
        dlq = await subscribe(svc.nc, f"{namespace}.dlq.journey")
        recorded = await subscribe(svc.nc, f"{namespace}.evt.acme.journey.touchpoint_recorded")
        started = time.monotonic()
        sent = await js.publish(f"{namespace}.in.acme.touchpoints", poison)
        await bus.publish_event(js, f"{namespace}.in.acme.touchpoints", good)
        [event] = await recorded.wait_for(1)
        elapsed = time.monotonic() - started
        [dead] = await dlq.wait_for(1)
    assert event["data"]["id"] == "visit-1"
    assert dead["stream_seq"] == sent.seq and "Bad Type" in dead["error"]
    assert dead["payload_truncated"] and len(json.dumps(dead).encode()) < 32 * 1024
    assert elapsed < 1.0, elapsed
