"""Benchmark: intent ingest end to end — JetStream publish to scored — against what the servers can do raw.

Issue 9's measurement, all in one run on the same servers:

1. **End to end, no history.** `--signals` signals (default 20,000) over `--customers` customers (200),
   one signal per CloudEvent, published by the tenant's partner with `publish_async` on
   `<root>.in.<tenant>.signals`; timed from the first publish until the intent service's ingest consumer
   has acknowledged the last message (acknowledged = stored and scored: the aggregate write comes first).
2. **End to end, with history.** The customers are first given `--history` signals each in total
   (default 200), then the same number of new signals is timed again.
3. **Baselines.** A raw `insert_many` of the very signal documents the service stored in step 1 (read
   back from its database) into a fresh collection with the same indexes on the same MongoDB, and a raw
   JetStream `publish_async` of the same messages on a subject nothing consumes.

The services (leads, intent) run as real `python -m services.<name>` processes behind the production
NATS permission model (bench/chaos_stack.py), so the publisher and the service do not share a Python
interpreter. On Linux the CPU seconds each process spent in each phase are printed too: on a busy
machine wall-clock rates swing, CPU seconds much less. A correctness check follows each phase: every
signal stored once and counted once in its customer's aggregate.

With `--runs N` the whole measurement is repeated on fresh servers and a summary gives each figure's
median and range: on a shared 2-core box one run's ratio swings by ±20 %.

    python bench/intent_ingest.py [--signals 20000] [--customers 200] [--history 200] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.chaos_stack import ChaosStack
from common import bus, cloudevents, nats_auth
from common.config import DEV_INTERNAL_TOKEN
from common.context import CallContext
from common.mongo import ensure_indexes
from common.timeutil import utcnow
from services.intent.app import INDEXES
from services.intent.events import INGEST_BATCH, INGEST_DURABLE
from services.intent.store import SCORES, SIGNALS

TENANT = "bench"
ROOT = "crm"
TYPES = ["pricing_page_view", "whitepaper_download", "content_read", "demo_video_watch", "email_click"]
TOPICS = ["衣柜", "橱柜", "定制家具"]
METADATA = CallContext(tenant=TENANT, caller="bench", roles=frozenset({"admin"})).outgoing_metadata(
    DEV_INTERNAL_TOKEN
)


@dataclass
class Phase:
    """One timed phase: items per second, the CPU seconds each process spent in it, and how many
    aggregate documents the service wrote (each write bumps the document's version `v`)."""

    rate: float
    cpu: dict[str, float]
    writes: int = 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """CPU seconds of the processes that do the work, per phase."""

    def __init__(self, stack: ChaosStack) -> None:
        assert stack.mongo is not None and stack.nats is not None
        self.pids = {
            "intent": stack.processes["intent"].pid,
            "leads": stack.processes["leads"].pid,
            "mongodb": stack.mongo.process.pid,
            "nats": stack.nats.process.pid,
            "bench": os.getpid(),
        }

    @contextmanager
    def phase(self, out: dict[str, float]) -> Iterator[None]:
        before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        yield
        out.update({name: cpu_seconds(pid) - before[name] for name, pid in self.pids.items()})


def events_for(customers: list[str], count: int, seed: int) -> list[dict[str, Any]]:
    """`count` one-signal CloudEvents spread evenly over the customers, in random order."""
    rng = random.Random(seed)
    order = [customers[i % len(customers)] for i in range(count)]
    rng.shuffle(order)
    return [
        cloudevents.make_event(
            type="com.partner.signal.v1",
            source="bench/web",
            tenant=TENANT,
            data={
                "customer_id": customer,
                "type": TYPES[rng.randrange(len(TYPES))],
                "topic": TOPICS[rng.randrange(len(TOPICS))],
                "properties": {"url": f"/p/{rng.randrange(40)}", "dwell_seconds": str(rng.randrange(5, 300))},
            },
        )
        for customer in order
    ]


async def publish_all(js: Any, subject: str, events: list[dict[str, Any]]) -> None:
    """`publish_async` every event (Nats-Msg-Id = event id), then wait for every acknowledgement."""
    for envelope in events:
        await js.publish_async(
            subject,
            cloudevents.encode(envelope),
            headers={"Nats-Msg-Id": envelope["id"], "Content-Type": "application/cloudevents+json"},
        )
    await js.publish_async_completed()


async def drained(js: Any) -> None:
    """Until the intent ingest consumer has nothing pending and nothing unacknowledged."""
    stream = bus.stream_name(ROOT, "in")
    while True:
        info = await js.consumer_info(stream, INGEST_DURABLE)
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        await asyncio.sleep(0.05)


async def writes_so_far(db: Any) -> int:
    total = 0
    async for doc in db[SCORES].find({"tenant_id": TENANT}, {"v": 1}):
        total += int(doc.get("v", 0))
    return total


async def end_to_end(
    stack: ChaosStack, partner: Any, admin: Any, db: Any, events: list[dict[str, Any]]
) -> Phase:
    cpu: dict[str, float] = {}
    before = await writes_so_far(db)
    with Meter(stack).phase(cpu):
        start = time.perf_counter()
        await publish_all(partner.jetstream(), f"{ROOT}.in.{TENANT}.signals", events)
        await drained(admin.jetstream())
        elapsed = time.perf_counter() - start
    return Phase(rate=len(events) / elapsed, cpu=cpu, writes=await writes_so_far(db) - before)


async def check(db: Any, customers: list[str], expected: int) -> str:
    """Every signal stored once and counted once: the stored count and the aggregates' total."""
    stored = await db[SIGNALS].count_documents({"tenant_id": TENANT})
    applied = 0
    async for doc in db[SCORES].find({"tenant_id": TENANT}, {"applied": 1}):
        applied += int(doc.get("applied", 0))
    ok = stored == expected == applied
    return f"{'ok' if ok else 'MISMATCH'}: {stored} stored, {applied} counted, {expected} sent"


async def insert_baseline(stack: ChaosStack, client: Any, docs: list[dict[str, Any]]) -> Phase:
    """insert_many of the service's own signal documents into a fresh collection with its indexes."""
    scratch = client["bench_raw_signals"]
    await client.drop_database(scratch.name)
    await ensure_indexes(scratch, [spec for spec in INDEXES if spec.collection == SIGNALS])
    copies = [{**d, "_id": f"raw|{d['_id']}"} for d in docs]
    cpu: dict[str, float] = {}
    with Meter(stack).phase(cpu):
        start = time.perf_counter()
        for i in range(0, len(copies), 1000):
            await scratch[SIGNALS].insert_many(copies[i : i + 1000], ordered=False)
        elapsed = time.perf_counter() - start
    await client.drop_database(scratch.name)
    return Phase(rate=len(docs) / elapsed, cpu=cpu)


async def publish_baseline(stack: ChaosStack, admin: Any, events: list[dict[str, Any]]) -> Phase:
    """The same messages published with publish_async where the events stream keeps them unconsumed."""
    fresh = [{**e, "id": f"raw-{e['id']}"} for e in events]
    cpu: dict[str, float] = {}
    with Meter(stack).phase(cpu):
        start = time.perf_counter()
        await publish_all(admin.jetstream(), f"{ROOT}.evt.{TENANT}.bench.raw", fresh)
        elapsed = time.perf_counter() - start
    return Phase(rate=len(events) / elapsed, cpu=cpu)


async def create_customers(stack: ChaosStack, count: int) -> list[str]:
    async with grpc.aio.insecure_channel(stack.address("leads")) as channel:
        leads = leads_pb2_grpc.LeadsServiceStub(channel)
        ids = []
        for i in range(count):
            reply = await leads.CreateCustomer(
                leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name=f"客户{i}")),
                metadata=METADATA,
            )
            ids.append(reply.id)
        return ids


