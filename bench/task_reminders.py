"""Benchmark: task reminders due 2 s after creation — how late `journey.task_due` reaches a subscriber.

Starts nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set), leads, and two replicas of
the journey service (one database, one NATS). Creates `--tasks` tasks through CreateTask, each due
2 s after it is created, and listens on core NATS to `<root>.evt.bench.journey.task_due` as the
gateway's subscription does. Lateness = event arrival − the task's due time; the handler's share
(`reminded_at` − due) is printed beside it, and duplicates and missing reminders are counted.

Baseline, in the same run, on the same servers and at the same time: the bare scheduler (`common.scheduler`, as
bench/scheduler.py measures it) firing the same number of timers, each due 2 s after it is
scheduled, with a handler that only records its start. The difference is what the task path adds:
reading the task, the guarded write with its outbox event, the publish and the NATS delivery.

    python bench/task_reminders.py [--tasks 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from nats.aio.msg import Msg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers, service_beside_leads
from common.grpc_client import open_channel
from common.scheduler import Scheduler
from common.service import start_service
from common.timeutil import to_timestamp
from services.journey.app import DEFINITION

LEAD = 2.0
KIND = "bench.remind"


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def line(name: str, late_ms: list[float]) -> str:
    if not late_ms:
        return f"  {name:<34} (none)"
    return (
        f"  {name:<34} p50 {pct(late_ms, 50):7.1f} ms  p90 {pct(late_ms, 90):7.1f} ms  "
        f"p99 {pct(late_ms, 99):7.1f} ms  max {max(late_ms):7.1f} ms  within 1 s: "
        f"{sum(v <= 1000 for v in late_ms)}/{len(late_ms)}"
    )


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def until(done: Callable[[], bool], *, within: float) -> None:
    """Return when `done()` holds or `within` seconds have passed (the report counts what is missing)."""
    deadline = time.time() + within
    while not done() and time.time() < deadline:  # noqa: ASYNC110 - polling a counter, not an event
        await asyncio.sleep(0.1)


async def bounded(count: int, concurrency: int, one: Any) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def run(i: int) -> None:
        async with gate:
            await one(i)

    await asyncio.gather(*(run(i) for i in range(count)))


async def baseline(db: Any, count: int, concurrency: int) -> list[float]:
    """The bare scheduler on the same database: timers due 2 s after scheduling, handler start − due."""
    late: list[float] = []
    scheduler = Scheduler(db, service="bench-baseline")

    async def tick(tenant: str, key: str, payload: dict[str, Any]) -> None:
        late.append((time.time() - payload["due"]) * 1000)

    scheduler.register(KIND, tick)
    scheduler.start()
    try:

        async def one(i: int) -> None:
            due = time.time() + LEAD
            when = datetime.fromtimestamp(due, UTC)
            await scheduler.schedule(
                tenant="bench", kind=KIND, key=f"t{i}", due_at=when, payload={"due": due}
            )

        await bounded(count, concurrency, one)
        await until(lambda: len(late) >= count, within=LEAD + 30)
    finally:
        await scheduler.stop()
    return late


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as svc:
            settings = svc.running.runtime.settings
            second = await start_service(DEFINITION, replace(settings, grpc_port=0))
            nc = await nats.connect(servers.nats_url)
            arrivals: list[tuple[float, dict[str, Any]]] = []

            async def on_message(msg: Msg) -> None:
                arrivals.append((time.time(), json.loads(msg.data)["data"]))

            await nc.subscribe(f"{settings.subject_root}.evt.bench.journey.task_due", cb=on_message)
            await nc.flush()
            try:
                customers = [await svc.create_customer() for _ in range(10)]
                async with open_channel(f"127.0.0.1:{svc.running.port}") as channel:
                    stub = journey_pb2_grpc.JourneyServiceStub(channel)

                    async def create(i: int) -> None:
                        due = datetime.now(UTC) + timedelta(seconds=LEAD)
                        request = journey_pb2.CreateTaskRequest(
                            customer_id=customers[i % len(customers)],
                            kind=journey_pb2.TASK_KIND_CALL,
                            due_at=to_timestamp(due),
                            task_id=f"bench-{i}",
                        )
                        await stub.CreateTask(request, metadata=svc.metadata)

                    async def create_all() -> float:
                        started = time.perf_counter()
                        await bounded(opts.tasks, opts.concurrency, create)
                        return time.perf_counter() - started

                    # The baseline runs at the same time, so both see the same load on the servers.
                    created_in, base = await asyncio.gather(
                        create_all(), baseline(svc.running.runtime.db, opts.tasks, opts.concurrency)
                    )
                    await until(lambda: len(arrivals) >= opts.tasks, within=LEAD + 30)
                    await asyncio.sleep(1.5)  # room for duplicates to show
            finally:
                await second.stop()
                await nc.close()

    ids = collections.Counter(data["task_id"] for _, data in arrivals)
    doubled = sum(n - 1 for n in ids.values() if n > 1)
    arrival = [(at - parse_time(d["due_at"])) * 1000 for at, d in arrivals]
    handler = [(parse_time(d["reminded_at"]) - parse_time(d["due_at"])) * 1000 for _, d in arrivals]
    print(f"task reminders: {opts.tasks} tasks due {LEAD:.0f} s after creation, two journey replicas")
    print(f"  created {opts.tasks} tasks in {created_in:.2f} s ({opts.concurrency} at a time)")
    print(f"  task_due events: {len(ids)} distinct, {doubled} duplicate(s), missing {opts.tasks - len(ids)}")
    print("lateness (against the due time):")
    print(line("baseline: bare scheduler handler", base))
    print(line("task handler ran (reminded_at)", handler))
    print(line("task_due arrived on NATS", arrival))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    asyncio.run(main(parser.parse_args()))
