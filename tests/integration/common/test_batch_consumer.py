"""A batch handler sees a whole pulled batch at once, yet each message is settled by its own outcome."""

from __future__ import annotations

import asyncio
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase

from common import bus, cloudevents
from common.consumers import ConsumerRunner
from common.errors import InvalidArgument, Unavailable
from tests.integration.common.helpers import settled
from tests.support.events import subscribe


def event(seq: int, **data: Any) -> dict[str, Any]:
    return cloudevents.make_event(
        type="com.partner.signal.v1", source="partner/test", tenant="acme", data={"seq": seq, **data}
    )


async def test_one_bad_message_is_dead_lettered_alone_and_the_rest_of_its_batch_is_applied_together(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    nc, jsc = js
    dlq = await subscribe(nc, f"{namespace}.dlq.test")
    calls: list[list[int]] = []
    failed_once = False

    async def handle(tenant: str, events: list[dict[str, Any]]) -> list[Exception | None]:
        nonlocal failed_once
        if not failed_once:  # the first call fails as a whole (e.g. the database blinked): all come back
            failed_once = True
            raise Unavailable("not now")
        calls.append([e["data"]["seq"] for e in events])
        return [InvalidArgument("seq 3 is bad") if e["data"]["seq"] == 3 else None for e in events]

    for seq in range(1, 11):  # published before the consumer starts: they arrive as one batch
        await bus.publish_event(jsc, f"{namespace}.in.acme.signals", event(seq))
    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, max_deliver=3)
    await runner.start(
        bus.Consumer(
            durable="batched",
            stream_kind="in",
            filter_subject="in.*.signals",
            handler=None,
            batch_handler=handle,
        )
    )
    try:
        [dead] = await dlq.wait_for(1, within=15)
        await settled(jsc, bus.stream_name(namespace, "in"), "batched", within=15)
    finally:
        await runner.stop()
    assert "seq 3 is bad" in dead["error"] and dead["deliveries"] == 2
    applied = [seq for call in calls for seq in call if seq != 3]
    assert sorted(applied) == [1, 2, 4, 5, 6, 7, 8, 9, 10]  # once each, after the failed first call
    assert len(calls) < 10 and max(len(c) for c in calls) > 1  # coalesced: several events per call


async def test_batches_in_flight_overlap_and_every_message_is_handled_once(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    """`in_flight=2`: the next batch is pulled and handled while an earlier one still waits (here on a
    gate standing for the database), and each message is handled and acknowledged exactly once."""
    _, jsc = js
    gate = asyncio.Event()
    seen: list[int] = []
    running = 0
    most = 0

    async def handle(tenant: str, events: list[dict[str, Any]]) -> list[Exception | None]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        if most < 2:
            await gate.wait()  # the first batch waits until a second one is being handled beside it
        else:
            gate.set()
        seen.extend(e["data"]["seq"] for e in events)
        running -= 1
        return [None] * len(events)

    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, max_deliver=3)
    await runner.start(
        bus.Consumer(
            durable="overlapped",
            stream_kind="in",
            filter_subject="in.*.signals",
            handler=None,
            batch_handler=handle,
            batch=5,
            in_flight=2,
            remember_applied=False,
        )
    )
    try:
        for seq in range(1, 41):
            await bus.publish_event(jsc, f"{namespace}.in.acme.signals", event(seq))
        await settled(jsc, bus.stream_name(namespace, "in"), "overlapped", within=15)
    finally:
        await runner.stop()
    assert most == 2  # two batches were handled at once
    assert sorted(seen) == list(range(1, 41))  # each message once
