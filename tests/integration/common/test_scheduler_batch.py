"""Batch timer kinds of the one scheduler (common/scheduler.py) on the real MongoDB stand-in.

A batch handler gets the claimed timers of its kind together and answers per timer; the done ones are
completed together, a failing one is retried (then dead-lettered) while the rest complete, two
schedulers on one database fire each timer once, and a timer moved while its handler ran keeps its
new due time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from common.mongo import ensure_indexes
from common.scheduler import DEAD, TIMERS, Scheduler, Timer, TimerItem, scheduler_indexes

KIND = "test.batch"
FAST: dict[str, Any] = {"service": "sched", "poll_seconds": 0.05, "backoff_seconds": 0.2, "max_attempts": 3}


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def until(check: Callable[[], Awaitable[bool]], *, within: float = 15.0) -> None:
    """Poll `check` until it holds; timers fire in background tasks, there is nothing to await."""
    async with asyncio.timeout(within):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


class Batches:
    """A batch handler that records every call (replica, keys, time) and fails the keys it is told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], float]] = []
        self.failing: dict[str, int] = {}  # key -> how many more times it fails (a large number: always)

    def handler(self, replica: str) -> Callable[[list[TimerItem]], Awaitable[Sequence[Exception | None]]]:
        async def handle(items: list[TimerItem]) -> list[Exception | None]:
            self.calls.append((replica, [item.key for item in items], time.time()))
            results: list[Exception | None] = []
            for item in items:
                if self.failing.get(item.key, 0) > 0:
                    self.failing[item.key] -= 1
                    results.append(RuntimeError(f"cannot handle {item.key}"))
                else:
                    results.append(None)
            return results

        return handle

    def keys(self) -> list[str]:
        return [key for _, keys, _ in self.calls for key in keys]

    async def wait_for(self, count: int, *, within: float = 15.0) -> None:
        async def enough() -> bool:
            return len(self.keys()) >= count

        await until(enough, within=within)


@pytest.fixture
async def db(mongo_client: AsyncMongoClient[dict[str, Any]], namespace: str) -> AsyncDatabase[dict[str, Any]]:
    database = mongo_client[f"{namespace}_batch"]
    await ensure_indexes(database, scheduler_indexes())
    return database


@pytest.fixture
async def running() -> AsyncIterator[list[Scheduler]]:
    """Schedulers a test starts; all stopped afterwards."""
    started: list[Scheduler] = []
    try:
        yield started
    finally:
        for scheduler in started:
            await scheduler.stop()


async def test_due_timers_reach_the_batch_handler_together_and_each_completes_once(
    db: AsyncDatabase[dict[str, Any]], running: list[Scheduler]
) -> None:
    batches = Batches()
    scheduler = Scheduler(db, **FAST)
    scheduler.register_batch(KIND, batches.handler("a"))
    timers = [
        Timer(tenant="acme", kind=KIND, key=f"k{i}", due_at=soon(0.3), payload={"i": i}) for i in range(120)
    ]
    await scheduler.schedule_many(timers)
    running.append(scheduler)
    scheduler.start()

    await batches.wait_for(120)
    await asyncio.sleep(0.5)  # several polls: nothing fires again
    assert sorted(batches.keys()) == sorted(t.key for t in timers)
    assert len(batches.calls) < 120 / 4, "the timers were not handed over in batches"
    assert await db[TIMERS].count_documents({}) == 0


async def test_a_failing_item_is_retried_while_the_rest_of_its_batch_completes(
    db: AsyncDatabase[dict[str, Any]], running: list[Scheduler]
) -> None:
    batches = Batches()
    batches.failing = {"flaky": 1, "poison": 1_000}
    scheduler = Scheduler(db, **FAST)
    scheduler.register_batch(KIND, batches.handler("a"))
    keys = ["flaky", "poison", *(f"ok{i}" for i in range(10))]
    await scheduler.schedule_many(
        [Timer(tenant="acme", kind=KIND, key=key, due_at=soon(0.2), payload={"key": key}) for key in keys]
    )
    running.append(scheduler)
    scheduler.start()

    async def dead_lettered() -> bool:
        return bool(await scheduler.dead_letters("acme"))

    await until(dead_lettered)
    await asyncio.sleep(0.5)
    fired = batches.keys()
    assert all(fired.count(f"ok{i}") == 1 for i in range(10)), (
        "a good item ran again with its failing neighbour"
    )
    assert fired.count("flaky") == 2  # failed once, retried once, done
    assert fired.count("poison") == 3  # max_attempts, then dead-lettered
    [dead] = await scheduler.dead_letters("acme")
    assert (dead["key"], dead["attempts"], dead["payload"]) == ("poison", 3, {"key": "poison"})
    assert "cannot handle poison" in dead["error"]
    assert await db[TIMERS].count_documents({}) == 0
    assert await db[DEAD].count_documents({}) == 1


