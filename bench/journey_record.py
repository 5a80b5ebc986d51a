"""Benchmark: recording touchpoints through the journey service's gRPC API, with the outbox.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set) and the journey
service in-process, then records touchpoints two ways and prints touchpoints per second:
- spread: many customers, `--concurrency` calls in flight (the common case);
- hot: `--hot` concurrent calls for ONE customer per round (the version guard's worst case).
Baseline, in the same run and at the same concurrency: the database and publish work of the path
before the outbox (insert the touchpoint, one `find_one_and_update` of progress, publish the event),
done directly without gRPC, which flatters the baseline.

    python bench/journey_record.py [--touchpoints 600] [--customers 200] [--concurrency 16] [--hot 50]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from pymongo import ReturnDocument

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers, service_beside_leads
from common import bus
from common.grpc_client import open_channel
from common.timeutil import to_timestamp, utcnow
from services.journey.app import DEFINITION

TYPES = ["ad_click", "website_visit", "inquiry", "purchase", "referral", "email_open"]


async def bounded(count: int, concurrency: int, call: Callable[[int], Awaitable[object]]) -> float:
    """Run call(0..count-1) with at most `concurrency` in flight; returns elapsed seconds."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await call(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - start


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as svc:
            running, md, new_customer = svc.running, svc.metadata, svc.create_customer
            prefix = running.runtime.settings.subject_root
            now = utcnow()
            async with open_channel(f"127.0.0.1:{running.port}") as channel:
                stub = journey_pb2_grpc.JourneyServiceStub(channel)
                customers = [await new_customer() for _ in range(opts.customers)]

                async def record(i: int, customer: str, tag: str) -> None:
                    touchpoint = journey_pb2.Touchpoint(
                        id=f"{tag}-{i}",
                        customer_id=customer,
                        type=TYPES[i % len(TYPES)],
                        occurred_at=to_timestamp(now - timedelta(minutes=(i * 7) % 600)),
                    )
                    await stub.RecordTouchpoint(
                        journey_pb2.RecordTouchpointRequest(touchpoint=touchpoint), metadata=md
                    )

                await bounded(50, 8, lambda i: record(i, customers[i % 10], "warm"))
                db = running.runtime.db
                js = running.runtime.js

                async def old_path(i: int) -> None:
                    customer = customers[i % len(customers)]
                    await db["bench_touchpoints"].insert_one(
                        {"_id": f"bench|b{i}", "tenant_id": "bench", "customer_id": customer, "i": i}
                    )
                    await db["bench_progress"].find_one_and_update(
                        {"_id": f"bench|{customer}"},
                        {"$max": {"last_touch_ms": i}},
                        upsert=True,
                        return_document=ReturnDocument.BEFORE,
                    )
                    await bus.publish_event(
                        js,
                        f"{prefix}.evt.bench.journey.bench",
                        {"id": f"evt_b{i}", "type": "bench", "data": {"i": i}},
                    )

                baseline = await bounded(opts.touchpoints, opts.concurrency, old_path)
                spread = await bounded(
                    opts.touchpoints,
                    opts.concurrency,
                    lambda i: record(i, customers[i % len(customers)], "spread"),
                )
                hot_seconds = 0.0
                for round_no in range(opts.rounds):
                    hot_customer, tag = await new_customer(), f"hot{round_no}"

                    def hot(i: int, customer: str = hot_customer, tag: str = tag) -> Awaitable[None]:
                        return record(i, customer, tag)

                    hot_seconds += await bounded(opts.hot, opts.hot, hot)
    n = opts.touchpoints
    print(f"journey RecordTouchpoint over gRPC on nx-27017, {opts.concurrency} in flight")
    print(f"  baseline: old path's I/O, no gRPC   {n:>5} touchpoints: {n / baseline:7.0f} /s")
    print(f"  outbox, {opts.customers} customers            {n:>5} touchpoints: {n / spread:7.0f} /s")
    hot_n = opts.hot * opts.rounds
    print(
        f"  outbox, one customer, {opts.hot} at once  {hot_n:>5} touchpoints: {hot_n / hot_seconds:7.0f} /s"
    )
    print(f"  spread / baseline: {baseline / spread:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--touchpoints", type=int, default=600)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--hot", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
