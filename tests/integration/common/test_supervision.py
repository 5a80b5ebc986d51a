"""A consumer loop that dies or stops pulling is reported, restarted, and consumes again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase

from common import bus, cloudevents
from common.consumers import ConsumerRunner
from common.local_servers import free_port, start_mongo_standin
from common.mongo import open_client
from tests.integration.common.helpers import eventually, settled
from tests.support.events import subscribe


class LoopKiller(BaseException):
    """Escapes `except Exception`, as a bug or a misbehaving library might: it ends the task it is raised in."""


def event(n: int) -> dict[str, Any]:
    return cloudevents.make_event(type="crm.test.v1", source="crm/test", tenant="acme", data={"n": n})


async def run_until_recovered(
    jsc: JetStreamContext,
    namespace: str,
    db: AsyncDatabase[dict[str, Any]],
    first_call: Callable[[], Awaitable[None]],
) -> tuple[list[str], list[int]]:
    """Message 1's handler misbehaves via `first_call`; returns the problems reported and what was handled."""
    handled: list[int] = []

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        if ev["data"]["n"] == 1:
            await first_call()
        handled.append(ev["data"]["n"])

    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, stall_after=2)
    # One message per fetch, so message 2 is not held by the loop that misbehaves.
    await runner.start(
        bus.Consumer(durable="sup", stream_kind="evt", filter_subject="evt.>", handler=handler, batch=1)
    )
    found: list[str] = []
    try:
        assert runner.problems() == []
        await bus.publish_event(jsc, f"{namespace}.evt.acme.x.happened", event(1))
        await bus.publish_event(jsc, f"{namespace}.evt.acme.x.happened", event(2))

        async def reported() -> bool:
            found.extend(runner.problems())
            return bool(found)

        async def next_handled() -> bool:
            return 2 in handled

        async def healthy() -> bool:
            return runner.problems() == []

        await eventually(reported, within=15)
        await eventually(next_handled, within=10)
        await eventually(healthy, within=15)
    finally:
        await runner.stop()
    return found, handled


async def test_a_loop_that_died_is_restarted_reported_and_consumes_the_next_message(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    _, jsc = js

    async def die() -> None:
        raise LoopKiller("escaped the handler")

    reported, handled = await run_until_recovered(jsc, namespace, db, die)
    assert "consumer sup stopped" in reported[0] and "LoopKiller" in reported[0]
    assert handled == [2]


async def test_a_loop_stalled_in_a_handler_that_ignores_cancellation_is_replaced(
    js: tuple[NATS, JetStreamContext], namespace: str, db: AsyncDatabase[dict[str, Any]]
) -> None:
    _, jsc = js
    release = asyncio.Event()

    async def ignore_cancellation() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # the time limit and the supervisor both try; neither can stop it

    try:
        reported, handled = await run_until_recovered(jsc, namespace, db, ignore_cancellation)
    finally:
        release.set()
        await asyncio.sleep(0.1)  # let the stuck task finish
    assert any("has not pulled" in p or "stalled" in p for p in reported), reported
    assert handled[0] == 2


async def test_a_database_outage_pauses_consuming_and_dead_letters_nothing(
    tmp_path: Path, js: tuple[NATS, JetStreamContext], namespace: str
) -> None:
    """Messages that arrive while MongoDB is down wait (far longer than the retry schedule that would
    dead-letter a failing handler) and are all applied once it is back."""
    nc, jsc = js
    port = free_port()
    mongo = start_mongo_standin(tmp_path / "mongo", port=port)
    client = open_client(mongo.url)
    db = client["outage"]
    dlq = await subscribe(nc, f"{namespace}.dlq.test")

    async def handler(tenant: str, ev: dict[str, Any]) -> None:
        await db["applied"].update_one({"_id": ev["id"]}, {"$set": {"n": ev["data"]["n"]}}, upsert=True)

    runner = ConsumerRunner(jsc, root=namespace, service="test", db=db, max_deliver=3)
    await runner.start(
        bus.Consumer(durable="outage", stream_kind="evt", filter_subject="evt.>", handler=handler)
    )
    try:
        mongo.stop()
        for n in range(5):
            await bus.publish_event(jsc, f"{namespace}.evt.acme.x.happened", event(n))
        await asyncio.sleep(12)  # three failing deliveries of a normal failure would take ~2 s
        mongo = start_mongo_standin(tmp_path / "mongo", port=port)

        async def all_applied() -> bool:
            return await db["applied"].count_documents({}) == 5

        await eventually(all_applied, within=30, every=0.5)
        await settled(jsc, bus.stream_name(namespace, "evt"), "outage")
    finally:
        await runner.stop()
        await client.close()
        mongo.stop()
    assert dlq.events == []
