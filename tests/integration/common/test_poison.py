"""No message can stop a consumer: every poison kind is dead-lettered with a bounded record, and the
next good message is consumed right after it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import APIError
from pymongo.asynchronous.database import AsyncDatabase

from common import bus, cloudevents, deadletter
from common.consumers import ConsumerRunner
from common.errors import InvalidArgument
from tests.support.events import subscribe

MAX_NOTES = 2000


def envelope(*, tenant: str = "acme", **overrides: Any) -> dict[str, Any]:
    event = cloudevents.make_event(
        type="com.partner.touchpoint.v1", source="partner/test", tenant=tenant, data={"type": "visit"}
    )
    event.update(overrides)
    return event


def raw(event: Any) -> bytes:
    return json.dumps(event).encode()


# 180 KB of control bytes: as JSON text every byte is escaped to six (`\u0001`), over 1 MB.
CONTROL_BYTES = bytes(range(1, 32)) * (180 * 1024 // 31)
# ~940 KB, valid JSON and a CloudEvent, but its one touchpoint is malformed (notes far too long, full of
# quotes and backslashes that double when escaped again).
LARGE_MALFORMED = raw(envelope(data={"type": "visit", "notes": '"\\' * (940 * 1024 // 4 - 100)}))
POISON: dict[str, tuple[str, bytes, str]] = {
    "control bytes": ("in.acme.signals", CONTROL_BYTES, "not JSON"),
    "940 KB malformed touchpoint": ("in.acme.touchpoints", LARGE_MALFORMED, "data.notes"),
    "not JSON": ("in.acme.signals", b"{not json", "not JSON"),
    "JSON array": ("in.acme.signals", b"[1, 2, 3]", "not a CloudEvent object"),
    "wrong specversion": ("in.acme.signals", raw(envelope(specversion="0.3")), "specversion"),
    "data not an object": ("in.acme.signals", raw(envelope(data=[1, 2])), "data must be a JSON object"),
    "invalid tenant": ("in.Not_A_Tenant.signals", raw(envelope(tenant="Not_A_Tenant")), "valid tenant"),
    "id not a string": ("in.acme.signals", raw(envelope(id=12)), "id must be a string"),
}


@dataclass
class Handled:
    seqs: list[int] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


@pytest.fixture
async def consuming(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> AsyncIterator[Handled]:
    """A consumer of every ingest subject whose handler validates touchpoint-like data."""
    _, jsc = js
    handled = Handled()

    async def handler(tenant: str, event: dict[str, Any]) -> None:
        if len(event["data"].get("notes", "")) > MAX_NOTES:
            raise InvalidArgument(f"data.notes is longer than {MAX_NOTES} characters", field="notes")
        async with handled.changed:
            handled.seqs.append(int(event["data"]["seq"]))
            handled.changed.notify_all()

    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, max_deliver=3)
    await runner.start(
        bus.Consumer(durable="poison", stream_kind="in", filter_subject="in.>", handler=handler)
    )
    try:
        yield handled
    finally:
        await runner.stop()


async def test_each_poison_kind_is_dead_lettered_and_the_next_good_message_follows_within_a_second(
    js: tuple[NATS, JetStreamContext], namespace: str, consuming: Handled
) -> None:
    nc, jsc = js
    dlq = await subscribe(nc, f"{namespace}.dlq.test")
    delays = {}
    for number, (name, (subject, body, error)) in enumerate(POISON.items(), start=1):
        started = time.monotonic()
        poison = await jsc.publish(f"{namespace}.{subject}", body)
        await bus.publish_event(jsc, f"{namespace}.in.acme.signals", envelope(data={"seq": number}))
        async with asyncio.timeout(10), consuming.changed:
            await consuming.changed.wait_for(lambda n=number: n in consuming.seqs)  # type: ignore[misc]
        delays[name] = time.monotonic() - started
        [*_, dead] = await dlq.wait_for(number, within=10)
        assert dead["stream"] == bus.stream_name(namespace, "in") and dead["stream_seq"] == poison.seq, name
        assert dead["subject"] == f"{namespace}.{subject}" and dead["consumer"] == "poison", name
        assert dead["deliveries"] == 1 and error in dead["error"], (name, dead["error"])
        assert dead["payload_bytes"] == len(body), name
        assert dead["payload_truncated"] is (len(body) > deadletter.PREVIEW_BYTES), name
        assert len(dead["payload"].encode()) <= 4 * deadletter.PREVIEW_BYTES, name
        # The original is still there, by the reference the record gives.
        original = await jsc.get_msg(dead["stream"], dead["stream_seq"])
        assert original.data == body, name
    # The good messages were all consumed, in order, each after the poison published before it.
    assert consuming.seqs == list(range(1, len(POISON) + 1))
    print("poison → next good message consumed after (s):", {k: round(v, 3) for k, v in delays.items()})
    assert max(delays.values()) < 1.0, delays


async def test_a_dead_letter_record_stays_small_whatever_the_message(
    js: tuple[NATS, JetStreamContext], namespace: str, consuming: Handled
) -> None:
    nc, jsc = js
    dlq_sizes: list[int] = []
    arrived = asyncio.Event()

    async def sized(msg: Msg) -> None:
        dlq_sizes.append(len(msg.data))
        arrived.set()

    await nc.subscribe(f"{namespace}.dlq.test", cb=sized)
    # Worst case for escaping: every byte a control byte, an error that quotes the subject, long headers.
    await jsc.publish(f"{namespace}.in.acme." + "x" * 200, CONTROL_BYTES, headers={"X-Huge": "h" * 60_000})
    async with asyncio.timeout(10):
        await arrived.wait()
    assert dlq_sizes[0] <= deadletter.MAX_RECORD_BYTES


async def test_a_failed_dead_letter_publish_loses_nothing(
    js: tuple[NATS, JetStreamContext], namespace: str, consuming: Handled
) -> None:
    """With the DLQ stream gone, the poison is nak'ed (not acked), good messages still flow, and the
    record is written once the DLQ stream is back."""
    nc, jsc = js
    dlq_stream = bus.stream_name(namespace, "dlq")
    await jsc.delete_stream(dlq_stream)
    poison = await jsc.publish(f"{namespace}.in.acme.signals", b"{not json")
    await bus.publish_event(jsc, f"{namespace}.in.acme.signals", envelope(data={"seq": 1}))
    async with asyncio.timeout(10), consuming.changed:
        await consuming.changed.wait_for(lambda: 1 in consuming.seqs)
    await asyncio.sleep(0.5)
    dlq = await subscribe(nc, f"{namespace}.dlq.test")
    await bus.ensure_streams(jsc, root=namespace)
    [dead] = await dlq.wait_for(1, within=20)
    assert dead["stream_seq"] == poison.seq and dead["deliveries"] >= 2


async def test_a_hung_handler_is_cut_off_retried_and_the_loop_moves_on(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    nc, jsc = js
    calls: list[int] = []
    done = asyncio.Event()

    async def handler(tenant: str, event: dict[str, Any]) -> None:
        seq = int(event["data"]["seq"])
        calls.append(seq)
        if seq == 1:
            await asyncio.sleep(3600)  # hangs on every delivery
        if seq == 2:
            done.set()

    dlq = await subscribe(nc, f"{namespace}.dlq.test")
    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, max_deliver=2)
    await runner.start(
        bus.Consumer(durable="hung", stream_kind="in", filter_subject="in.>", handler=handler, timeout=0.5)
    )
    try:
        await bus.publish_event(jsc, f"{namespace}.in.acme.signals", envelope(data={"seq": 1}))
        await bus.publish_event(jsc, f"{namespace}.in.acme.signals", envelope(data={"seq": 2}))
        async with asyncio.timeout(10):
            await done.wait()
        [dead] = await dlq.wait_for(1, within=15)
    finally:
        await runner.stop()
    assert "longer than its 0.5 s limit" in dead["error"] and dead["deliveries"] == 2
    assert calls.count(1) == 2 and calls.count(2) == 1


async def test_the_ingest_stream_refuses_a_message_above_its_maximum_size(
    js: tuple[NATS, JetStreamContext], namespace: str
) -> None:
    _, jsc = js
    await bus.ensure_streams(jsc, root=namespace, ingest_max_bytes=64 * 1024)
    with pytest.raises(APIError) as refused:
        await jsc.publish(f"{namespace}.in.acme.signals", b"x" * (64 * 1024 + 1))
    assert "maximum" in str(refused.value).lower()
    info = await jsc.stream_info(bus.stream_name(namespace, "in"))
    assert info.config.max_msg_size == 64 * 1024 and info.state.messages == 0
    evt = await jsc.stream_info(bus.stream_name(namespace, "evt"))
    assert evt.config.duplicate_window == bus.EVENT_DUPLICATE_WINDOW == 600
