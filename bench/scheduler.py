"""Benchmark: 10,000 timers due within one minute, fired by two replicas; lateness and exactly-once.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set). The engine we ship
(`common.scheduler.Scheduler`, MongoDB timers claimed with leases) runs as two replicas, each with its
own MongoDB client, sharing one database. Every timer's handler records which replica fired it and
how late; the run ends when all have fired or a deadline passes, and prints the count fired (must
equal the count scheduled, with no duplicates), lateness p50/p99/max, and the MongoDB commands the
scheduler sent (idle polling and under load), counted by a PyMongo command listener.

The same timers are then run through the alternative DESIGN §6 names, JetStream message schedules
(a WorkQueue stream with `allow_msg_schedules`, one `Nats-Schedule: @at …` message per timer, two
pull subscribers on one durable consumer), as the baseline in the same run. That prototype has no
exactly-once bookkeeping of its own; see docs/scheduler.md for the comparison.

`mongo-batch` runs the same engine with a batch handler (`Scheduler.register_batch`: the claimed timers
of a pass in one call, completed in one `delete_many`, passes 0.1 s apart while timers stream in), the
form task reminders use. Each MongoDB engine also prints the CPU seconds nx-27017 used while firing
(when the bench started it).

    python bench/scheduler.py [--timers 10000] [--span 60] [--engines mongo,mongo-batch,jetstream]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StreamConfig
from pymongo import AsyncMongoClient, monitoring

from common.local_servers import start_mongo_standin, start_nats
from common.mongo import ensure_indexes
from common.scheduler import Scheduler, Timer, TimerItem, scheduler_indexes

KIND = "bench.tick"
LEAD_SECONDS = 20.0  # time to write every timer before the first is due (10,000 upserts take ~9 s here)
GRACE_SECONDS = 30.0  # how long after the last due time we wait for stragglers


class CommandCounter(monitoring.CommandListener):
    """Counts the commands a client sends, by name (find, update, delete, …)."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.enabled = True

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.enabled:
            self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class Outcome:
    fired: list[tuple[str, str, float]] = field(default_factory=list)  # (replica, key, lateness s)

    def report(self, name: str, scheduled: int) -> None:
        keys = collections.Counter(key for _, key, _ in self.fired)
        doubled = sum(n - 1 for n in keys.values() if n > 1)
        late = sorted(lateness for _, _, lateness in self.fired)
        by_replica = collections.Counter(replica for replica, _, _ in self.fired)
        print(
            f"{name}: scheduled {scheduled}, fired {len(keys)} distinct, {doubled} duplicate(s), "
            f"missing {scheduled - len(keys)}; per replica {dict(sorted(by_replica.items()))}"
        )
        if late:
            print(
                f"  lateness  p50 {pct(late, 50) * 1000:7.1f} ms   p99 {pct(late, 99) * 1000:7.1f} ms   "
                f"max {late[-1] * 1000:7.1f} ms   min {late[0] * 1000:6.1f} ms"
            )


def pct(values: list[float], p: int) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def due_times(count: int, span: float, start: float) -> Iterator[tuple[str, float]]:
    for i in range(count):
        yield f"k{i:06d}", start + span * i / count


async def all_fired(outcome: Outcome, count: int, deadline: float) -> None:
    """Return once `count` handlers ran or at `deadline`, whichever comes first."""
    while True:
        if len(outcome.fired) >= count or time.time() >= deadline:
            return
        await asyncio.sleep(0.5)


