"""Benchmark: signal ingest through the intent service's gRPC API, batched versus one signal per call.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set) and the intent
service in-process, then ingests the same kind of signals two ways in one run and prints
signals per second for each. The one-per-call figure is the baseline a naive client gets.

    python bench/intent_ingest.py [--signals 5000] [--batch 500] [--baseline 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from crm.intent.v1 import intent_pb2, intent_pb2_grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc

from common.config import Settings
from common.context import CallContext
from common.grpc_client import open_channel
from common.local_servers import start_mongo_standin, start_nats
from common.roles import PLATFORM
from common.service import start_service
from common.timeutil import to_timestamp, utcnow
from services.intent.app import DEFINITION
from services.leads.app import DEFINITION as LEADS

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


async def create_customers(
    stub: leads_pb2_grpc.LeadsServiceStub, count: int, md: tuple[tuple[str, str], ...]
) -> list[str]:
    """Customers created through leads, as a partner would before sending their signals."""
    created = []
    for i in range(count):
        request = leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name=f"Bench {i}"))
        created.append((await stub.CreateCustomer(request, metadata=md)).id)
    return created


async def main(opts: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        servers = []
        nats_url = os.environ.get("NATS_URL") or ""
        mongo_uri = os.environ.get("MONGODB_URI") or ""
        if not nats_url:
            servers.append(start_nats(Path(tmp) / "nats"))
            nats_url = servers[-1].url
        if not mongo_uri:
            servers.append(start_mongo_standin(Path(tmp) / "mongo"))
            mongo_uri = servers[-1].url
        prefix = f"bench{uuid.uuid4().hex[:6]}"
        settings = Settings(
            service="intent",
            grpc_port=0,
            mongodb_uri=mongo_uri,
            nats_url=nats_url,
            mongodb_db_prefix=prefix,
            subject_root=prefix,
        )
        # Signals are stored only for customers leads has (common/customers.py): run leads beside intent.
        leads = await start_service(LEADS, replace(settings, service="leads"))
        running = await start_service(
            DEFINITION, replace(settings, peers={"leads": f"127.0.0.1:{leads.port}"})
        )
        try:
            # Ingesting signals needs a role (docs/authorization.md); a bench is an internal tool.
            bench = CallContext(tenant="bench", caller="bench", roles=frozenset({PLATFORM}))
            md = bench.outgoing_metadata(settings.internal_token)
            async with (
                open_channel(f"127.0.0.1:{running.port}") as channel,
                open_channel(f"127.0.0.1:{leads.port}") as leads_channel,
            ):
                stub = intent_pb2_grpc.IntentServiceStub(channel)
                customers = await create_customers(
                    leads_pb2_grpc.LeadsServiceStub(leads_channel), opts.customers, md
                )
                await ingest(stub, make_signals(50, customers), 50, md)  # warm-up: connections, indexes
                # Baseline first: it then runs on the smaller collection, which flatters it, not us.
                single = await ingest(stub, make_signals(opts.baseline, customers), 1, md)
                batched = await ingest(stub, make_signals(opts.signals, customers), opts.batch, md)
            lookups = running.runtime.customers.lookups
        finally:
            await running.runtime.db.client.drop_database(settings.database_name)
            await leads.runtime.db.client.drop_database(leads.runtime.settings.database_name)
            await running.stop()
            await leads.stop()
            for server in servers:
                server.stop()
    print(f"intent ingest over gRPC on nx-27017 ({opts.customers} customers)")
    print(
        f"  batched  {opts.signals:>6} signals in calls of {opts.batch:<4}: {opts.signals / batched:8.0f} signals/s"
    )
    print(
        f"  baseline {opts.baseline:>6} signals, one per call      : {opts.baseline / single:8.0f} signals/s"
    )
    print(f"  speed-up: {(opts.signals / batched) / (opts.baseline / single):.1f}x")
    print(f"  customer look-ups at leads: {lookups} (known customers are cached)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signals", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--baseline", type=int, default=300)
    parser.add_argument("--customers", type=int, default=200)
    asyncio.run(main(parser.parse_args()))
