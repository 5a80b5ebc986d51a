"""Consumers apply each event once: a redelivered or replayed event is acknowledged without its handler,
and an ingest subject that nobody consumes is dead-lettered instead of lying in the stream unseen."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from common import bus, cloudevents
from common.config import Settings
from common.consumers import ConsumerRunner
from common.inbox import COLLECTION
from services.intent import events as intent_events
from services.journey import events as journey_events
from services.journey.app import DEFINITION as JOURNEY
from services.leads.app import DEFINITION as LEADS
from services.tags import events as tags_events
from tests.integration.common.helpers import settled
from tests.support.events import subscribe
from tests.support.leads import Leads
from tests.support.service import service_under_test


def event(tenant: str = "acme", **data: Any) -> dict[str, Any]:
    return cloudevents.make_event(type="crm.test.happened.v1", source="crm/test", tenant=tenant, data=data)


async def test_a_replayed_stream_changes_nothing_twice(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    """The durable is deleted and re-created (as after an operator reset): every event comes again and
    is acknowledged without calling the handler a second time."""
    _, jsc = js
    applied: list[str] = []

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        applied.append(ev["id"])

    consumer = bus.Consumer(durable="replay", stream_kind="evt", filter_subject="evt.>", handler=handler)
    sent = [event(n=n) for n in range(3)]
    for ev in sent:
        await bus.publish_event(jsc, f"{namespace}.evt.acme.x.happened", ev)
    stream = bus.stream_name(namespace, "evt")

    first = ConsumerRunner(jsc, root=namespace, service="test", db=db)
    await first.start(consumer)
    try:
        await settled(jsc, stream, "replay")
    finally:
        await first.stop()
    await jsc.delete_consumer(stream, "replay")

    second = ConsumerRunner(jsc, root=namespace, service="test", db=db)
    await second.start(consumer)
    try:
        await settled(jsc, stream, "replay")
        info = await jsc.consumer_info(stream, "replay")
    finally:
        await second.stop()
    assert info.delivered.stream_seq == 3  # all three were delivered again ...
    assert sorted(applied) == sorted(ev["id"] for ev in sent)  # ... and applied only the first time
    records = await db[COLLECTION].find({}).to_list()
    assert sorted(r["_id"] for r in records) == sorted(f"replay|acme|{ev['id']}" for ev in sent)
    assert all(r["tenant_id"] == "acme" and r["durable"] == "replay" for r in records)
    ttl = [i for i in (await db[COLLECTION].index_information()).values() if "expireAfterSeconds" in i]
    assert [i["expireAfterSeconds"] for i in ttl] == [bus.STREAM_MAX_AGE]


async def test_the_same_event_id_resent_on_another_subject_is_applied_once_per_tenant(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    """A sender re-publishes an event after the de-duplication window (no Nats-Msg-Id): it reaches the
    consumer again, which acknowledges it without applying it; the same id in another tenant is another
    event."""
    _, jsc = js
    applied: list[tuple[str, str]] = []

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        applied.append((tenant, ev["data"]["via"]))

    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db)
    await runner.start(
        bus.Consumer(durable="once", stream_kind="evt", filter_subject="evt.>", handler=handler)
    )
    try:
        ev = event(via="first")
        await jsc.publish(f"{namespace}.evt.acme.x.happened", cloudevents.encode(ev))
        await jsc.publish(
            f"{namespace}.evt.acme.x.again", cloudevents.encode({**ev, "data": {"via": "again"}})
        )
        other = {**ev, "tenantid": "globex", "data": {"via": "globex"}}
        await jsc.publish(f"{namespace}.evt.globex.x.happened", cloudevents.encode(other))
        await settled(jsc, bus.stream_name(namespace, "evt"), "once")
    finally:
        await runner.stop()
    assert sorted(applied) == [("acme", "first"), ("globex", "globex")]


async def test_a_service_records_what_its_consumer_applied_and_a_replay_publishes_nothing_again(
    settings_for: Callable[..., Settings],
    nats_url: str,
    namespace: str,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    leads: Leads,
) -> None:
    settings = settings_for("journey")
    touchpoint = {"id": "visit-1", "customer_id": await leads.customer(), "type": "store_visit"}
    ingest = cloudevents.make_event(type="com.partner.tp", source="partner", tenant="acme", data=touchpoint)
    async with service_under_test(JOURNEY, settings, nats_url=nats_url) as svc:
        jsc = svc.nc.jetstream()
        recorded = await subscribe(svc.nc, f"{namespace}.evt.acme.journey.touchpoint_recorded")
        await bus.publish_event(jsc, f"{namespace}.in.acme.touchpoints", ingest)
        await recorded.wait_for(1)
        stream = bus.stream_name(namespace, "in")
        await settled(jsc, stream, journey_events.INGEST_DURABLE)
        # Replay: stop consuming, reset the durable, consume again from the start of the stream.
        await svc.running.stop()
        await jsc.delete_consumer(stream, journey_events.INGEST_DURABLE)
        async with service_under_test(JOURNEY, settings, nats_url=nats_url):
            await settled(jsc, stream, journey_events.INGEST_DURABLE)
            await asyncio.sleep(0.3)  # room for a second touchpoint_recorded, were one published
        assert len(recorded.events) == 1
    journey_db = mongo_client[settings.database_name]
    [record] = await journey_db[COLLECTION].find({}).to_list()
    assert record["_id"] == f"{journey_events.INGEST_DURABLE}|acme|{ingest['id']}"


async def test_an_ingest_kind_nobody_consumes_is_dead_lettered_by_leads(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str
) -> None:
    async with service_under_test(LEADS, settings_for("leads"), nats_url=nats_url) as svc:
        jsc = svc.nc.jetstream()
        dlq = await subscribe(svc.nc, f"{namespace}.dlq.leads")
        body = cloudevents.encode(event())
        await jsc.publish(f"{namespace}.in.acme.signals", body)  # known: its own consumer handles it
        await jsc.publish(f"{namespace}.in.acme.orders", body)
        await jsc.publish(f"{namespace}.in.acme.signals.extra", body)
        await jsc.publish(f"{namespace}.in.acme", body)
        dead = await dlq.wait_for(3)
        await asyncio.sleep(0.5)  # room for a record of the known kind, were one written
        stream = bus.stream_name(namespace, "in")
        await settled(jsc, stream, "leads-unknown-ingest", within=2)
    assert sorted(d["subject"].removeprefix(f"{namespace}.") for d in dead) == [
        "in.acme",
        "in.acme.orders",
        "in.acme.signals.extra",
    ]
    by_subject = {d["subject"].removeprefix(f"{namespace}."): d for d in dead}
    assert "unknown ingest kind 'orders'" in by_subject["in.acme.orders"]["error"]
    assert "conversations, signals, touchpoints" in by_subject["in.acme.orders"]["error"]
    assert all(d["consumer"] == "leads-unknown-ingest" and d["deliveries"] == 1 for d in dead)
    assert json.loads(by_subject["in.acme.orders"]["payload"])["id"] == json.loads(body)["id"]


def test_every_ingest_kind_a_service_consumes_is_known_to_the_catch_all() -> None:
    subjects = {
        intent_events.INGEST_SUBJECT,
        journey_events.INGEST_SUBJECT,
        tags_events.CONVERSATIONS_SUBJECT,
    }
    assert {s.split(".")[2] for s in subjects} == bus.INGEST_KINDS
    assert all(s.startswith("in.*.") and s.count(".") == 2 for s in subjects)
