"""Benchmark: 2,000 tag assignments expiring over 200 s; how late is each expiry recorded?

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set), leads and the tags
service (optionally a second tags replica on the same database). Creates customers through leads,
assigns each a flag tag through `AssignTags` with an `expires_at` spread evenly over `--span` seconds
(starting once every write is done), and waits until every assignment has expired.

Printed per run:
- tag expiry lateness: the `expired` history entry's time minus the assignment's `expires_at`
  (what a user sees: when the value stopped being stored), p50 / p99 / max;
- the baselines from the same run: the scheduler's own lateness (handler start minus due time) of as
  many no-op timers due at the same rate on the same scheduler(s) just before, and of the expiry
  timers themselves (the rest is the expiry's read and write);
- how long after the last due time the last expiry was recorded (whether the run kept up);
- exactly-once: expired history entries and `removed` events on NATS, against the count assigned.

    python bench/tag_expiry.py [--assignments 2000] [--span 200] [--replicas 2]

The span is a throughput choice: on the shared 2-core box with the stand-in, expiries are served at
about 12-15/s (each is a read, a guarded write, a history insert, a publish and the outbox's and the
scheduler's bookkeeping writes); 2,000 in 5 s or in 60 s queue behind each other (docs/tag-expiry.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from crm.tags.v1 import tags_pb2 as T
from crm.tags.v1 import tags_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers, service_beside_leads
from common.grpc_client import open_channel
from common.scheduler import Scheduler, Timer
from common.service import RunningService, start_service
from common.timeutil import to_timestamp
from services.tags.app import DEFINITION
from services.tags.expiry.planning import EXPIRE_KIND
from services.tags.store import HISTORY

TENANT = "bench"
TAG = "trial"
WARM = "warm"
PING = "bench.ping"
WRITERS = 16


def pct(values: list[float], p: int) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


def line(name: str, late_ms: list[float]) -> str:
    late = sorted(late_ms)
    return (
        f"{name:<34} n {len(late):5d}  p50 {pct(late, 50):7.1f} ms  p99 {pct(late, 99):7.1f} ms  "
        f"max {late[-1] if late else float('nan'):7.1f} ms"
    )


async def run(assignments: int, span: float, replicas: int) -> None:
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as bench:
            extra: list[RunningService] = []
            for _ in range(replicas - 1):
                extra.append(await start_service(DEFINITION, bench.running.runtime.settings))
            try:
                await measure(bench, extra, servers.nats_url, assignments, span)
            finally:
                for service in extra:
                    await service.stop()


async def measure(bench: Any, extra: list[RunningService], nats_url: str, count: int, span: float) -> None:
    running: RunningService = bench.running
    settings = running.runtime.settings
    md = bench.metadata
    schedulers: list[Scheduler] = [running.runtime.scheduler, *(s.runtime.scheduler for s in extra)]
    pings: list[float] = []

    async def ping(tenant: str, key: str, payload: dict[str, Any]) -> None:
        pings.append((time.time() - payload["due"]) * 1000)

    # Baseline, same run, same schedulers: no-op timers due at the same rate, before the expiries.
    for scheduler in schedulers:
        scheduler.register(PING, ping)
    first = time.time() + 2.0
    ping_dues = [first + span * i / count for i in range(count)]
    await schedulers[0].schedule_many(
        [
            Timer(
                tenant=TENANT,
                kind=PING,
                key=f"p{i}",
                due_at=datetime.fromtimestamp(d, UTC),
                payload={"due": d},
            )
            for i, d in enumerate(ping_dues)
        ]
    )
    while time.time() < first + span + 120:
        if len(pings) >= count:
            break
        await asyncio.sleep(0.5)
    print(f"baseline: {len(pings)} of {count} no-op timers fired")

    # The scheduler's own lateness for the expiry timers (handler start), next to the history's.
    started: list[float] = []
    dues: dict[str, float] = {}
    for scheduler in schedulers:
        expire = scheduler._handlers[EXPIRE_KIND]  # the service's own handler, wrapped

        async def timed(tenant: str, key: str, payload: dict[str, Any], expire: Any = expire) -> None:
            started.append((time.time() - dues[payload["customer_id"]]) * 1000)
            await expire(tenant, key, payload)

        scheduler.register(EXPIRE_KIND, timed)

    t0 = time.perf_counter()
    gate = asyncio.Semaphore(WRITERS)

    async def customer() -> str:
        async with gate:
            return await bench.create_customer()

    customers = list(await asyncio.gather(*(customer() for _ in range(count))))
    print(f"created {count} customers through leads in {time.perf_counter() - t0:.1f} s")

    nc = await nats.connect(nats_url)
    removed: list[dict[str, Any]] = []

    async def on_removed(msg: Any) -> None:
        removed.append(json.loads(msg.data))

    await nc.subscribe(f"{settings.subject_root}.evt.{TENANT}.tags.removed", cb=on_removed)
    try:
        async with open_channel(f"127.0.0.1:{running.port}") as channel:
            stub = tags_pb2_grpc.TagsServiceStub(channel)
            definition = T.TagDefinition(
                key=TAG,
                display_name="试用",
                category=T.TAG_CATEGORY_MARKETING,
                value_type=T.TAG_VALUE_TYPE_FLAG,
            )
            await stub.DefineTag(T.DefineTagRequest(definition=definition), metadata=md)
            warm_tag = T.TagDefinition(
                key=WARM,
                display_name="热身",
                category=T.TAG_CATEGORY_MARKETING,
                value_type=T.TAG_VALUE_TYPE_FLAG,
            )
            await stub.DefineTag(T.DefineTagRequest(definition=warm_tag), metadata=md)
            # Room to write everything before the first expiry: time a warm-up of plain assignments.
            warm = customers[: min(100, count)]
            t0 = time.perf_counter()
            await asyncio.gather(*(plain(stub, md, gate, c) for c in warm))
            rate = len(warm) / (time.perf_counter() - t0)
            lead = 5.0 + 3.0 * count / rate
            start = time.time() + lead
            dues.update({c: start + span * i / count for i, c in enumerate(customers)})

            async def write(customer_id: str) -> None:
                due = datetime.fromtimestamp(dues[customer_id], UTC)
                item = T.TagAssignmentInput(tag_key=TAG, value="", expires_at=to_timestamp(due))
                async with gate:
                    await stub.AssignTags(
                        T.AssignTagsRequest(customer_id=customer_id, tags=[item]), metadata=md
                    )

            t0 = time.perf_counter()
            await asyncio.gather(*(write(c) for c in customers))
            margin = start - time.time()
            when = f"{margin:.1f} s before" if margin >= 0 else f"LATE: {-margin:.1f} s after"
            print(
                f"assigned {count} expiring values in {time.perf_counter() - t0:.1f} s "
                f"({when} the first due time; all due within {span:.0f} s)"
            )
        history = running.runtime.db[HISTORY]
        deadline = start + span + 120
        while time.time() < deadline:
            expired = await history.count_documents({"tenant_id": TENANT, "action": "expired"})
            if expired >= count:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # a double would show now
        entries = [
            doc
            async for doc in history.find(
                {"tenant_id": TENANT, "action": "expired"}, {"customer_id": 1, "at_ms": 1}
            )
        ]
    finally:
        await nc.close()

    late = [doc["at_ms"] - dues[doc["customer_id"]] * 1000 for doc in entries]
    per_customer = len({doc["customer_id"] for doc in entries})
    print(f"replicas of tags: {len(schedulers)}")
    print(line("baseline: no-op timers (due->start)", pings))
    print(line("expiry timers (due -> handler start)", started))
    print(line("tag expiry (due -> history entry)", late))
    done = max(doc["at_ms"] for doc in entries) / 1000 if entries else start
    print(f"last expiry recorded {done - (start + span):.2f} s after the last due time")
    print(
        f"exactly once: {len(entries)} expired entries for {per_customer} of {count} customers, "
        f"{len(removed)} removed events ({len({e['data']['history_id'] for e in removed})} distinct)"
    )


async def plain(
    stub: tags_pb2_grpc.TagsServiceStub, md: Any, gate: asyncio.Semaphore, customer_id: str
) -> None:
    """A tag without expiry: the warm-up that times the service's writes."""
    item = T.TagAssignmentInput(tag_key=WARM, value="")
    async with gate:
        await stub.AssignTags(T.AssignTagsRequest(customer_id=customer_id, tags=[item]), metadata=md)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assignments", type=int, default=2000)
    parser.add_argument("--span", type=float, default=200.0, help="seconds over which the expiries come due")
    parser.add_argument("--replicas", type=int, default=2, help="tags replicas on one database")
    args = parser.parse_args()
    print(
        f"tag expiry: {args.assignments} assignments due within {args.span:.0f} s, {args.replicas} replica(s)"
    )
    asyncio.run(run(args.assignments, args.span, args.replicas))


if __name__ == "__main__":
    main()
