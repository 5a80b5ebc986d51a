"""Benchmark: re-scoring a tenant's customers after a model change, against the floor it stands on.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set) and the intent
service in-process, gives `--customers` customers `--signals` signals each, changes the model through
`UpdateIntentModel` and waits for its re-score to report DONE. Prints customers/s for the re-score
(from the version's own `startedAt`/`finishedAt`) and, as the baseline measured in the same run on
the same server, customers/s of just reading each customer's stored signals (the indexed `find` every
re-scored customer needs) — the re-score cannot beat that.

    python bench/intent_rescore.py [--customers 500] [--signals 20]
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
from common.context import CallContext
from common.grpc_client import open_channel
from common.timeutil import to_timestamp, utcnow
from services.intent.app import DEFINITION

TYPES = ["pricing_page_view", "whitepaper_download", "content_read", "demo_video_watch", "email_click"]


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as svc:
            md = svc.metadata
            async with open_channel(f"127.0.0.1:{svc.running.port}") as channel:
                stub = intent_pb2_grpc.IntentServiceStub(channel)
                customers = [await svc.create_customer() for _ in range(opts.customers)]
                now = utcnow()
                signals = [
                    intent_pb2.Signal(
                        customer_id=c,
                        type=TYPES[i % len(TYPES)],
                        occurred_at=to_timestamp(now - timedelta(hours=i * 7)),
                    )
                    for c in customers
                    for i in range(opts.signals)
                ]
                for i in range(0, len(signals), 500):
                    request = intent_pb2.IngestSignalsRequest(signals=signals[i : i + 500])
                    await stub.IngestSignals(request, metadata=md)

                db = svc.running.runtime.db
                start = time.perf_counter()
                for c in customers:
                    query = {"tenant_id": "bench", "customer_id": c, "at_ms": {"$gte": 0}}
                    await db["signals"].find(query).to_list()
                read = time.perf_counter() - start

                # A person decides the model (admin only); the rest of the bench acts as the platform.
                token = svc.running.runtime.settings.internal_token
                admin = CallContext(tenant="bench", caller="bench", roles=frozenset({"admin"}))

                patch = intent_pb2.IntentModelPatch(half_life_days=14, saturation=30)
                await stub.UpdateIntentModel(
                    intent_pb2.UpdateIntentModelRequest(input=patch), metadata=admin.outgoing_metadata(token)
                )
                while True:
                    model = await stub.GetIntentModel(intent_pb2.GetIntentModelRequest(), metadata=md)
                    if model.rescore.state == intent_pb2.MODEL_RESCORE_STATE_DONE:
                        break
                    await asyncio.sleep(0.2)
                r = model.rescore
                took = (r.finished_at.ToMilliseconds() - r.started_at.ToMilliseconds()) / 1000
    print(f"intent model re-score on nx-27017 ({opts.customers} customers × {opts.signals} signals)")
    print(f"  re-score (incl. the 2 s start delay): {r.done} customers in {took:6.2f} s")
    rescore_rate = r.done / max(took - 2.0, 1e-9)
    print(f"  re-score after the delay            : {rescore_rate:8.0f} customers/s")
    print(f"  baseline: one signal read/customer  : {len(customers) / read:8.0f} customers/s")
    print(f"  ratio: {rescore_rate / (len(customers) / read):.2f}x of the bare reads")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--signals", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
