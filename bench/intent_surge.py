"""Benchmark: surge-to-subscription latency, through the whole system (issue 9, "Performance").

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set), the four services and
the gateway in-process, subscribes over graphql-transport-ws as the owner (`intentSurges`), then for each
of N customers sends three pricing-page views in one `ingestSignals` mutation (a surge) and times until
the surge reaches the subscriber. Printed beside it, from the same run:
- `ingest only`: the same mutation for a signal that makes no surge (what the write path costs);
- `bridge only`: an event published straight on NATS until the subscriber has it (what the gateway's
  NATS → WebSocket bridge costs).

    python bench/intent_surge.py [--surges 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers
from common import cloudevents
from common.config import Settings
from tests.conftest import TEST_TOKEN
from tests.support.stack import running_stack

INGEST = "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }"
CREATE = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }"
SUBSCRIBE = "subscription { intentSurges { customer { id } reason } }"
OWNER = "rep-bench"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def line(name: str, values: list[float]) -> str:
    return (
        f"  {name:<28} p50 {pct(values, 0.5):7.1f} ms   p99 {pct(values, 0.99):7.1f} ms   "
        f"mean {statistics.mean(values) * 1000:7.1f} ms   n={len(values)}"
    )


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.post("/graphql", json={"query": query, "variables": variables})
    ).json()
    assert not body.get("errors"), body
    return body["data"]


async def next_reason(ws: ClientConnection, within: float = 10) -> str:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    return str(message["payload"]["data"]["intentSurges"]["reason"])


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        namespace = f"bench{uuid.uuid4().hex[:6]}"

        def settings_for(service: str, **overrides: Any) -> Settings:
            values: dict[str, Any] = {
                "service": service,
                "grpc_port": 0,
                "mongodb_uri": servers.mongodb_uri,
                "mongodb_db_prefix": namespace,
                "nats_url": servers.nats_url,
                "subject_root": namespace,
                "internal_token": TEST_TOKEN,
            }
            values.update(overrides)
            return Settings(**values)

        async with running_stack(
            settings_for=settings_for, namespace=namespace, nats_url=servers.nats_url
        ) as stack:
            admin = httpx.AsyncClient(
                base_url=stack.base_url,
                headers={"Authorization": f"Bearer {stack.token('bench', ('admin',))}"},
                timeout=30,
            )
            nc = await nats.connect(stack.nats_url)
            scores = stack.running["intent"].runtime.db["scores"]
            ids = []
            for i in range(opts.surges + opts.surges):
                data = await gql(admin, CREATE, input={"name": f"B{i}", "ownerId": OWNER})
                ids.append(data["createCustomer"]["id"])
            # Until leads' customer_created is projected, so every surge names its owner (another
            # process's write: there is nothing in this one to wait on but the database).
            while await scores.count_documents({"owner_id": OWNER}) < len(ids):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            surging, quiet = ids[: opts.surges], ids[opts.surges :]

            async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                token = stack.token("bench", ("sales",), subject=OWNER)
                await ws.send(
                    json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
                )
                await ws.recv()
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
                bridge: list[float] = []
                for i in range(opts.surges + 20):  # the first pings also wait for the subscription
                    data = {"customer_id": "ping", "owner_id": OWNER, "reason": f"ping{i}", "surged_at_ms": 1}
                    event = cloudevents.make_event(
                        type="crm.intent.surged.v1", source="b", tenant="bench", data=data
                    )
                    start = time.perf_counter()
                    await nc.publish(f"{namespace}.evt.bench.bench.ping", cloudevents.encode(event))
                    try:
                        while await next_reason(ws, within=0.5) != f"ping{i}":
                            pass
                    except TimeoutError:
                        continue
                    bridge.append(time.perf_counter() - start)
                bridge = bridge[-opts.surges :]

                now = datetime.now(UTC)
                views = [(now - timedelta(hours=h)).isoformat() for h in (20, 5, 0)]
                ingest_only: list[float] = []
                for cid in quiet:
                    start = time.perf_counter()
                    await gql(
                        admin, INGEST, s=[{"customerId": cid, "type": "content_read", "occurredAt": views[2]}]
                    )
                    ingest_only.append(time.perf_counter() - start)
                surge: list[float] = []
                for cid in surging:
                    start = time.perf_counter()
                    await gql(
                        admin,
                        INGEST,
                        s=[{"customerId": cid, "type": "pricing_page_view", "occurredAt": t} for t in views],
                    )
                    await next_reason(ws)
                    surge.append(time.perf_counter() - start)
            await nc.close()
            await admin.aclose()
    print(f"surge → GraphQL subscription, full stack on nx-27017 ({opts.surges} surges, one at a time)")
    print(line("surge (mutation → ws)", surge))
    print(line("baseline: ingest only", ingest_only))
    print(line("baseline: bridge only", bridge))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--surges", type=int, default=100)
    asyncio.run(main(parser.parse_args()))