def cpu_seconds(pid: int | None) -> float:
    """CPU seconds (user + system) a process used so far; 0 when it is not ours to read."""
    if pid is None:
        return 0.0
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_mongo(
    uri: str, count: int, span: float, *, batch: bool = False, pid: int | None = None
) -> None:
    name_of_run = "mongo-batch" if batch else "mongo (shipped)"
    db_name = f"bench_sched_{uuid.uuid4().hex[:8]}"
    counter = CommandCounter()
    clients: list[AsyncMongoClient[dict[str, Any]]] = [
        AsyncMongoClient(uri, tz_aware=True, event_listeners=[counter]) for _ in range(2)
    ]
    outcome = Outcome()
    try:
        await ensure_indexes(clients[0][db_name], scheduler_indexes())
        replicas = []
        for name, client in zip(("a", "b"), clients, strict=True):
            scheduler = Scheduler(client[db_name], service="bench")

            def handler(replica: str) -> Any:
                async def tick(tenant: str, key: str, payload: dict[str, Any]) -> None:
                    outcome.fired.append((replica, key, time.time() - payload["due"]))

                return tick

            def batch_handler(replica: str) -> Any:
                async def ticks(items: list[TimerItem]) -> list[Exception | None]:
                    now = time.time()
                    outcome.fired.extend((replica, item.key, now - item.payload["due"]) for item in items)
                    return [None] * len(items)

                return ticks

            if batch:
                scheduler.register_batch(KIND, batch_handler(name))
            else:
                scheduler.register(KIND, handler(name))
            replicas.append(scheduler)
        for scheduler in replicas:
            scheduler.start()
        # Idle load: what two replicas cost MongoDB when nothing is due.
        await asyncio.sleep(1)
        counter.counts.clear()
        await asyncio.sleep(5)
        idle = sum(counter.counts.values()) / 5
        print(f"mongo: idle polling of two replicas: {idle:.1f} commands/s ({dict(counter.counts)})")

        start = time.time() + LEAD_SECONDS
        written = time.perf_counter()
        timers = [
            Timer(
                tenant="acme",
                kind=KIND,
                key=key,
                due_at=datetime.fromtimestamp(due, UTC),
                payload={"due": due},
            )
            for key, due in due_times(count, span, start)
        ]
        for i in range(0, len(timers), 1000):
            await replicas[i // 1000 % 2].schedule_many(timers[i : i + 1000])
        print(
            f"mongo: scheduled {count} timers in {time.perf_counter() - written:.2f} s "
            f"(first due in {start - time.time():.1f} s, last {span:.0f} s later)"
        )
        counter.counts.clear()
        deadline = start + span + GRACE_SECONDS
        await asyncio.sleep(max(0.0, start - time.time()))
        cpu_before = cpu_seconds(pid)
        await all_fired(outcome, count, deadline)
        cpu_used = cpu_seconds(pid) - cpu_before
        elapsed = time.time() - start
        busy = {name: round(n / max(elapsed, 1e-9), 1) for name, n in sorted(counter.counts.items())}
        await asyncio.sleep(2)  # anything fired twice would show up now
        for scheduler in replicas:
            await scheduler.stop()
        outcome.report(name_of_run, count)
        print(f"  MongoDB commands/s while firing (both replicas, incl. the bench's writes): {busy}")
        if pid is not None:
            print(
                f"  nx-27017 CPU while firing: {cpu_used:.1f} s over {elapsed:.0f} s "
                f"({cpu_used / count * 1000:.2f} ms per timer); load average {os.getloadavg()[0]:.2f}"
            )
        left = await clients[0][db_name]["timers"].count_documents({})
        print(f"  timers left in the collection: {left}")
    finally:
        with contextlib.suppress(Exception):
            await clients[0].drop_database(db_name)
        for client in clients:
            await client.close()


async def run_jetstream(url: str, count: int, span: float) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    stream = f"BENCH_SCHED_{uuid.uuid4().hex[:8].upper()}"
    root = stream.lower()
    outcome = Outcome()
    try:
        await js.add_stream(
            StreamConfig(
                name=stream,
                subjects=[f"{root}.>"],
                allow_msg_schedules=True,
                retention=RetentionPolicy.WORK_QUEUE,
            )
        )
        start = time.time() + LEAD_SECONDS
        written = time.perf_counter()
        pending = list(due_times(count, span, start))
        for i in range(0, count, 200):
            await asyncio.gather(
                *(
                    js.publish(
                        f"{root}.sched.{key}",
                        json.dumps({"key": key, "due": due}).encode(),
                        headers={
                            "Nats-Schedule": "@at "
                            + datetime.fromtimestamp(due, UTC).isoformat().replace("+00:00", "Z"),
                            "Nats-Schedule-Target": f"{root}.due",
                        },
                    )
                    for key, due in pending[i : i + 200]
                )
            )
        print(f"jetstream: scheduled {count} timers in {time.perf_counter() - written:.2f} s")
        config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=30, filter_subject=f"{root}.due")
        subs = [
            await js.pull_subscribe(f"{root}.due", durable="bench", stream=stream, config=config)
            for _ in range(2)
        ]
        deadline = start + span + GRACE_SECONDS

        async def replica(name: str, sub: Any) -> None:
            while len(outcome.fired) < count and time.time() < deadline:
                try:
                    msgs = await sub.fetch(64, timeout=0.5)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                now = time.time()
                for msg in msgs:
                    body = json.loads(msg.data)
                    outcome.fired.append((name, body["key"], now - body["due"]))
                await asyncio.gather(*(m.ack() for m in msgs))

        await asyncio.gather(*(replica(n, s) for n, s in zip(("a", "b"), subs, strict=True)))
        outcome.report("jetstream (baseline)", count)
    finally:
        with contextlib.suppress(Exception):
            await js.delete_stream(stream)
        await nc.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--span", type=float, default=60.0, help="seconds over which the timers come due")
    parser.add_argument("--engines", default="mongo,mongo-batch,jetstream")
    args = parser.parse_args()
    engines = set(args.engines.split(","))
    print(
        f"running {args.timers} timers due within {args.span:.0f} s, two replicas, engines {sorted(engines)}"
    )
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        nats_url = os.environ.get("NATS_URL")
        mongo_uri = os.environ.get("MONGODB_URI")
        if not nats_url and "jetstream" in engines:
            server = start_nats(Path(tmp) / "nats")
            stack.callback(server.stop)
            nats_url = server.url
        pid = None
        if not mongo_uri and engines & {"mongo", "mongo-batch"}:
            standin = start_mongo_standin(Path(tmp) / "mongo")
            stack.callback(standin.stop)
            mongo_uri, pid = standin.url, standin.process.pid
        if "mongo" in engines:
            assert mongo_uri
            await run_mongo(mongo_uri, args.timers, args.span, pid=pid)
        if "mongo-batch" in engines:
            assert mongo_uri
            await run_mongo(mongo_uri, args.timers, args.span, batch=True, pid=pid)
        if "jetstream" in engines:
            assert nats_url
            await run_jetstream(nats_url, args.timers, args.span)


if __name__ == "__main__":
    asyncio.run(main())
