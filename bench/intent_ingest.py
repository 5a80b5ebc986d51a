"""Benchmark: signal ingest through the intent service's gRPC API, batched versus one signal per call.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set) and the intent
service in-process, then ingests the same kind of signals two ways in one run and prints
signals per second for each. The one-per-call figure is the baseline a naive client gets.

    python bench/intent_ingest.py [--signals 5000] [--batch 500] [--baseline 500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

from crm.intent.v1 import intent_pb2, intent_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers, service_beside_leads
from common.grpc_client import open_channel
from common.timeutil import to_timestamp, utcnow
from services.intent.app import DEFINITION

TYPES = ["pricing_page_view", "whitepaper_download", "content_read", "demo_video_watch", "email_click"]


def make_signals(count: int, customers: list[str]) -> list[intent_pb2.Signal]:
    now = utcnow()
    return [
        intent_pb2.Signal(
            customer_id=customers[i % len(customers)],
            type=TYPES[i % len(TYPES)],
            topic="bookkeeping",
            occurred_at=to_timestamp(now - timedelta(minutes=i % 600)),
            properties={"url": f"/p/{i % 40}"},
        )
        for i in range(count)
    ]


async def ingest(
    stub: intent_pb2_grpc.IntentServiceStub,
    signals: list[intent_pb2.Signal],
    batch: int,
    md: tuple[tuple[str, str], ...],
) -> float:
    """Ingest `signals` in calls of `batch`, sequentially; returns elapsed seconds."""
    start = time.perf_counter()
    for i in range(0, len(signals), batch):
        await stub.IngestSignals(intent_pb2.IngestSignalsRequest(signals=signals[i : i + batch]), metadata=md)
    return time.perf_counter() - start


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as svc:
            md = svc.metadata
            async with open_channel(f"127.0.0.1:{svc.running.port}") as channel:
                stub = intent_pb2_grpc.IntentServiceStub(channel)
                customers = [await svc.create_customer() for _ in range(opts.customers)]
                await ingest(stub, make_signals(50, customers), 50, md)  # warm-up: connections, indexes
                # Baseline first: it then runs on the smaller collection, which flatters it, not us.
                single = await ingest(stub, make_signals(opts.baseline, customers), 1, md)
                batched = await ingest(stub, make_signals(opts.signals, customers), opts.batch, md)
    print(f"intent ingest over gRPC on nx-27017 ({opts.customers} customers)")
    print(
        f"  batched  {opts.signals:>6} signals in calls of {opts.batch:<4}: {opts.signals / batched:8.0f} signals/s"
    )
    print(
        f"  baseline {opts.baseline:>6} signals, one per call      : {opts.baseline / single:8.0f} signals/s"
    )
    print(f"  speed-up: {(opts.signals / batched) / (opts.baseline / single):.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--baseline", type=int, default=300)
    parser.add_argument("--customers", type=int, default=200)
    asyncio.run(main(parser.parse_args()))