def cpu_line(phase: Phase, names: tuple[str, ...] = ("intent", "mongodb", "nats", "bench")) -> str:
    return "cpu " + ", ".join(f"{n} {phase.cpu.get(n, 0.0):5.1f}s" for n in names)


@dataclass
class Run:
    """One run's figures, for the summary over `--runs`."""

    inserted: Phase
    published: Phase
    fresh: Phase
    deep: Phase
    load: float


async def run(stack: ChaosStack, opts: argparse.Namespace, out: list[Run]) -> list[str]:
    import nats

    async def connect(user: str) -> Any:
        return await nats.connect(
            stack.nats_url,
            name=f"bench-{user}",
            inbox_prefix=nats_auth.inbox_prefix(user),
            **stack.login(user),
        )

    partner, admin = await connect(nats_auth.partner_user(TENANT)), await connect(nats_auth.ADMIN)
    client: Any = AsyncMongoClient(stack.mongo.url if stack.mongo else "")
    db = client[f"{ROOT}_intent"]
    try:
        customers = await create_customers(stack, opts.customers)
        # Warm-up: the consumer, the customers cache, indexes (not timed, not counted below).
        warm = events_for(customers, opts.customers, seed=0)
        await end_to_end(stack, partner, admin, db, warm)
        already = len(warm)
        fresh_events = events_for(customers, opts.signals, seed=1)
        fresh = await end_to_end(stack, partner, admin, db, fresh_events)
        fresh_check = await check(db, customers, already + opts.signals)
        docs = [d async for d in db[SIGNALS].find({"tenant_id": TENANT}).limit(opts.signals)]
        inserted = await insert_baseline(stack, client, docs)
        published = await publish_baseline(stack, admin, fresh_events)
        # Top every customer up to `history` signals, then time the same number of new ones again.
        have = (already + opts.signals) // opts.customers
        top_up = max(0, opts.history - have) * opts.customers
        filler = (
            await end_to_end(stack, partner, admin, db, events_for(customers, top_up, seed=2))
            if top_up
            else None
        )
        deep = await end_to_end(stack, partner, admin, db, events_for(customers, opts.signals, seed=3))
        total = already + opts.signals + top_up + opts.signals
        deep_check = await check(db, customers, total)
    finally:
        await partner.close()
        await admin.close()
        await client.close()
    history = (already + opts.signals + top_up) // opts.customers
    out.append(Run(inserted, published, fresh, deep, os.getloadavg()[0]))
    lines = [
        f"intent ingest bench, {utcnow():%Y-%m-%d %H:%M} UTC, nx-27017 + nats-server, services as processes; "
        f"load average {os.getloadavg()[0]:.1f} at the end",
        f"{opts.signals} signals over {opts.customers} customers; ingest consumer batch {INGEST_BATCH}",
        "baselines (same run, same servers):",
        f"  raw insert_many of the same signal documents  {inserted.rate:8.0f} docs/s   {cpu_line(inserted, ('mongodb', 'bench'))}",
        f"  raw JetStream publish_async, same messages    {published.rate:8.0f} msg/s    {cpu_line(published, ('nats', 'bench'))}",
        "end to end (publish_async → stored and scored → acknowledged):",
        f"  no history                                    {fresh.rate:8.0f} signals/s  "
        f"{fresh.rate / inserted.rate:.2f}x insert_many   {cpu_line(fresh)}",
        f"    check: {fresh_check}; {fresh.writes} aggregate writes ({fresh.writes / opts.signals:.2f} per signal)",
    ]
    if filler is not None:
        lines.append(f"  (top-up to {history} signals each              {filler.rate:8.0f} signals/s)")
    lines += [
        f"  with {history} signals of history each          {deep.rate:8.0f} signals/s  "
        f"{deep.rate / inserted.rate:.2f}x insert_many   {cpu_line(deep)}",
        f"    check: {deep_check}; {deep.writes} aggregate writes ({deep.writes / opts.signals:.2f} per signal)",
        f"  history costs {100 * (1 - deep.rate / fresh.rate):+.0f}% of the no-history rate "
        f"(intent CPU {fresh.cpu.get('intent', 0):.1f}s → {deep.cpu.get('intent', 0):.1f}s, "
        f"MongoDB CPU {fresh.cpu.get('mongodb', 0):.1f}s → {deep.cpu.get('mongodb', 0):.1f}s)",
        "aims (issue 9): end to end ≥ 0.5x insert_many; with history no more than 10% slower",
    ]
    return lines


