"""The JetStream plumbing every service relies on, against a real nats-server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pymongo.asynchronous.database import AsyncDatabase

from common import bus, cloudevents
from common.consumers import ConsumerRunner
from common.errors import InvalidArgument
from common.telemetry import tracer
from tests.support.events import subscribe


def event(tenant: str = "acme", **data: Any) -> dict[str, Any]:
    return cloudevents.make_event(type="crm.test.happened.v1", source="crm/test", tenant=tenant, data=data)


async def test_published_event_reaches_consumer_once_with_its_tenant(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    _, jsc = js
    seen: list[tuple[str, dict[str, Any]]] = []
    arrived = asyncio.Event()

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        seen.append((tenant, ev))
        arrived.set()

    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db)
    await runner.start(
        bus.Consumer(durable="t1", stream_kind="evt", filter_subject="evt.*.x.happened", handler=handler)
    )
    try:
        publisher = bus.EventPublisher(jsc, root=namespace, service="x")
        sent = await publisher.publish(tenant="acme", event="happened", data={"n": 1}, subject_id="cus_1")
        # The same id again is dropped by JetStream's de-duplication window.
        await bus.publish_event(jsc, publisher.subject("acme", "happened"), sent)
        async with asyncio.timeout(5):
            await arrived.wait()
        await asyncio.sleep(0.3)  # room for a duplicate to show up, were it delivered
    finally:
        await runner.stop()
    assert [(t, e["id"]) for t, e in seen] == [("acme", sent["id"])]
    assert seen[0][1]["type"] == "crm.x.happened.v1" and seen[0][1]["data"] == {"n": 1}


async def test_failing_handler_is_retried_then_dead_lettered_with_the_error(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    nc, jsc = js
    attempts = 0

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("database unreachable")

    dlq = await subscribe(nc, f"{namespace}.dlq.test")
    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, max_deliver=3)
    await runner.start(bus.Consumer(durable="t2", stream_kind="evt", filter_subject="evt.>", handler=handler))
    try:
        sent = event(n=2)
        await bus.publish_event(jsc, f"{namespace}.evt.acme.x.happened", sent)
        [dead] = await dlq.wait_for(1, within=15)
    finally:
        await runner.stop()
    assert attempts == 3
    assert dead["deliveries"] == 3 and "database unreachable" in dead["error"]
    assert json.loads(dead["payload"])["id"] == sent["id"]


async def test_malformed_or_cross_tenant_messages_go_to_the_dlq_without_retries(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    nc, jsc = js
    handled: list[str] = []
    good_done = asyncio.Event()

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        if ev["data"].get("bad"):
            raise InvalidArgument("data.bad is not allowed")
        handled.append(ev["id"])
        good_done.set()

    dlq = await subscribe(nc, f"{namespace}.dlq.test")
    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, max_deliver=5)
    await runner.start(
        bus.Consumer(durable="t3", stream_kind="in", filter_subject="in.*.things", handler=handler)
    )
    try:
        await jsc.publish(f"{namespace}.in.acme.things", b"{not json")
        await bus.publish_event(jsc, f"{namespace}.in.acme.things", event(tenant="globex"))
        await bus.publish_event(jsc, f"{namespace}.in.acme.things", event(bad=True))
        good = event()
        await bus.publish_event(jsc, f"{namespace}.in.acme.things", good)
        dead = await dlq.wait_for(3, within=10)
        async with asyncio.timeout(5):
            await good_done.wait()
    finally:
        await runner.stop()
    errors = sorted(d["error"] for d in dead)
    assert all(d["deliveries"] == 1 for d in dead)
    assert any("not JSON" in e for e in errors)
    assert any("does not match subject tenant" in e for e in errors)
    assert any("data.bad" in e for e in errors)
    assert handled == [good["id"]]


async def test_trace_context_travels_from_publisher_to_consumer(
    js: tuple[NATS, JetStreamContext],
    namespace: str,
    db: AsyncDatabase[dict[str, Any]],
    span_exporter: InMemorySpanExporter,
) -> None:
    _, jsc = js
    done = asyncio.Event()

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        done.set()

    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db)
    await runner.start(bus.Consumer(durable="t4", stream_kind="evt", filter_subject="evt.>", handler=handler))
    try:
        with tracer().start_as_current_span("caller") as caller:
            trace_id = caller.get_span_context().trace_id
            await bus.publish_event(jsc, f"{namespace}.evt.acme.x.happened", event())
        async with asyncio.timeout(5):
            await done.wait()
    finally:
        await runner.stop()
    subject = f"{namespace}.evt.acme.x.happened"
    spans = {s.name: s for s in span_exporter.get_finished_spans() if s.context.trace_id == trace_id}
    assert {"caller", f"publish {subject}", f"process {subject}"} <= set(spans)
