"""Benchmark: intent at the speed of the stream — NATS ingest, history independence, tenant isolation.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set), leads and the intent
service in-process, and prints, all measured in this run:

1. Baselines: a raw `insert_many` of signal-shaped documents into the same MongoDB, and raw JetStream
   publishing of the same messages (what the stack itself can do).
2. End-to-end ingest: one signal per CloudEvent published on `<root>.in.<tenant>.signals`, timed from
   the first publish until the intent consumer has acknowledged the last message; for customers with
   no history and again for the same customers once each has ~`--history` signals.
3. Isolation: tenant A's read latency (GetScore, BatchGetScores of 50) and ingest rate before and after
   tenant B receives `--other` signals.

    python bench/intent_stream.py [--messages 3000] [--customers 50] [--history 200] [--other 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from crm.intent.v1 import intent_pb2, intent_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import BenchService, bench_servers, service_beside_leads
from common import bus, cloudevents
from common.grpc_client import open_channel
from common.mongo import ensure_indexes
from common.timeutil import utcnow
from services.intent.app import DEFINITION, INDEXES
from services.intent.events import INGEST_DURABLE
from services.intent.signals import Signal
from services.intent.store import SIGNALS, IntentStore

TYPES = ["pricing_page_view", "whitepaper_download", "content_read", "demo_video_watch", "email_click"]


def envelope(tenant: str, customer: str, i: int) -> dict[str, Any]:
    data = {
        "customer_id": customer,
        "type": TYPES[i % len(TYPES)],
        "topic": "衣柜",
        "properties": {"url": f"/p/{i % 40}"},
    }
    return cloudevents.make_event(type="com.partner.signal.v1", source="bench/web", tenant=tenant, data=data)


async def publish(js: Any, subject: str, events: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for i in range(0, len(events), 500):
        await asyncio.gather(*(bus.publish_event(js, subject, e) for e in events[i : i + 500]))
    return time.perf_counter() - start


async def drained(js: Any, stream: str) -> None:
    while True:
        info = await js.consumer_info(stream, INGEST_DURABLE)
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        await asyncio.sleep(0.02)


async def stream_ingest(
    svc: BenchService, tenant: str, customers: list[str], messages: int, offset: int
) -> float:
    """Signals per second, one signal per message, end to end through the consumer."""
    runtime = svc.running.runtime
    root = runtime.settings.subject_root
    events = [envelope(tenant, customers[i % len(customers)], offset + i) for i in range(messages)]
    start = time.perf_counter()
    await publish(runtime.js, f"{root}.in.{tenant}.signals", events)
    await drained(runtime.js, bus.stream_name(root, "in"))
    return messages / (time.perf_counter() - start)


async def preload(stub: Any, md: Any, customers: list[str], per_customer: int) -> float:
    """Give each customer `per_customer` signals over gRPC in calls of 500; returns signals/s."""
    signals = [
        intent_pb2.Signal(customer_id=c, type=TYPES[i % len(TYPES)], topic="bookkeeping")
        for i in range(per_customer)
        for c in customers
    ]
    start = time.perf_counter()
    for i in range(0, len(signals), 500):
        await stub.IngestSignals(intent_pb2.IngestSignalsRequest(signals=signals[i : i + 500]), metadata=md)
    return len(signals) / (time.perf_counter() - start)


async def read_latency(
    stub: Any, md: Any, customers: list[str], rounds: int = 200
) -> tuple[float, float, float]:
    """(GetScore p50, p99, BatchGetScores-of-50 p50) in ms."""
    singles, batches = [], []
    for i in range(rounds):
        start = time.perf_counter()
        await stub.GetScore(
            intent_pb2.GetScoreRequest(customer_id=customers[i % len(customers)]), metadata=md
        )
        singles.append((time.perf_counter() - start) * 1000)
        if i % 4 == 0:
            start = time.perf_counter()
            await stub.BatchGetScores(
                intent_pb2.BatchGetScoresRequest(customer_ids=customers[:50]), metadata=md
            )
            batches.append((time.perf_counter() - start) * 1000)
    singles.sort()
    return statistics.median(singles), singles[int(len(singles) * 0.99) - 1], statistics.median(batches)


async def baselines(svc: BenchService, n: int) -> tuple[float, float, float]:
    """Raw `insert_many` into the same MongoDB — of small documents into a bare collection, and of the
    very signal documents the service stores into a collection with the service's signal indexes —
    and raw JetStream publishing of the same messages; per second each."""
    db = svc.running.runtime.db
    docs = [
        {"_id": f"raw|{i}", "tenant_id": "raw", "customer_id": f"c{i % 50}", "type": TYPES[i % 5], "at_ms": i}
        for i in range(n)
    ]
    start = time.perf_counter()
    for i in range(0, n, 500):
        await db["bench_raw"].insert_many(docs[i : i + 500], ordered=False)
    bare_rate = n / (time.perf_counter() - start)
    await db["bench_raw"].drop()
    scratch = db.client[f"{db.name}_raw"]
    await ensure_indexes(scratch, [spec for spec in INDEXES if spec.collection == SIGNALS])
    store, now = IntentStore(scratch), utcnow()
    signals = [
        Signal(
            id=f"raw-{i}",
            customer_id=f"cus_raw{i % 50}",
            type=TYPES[i % len(TYPES)],
            party="first",
            topic="衣柜",
            occurred_at=now,
            properties={"url": f"/p/{i % 40}"},
        )
        for i in range(n)
    ]
    start = time.perf_counter()
    for i in range(0, n, 500):
        await store.insert_signals("raw", signals[i : i + 500], received_at=now)
    same_rate = n / (time.perf_counter() - start)
    await db.client.drop_database(scratch.name)
    js = svc.running.runtime.js
    root = svc.running.runtime.settings.subject_root
    # The event stream takes any evt subject and nothing consumes this one.
    events = [envelope("raw", f"c{i % 50}", i) for i in range(n)]
    publish_rate = n / await publish(js, f"{root}.evt.raw.bench.raw", events)
    return bare_rate, same_rate, publish_rate


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as svc:
            md_a = svc.metadata
            md_b = svc.metadata_for("other")
            async with open_channel(f"127.0.0.1:{svc.running.port}") as channel:
                stub = intent_pb2_grpc.IntentServiceStub(channel)
                a = [await svc.create_customer() for _ in range(opts.customers)]  # will have history
                c = [await svc.create_customer() for _ in range(opts.customers)]  # will have none
                b = [await svc.create_customer_in("other") for _ in range(opts.customers)]
                await preload(stub, md_a, c[:5], 2)  # warm-up: connections, indexes, caches
                insert_rate, same_docs_rate, publish_rate = await baselines(svc, opts.messages)
                grpc_rate = await preload(stub, md_a, a, opts.history)
                # Same collection sizes, back to back: customers without and with a long history.
                fresh = await stream_ingest(svc, "bench", c, opts.messages, 0)
                deep = await stream_ingest(svc, "bench", a, opts.messages, opts.messages)
                control = await stream_ingest(svc, "bench", a, opts.messages, 2 * opts.messages)
                before = await read_latency(stub, md_a, a)
                other_rate = await preload(stub, md_b, b, opts.other // len(b))
                after = await read_latency(stub, md_a, a)
                after_ingest = await stream_ingest(svc, "bench", a, opts.messages, 3 * opts.messages)
                insert_after, _, _ = await baselines(svc, opts.messages)
    where = "MONGODB_URI" if os.environ.get("MONGODB_URI") else "nx-27017"
    per_customer = opts.history + opts.messages // opts.customers
    lines = [
        f"intent stream bench on {where}, {utcnow():%Y-%m-%d %H:%M} UTC, {opts.customers} customers per group",
        f"baselines (same run, same servers, {opts.messages} items):",
        f"  raw insert_many into MongoDB             {insert_rate:9.0f} docs/s (small documents, bare collection)",
        f"  raw insert_many of the signal documents  {same_docs_rate:9.0f} docs/s (the service's documents and indexes)",
        f"  raw JetStream publish                    {publish_rate:9.0f} msg/s",
        "end-to-end NATS ingest, one signal per message:",
        f"  customers with no history                {fresh:9.0f} signals/s  "
        f"({fresh / same_docs_rate:.2f}x the same documents' insert_many, {fresh / insert_rate:.2f}x the bare one)",
        f"  customers with ~{per_customer} signals each       {deep:9.0f} signals/s  ({deep / fresh:.2f}x of no history)",
        f"  the same again (run-to-run spread)       {control:9.0f} signals/s",
        f"  gRPC IngestSignals in calls of 500       {grpc_rate:9.0f} signals/s",
        f"isolation: tenant B then receives {opts.other // len(b) * len(b)} signals ({other_rate:.0f} signals/s)",
        f"  tenant A GetScore p50/p99 before         {before[0]:6.2f} / {before[1]:6.2f} ms; "
        f"BatchGetScores(50) p50 {before[2]:6.2f} ms",
        f"  tenant A GetScore p50/p99 after          {after[0]:6.2f} / {after[1]:6.2f} ms; "
        f"BatchGetScores(50) p50 {after[2]:6.2f} ms",
        f"  tenant A NATS ingest after               {after_ingest:9.0f} signals/s  ({after_ingest / control:.2f}x of before)",
        f"  raw insert_many after                    {insert_after:9.0f} docs/s  ({insert_after / insert_rate:.2f}x of before)",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--other", type=int, default=100_000)
    asyncio.run(main(parser.parse_args()))