async def test_a_batch_handler_that_raises_has_every_item_retried(
    db: AsyncDatabase[dict[str, Any]], running: list[Scheduler]
) -> None:
    calls: list[list[str]] = []

    async def broken_once(items: list[TimerItem]) -> list[Exception | None]:
        calls.append([item.key for item in items])
        if len(calls) == 1:
            raise ConnectionError("database away")
        return [None] * len(items)

    scheduler = Scheduler(db, **FAST)
    scheduler.register_batch(KIND, broken_once)
    await scheduler.schedule_many(
        [Timer(tenant="acme", kind=KIND, key=f"k{i}", due_at=soon(0.2)) for i in range(5)]
    )
    running.append(scheduler)
    scheduler.start()

    async def retried() -> bool:
        return sum(len(keys) for keys in calls) >= 10

    await until(retried)
    await asyncio.sleep(0.5)
    assert sorted(calls[0]) == sorted(key for keys in calls[1:] for key in keys)  # each retried, once
    assert await db[TIMERS].count_documents({}) == 0
    assert await scheduler.dead_letters("acme") == []


async def test_two_schedulers_on_one_database_fire_each_batch_timer_once(
    mongo_client: AsyncMongoClient[dict[str, Any]],
    mongodb_uri: str,
    db: AsyncDatabase[dict[str, Any]],
    running: list[Scheduler],
) -> None:
    batches = Batches()
    other_client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    try:
        replicas = [
            Scheduler(db, **FAST),
            Scheduler(other_client[db.name], **FAST),  # its own client, as another process has
        ]
        for name, scheduler in zip("ab", replicas, strict=True):
            scheduler.register_batch(KIND, batches.handler(name))
        timers = [
            Timer(tenant=tenant, kind=KIND, key=f"k{i}", due_at=soon(0.5 + i / 100))
            for i in range(150)
            for tenant in ("acme", "globex")
        ]
        await replicas[0].schedule_many(timers)
        for scheduler in replicas:
            running.append(scheduler)
            scheduler.start()

        await batches.wait_for(300, within=30)
        await asyncio.sleep(0.8)
        assert len(batches.keys()) == 300
        assert set(batches.keys()) == {t.key for t in timers}
        assert await db[TIMERS].count_documents({}) == 0
    finally:
        for scheduler in running:
            await scheduler.stop()
        await other_client.close()


async def test_a_timer_moved_while_its_batch_handler_ran_keeps_its_new_due_time(
    db: AsyncDatabase[dict[str, Any]], running: list[Scheduler]
) -> None:
    scheduler = Scheduler(db, **FAST)
    seen: list[tuple[str, float]] = []
    moved_to = soon(2.0)

    async def moves_one(items: list[TimerItem]) -> list[Exception | None]:
        for item in items:
            seen.append((item.key, time.time()))
            if item.key == "moved" and len(seen) <= 2:
                # A user moves the due time while its reminder is being sent: the handler still succeeds.
                await scheduler.schedule(tenant="acme", kind=KIND, key="moved", due_at=moved_to)
        return [None] * len(items)

    scheduler.register_batch(KIND, moves_one)
    await scheduler.schedule_many(
        [Timer(tenant="acme", kind=KIND, key=key, due_at=soon(0.2)) for key in ("moved", "kept")]
    )
    running.append(scheduler)
    scheduler.start()

    async def fired_twice() -> bool:
        return [key for key, _ in seen].count("moved") >= 2

    await until(fired_twice)
    await asyncio.sleep(0.5)
    assert sorted(key for key, _ in seen) == ["kept", "moved", "moved"]
    assert [at for key, at in seen if key == "moved"][1] >= moved_to.timestamp()
    assert await db[TIMERS].count_documents({}) == 0


async def test_a_kind_takes_one_kind_of_handler(db: AsyncDatabase[dict[str, Any]]) -> None:
    scheduler = Scheduler(db, service="sched")

    async def single(tenant: str, key: str, payload: dict[str, Any]) -> None:
        return None

    async def batch(items: list[TimerItem]) -> list[Exception | None]:
        return [None] * len(items)

    scheduler.register(KIND, single)
    with pytest.raises(ValueError, match="one"):
        scheduler.register_batch(KIND, batch)
    with pytest.raises(ValueError, match="must match"):
        scheduler.register_batch("Bad Kind", batch)
    assert scheduler.kinds == [KIND]


async def test_a_batch_held_by_a_replica_that_died_fires_once_on_another_after_the_lease(
    db: AsyncDatabase[dict[str, Any]], running: list[Scheduler]
) -> None:
    options = {**FAST, "lease_seconds": 2.0, "handler_timeout_seconds": 0.4}
    claimed = asyncio.Event()

    async def dies_midway(items: list[TimerItem]) -> list[Exception | None]:
        claimed.set()
        await asyncio.sleep(3600)
        return [None] * len(items)

    dying = Scheduler(db, **options)
    dying.register_batch(KIND, dies_midway)
    batches = Batches()
    survivor = Scheduler(db, **options)
    survivor.register_batch(KIND, batches.handler("survivor"))
    running.extend([dying, survivor])
    await dying.schedule_many(
        [Timer(tenant="acme", kind=KIND, key=f"k{i}", due_at=soon(0)) for i in range(5)]
    )
    dying.start()
    async with asyncio.timeout(10):
        await claimed.wait()
    claimed_at = time.time()
    await dying.stop(grace=0)  # as good as a kill: nothing of the batch is completed
    survivor.start()

    await batches.wait_for(5)
    assert time.time() - claimed_at >= 1.5  # not before the dead replica's lease ran out
    await asyncio.sleep(0.5)
    assert sorted(batches.keys()) == [f"k{i}" for i in range(5)]
    assert await db[TIMERS].count_documents({}) == 0