def summary(runs: list[Run]) -> list[str]:
    """Median and range of each figure over the runs: one run's ratio swings with the shared box."""

    def spread(values: list[float], fmt: str) -> str:
        return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"

    def cpu(phases: list[Phase], name: str) -> str:
        return spread([p.cpu.get(name, 0.0) for p in phases], ".1f")

    inserted = [r.inserted for r in runs]
    fresh, deep = [r.fresh for r in runs], [r.deep for r in runs]
    return [
        f"summary over {len(runs)} runs (median (min–max)); load average at the ends "
        f"{', '.join(f'{r.load:.1f}' for r in runs)}:",
        f"  raw insert_many                  {spread([p.rate for p in inserted], ',.0f')} docs/s, "
        f"stand-in CPU {cpu(inserted, 'mongodb')} s",
        f"  raw publish_async                {spread([r.published.rate for r in runs], ',.0f')} msg/s",
        f"  end to end, no history           {spread([p.rate for p in fresh], ',.0f')} signals/s = "
        f"{spread([r.fresh.rate / r.inserted.rate for r in runs], '.2f')}x insert_many; "
        f"CPU intent {cpu(fresh, 'intent')} s, stand-in {cpu(fresh, 'mongodb')} s",
        f"  end to end, with history         {spread([p.rate for p in deep], ',.0f')} signals/s = "
        f"{spread([r.deep.rate / r.inserted.rate for r in runs], '.2f')}x insert_many; "
        f"CPU intent {cpu(deep, 'intent')} s, stand-in {cpu(deep, 'mongodb')} s",
        f"  history's cost                   {spread([100 * (1 - r.deep.rate / r.fresh.rate) for r in runs], '+.0f')} %",
        f"  runs at or above 0.5x: no history {sum(r.fresh.rate >= 0.5 * r.inserted.rate for r in runs)}/{len(runs)}, "
        f"with history {sum(r.deep.rate >= 0.5 * r.inserted.rate for r in runs)}/{len(runs)}",
    ]


async def main(opts: argparse.Namespace) -> None:
    runs: list[Run] = []
    for number in range(opts.runs):
        # A fresh stack each run (new servers, empty databases), so runs are alike and independent.
        with tempfile.TemporaryDirectory() as tmp:
            stack = ChaosStack(workdir=Path(tmp), tenant=TENANT)
            try:
                stack.start_infrastructure()
                for service in ("leads", "intent"):
                    stack.start_service(service)
                for service in ("leads", "intent"):
                    await stack.wait_serving(service)
                lines = await run(stack, opts, runs)
            finally:
                stack.stop_all()
        if opts.runs > 1:
            print(f"--- run {number + 1} of {opts.runs}")
        print("\n".join(lines), flush=True)
    if opts.runs > 1:
        print("\n".join(summary(runs)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1, help="repeat on fresh servers; print medians")
    asyncio.run(main(parser.parse_args()))
