"""What the gateway's limits cost and what they protect, measured against baselines in the same run.

(a) `{ __typename }` through the gateway (auth, limits, caches, metrics, tracing hooks) against a
    bare Starlette endpoint under the same uvicorn, with the same hand-rolled keep-alive client at
    the same concurrency: requests per second and p50/p99 latency, in short interleaved rounds
    (the box is shared: a load spike then hits both sides), each round's ratio and their median
    against the aim of 0.4x.
(b) A bystander's trivial queries (`{ __typename }` and one customer's name) alone, then while the
    heaviest query the cost limit allows (per-customer `tagHistory` and `journey.timeline` on as many
    customers as fit) runs in a loop; plus what the abusive query of the review (30 aliases of a
    100-customer page) now gets.

Everything runs as separate processes on 127.0.0.1, as in `make run`: nats-server, the MongoDB
stand-in, the four services, the gateway, the bare app. Stops by itself in about two minutes.
Usage: `.venv/bin/python bench/gateway.py [--parts ab] [--rounds 8] [--round-seconds 2] [--seconds 5]
[--customers 60]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.config import DEFAULT_GRPC_PORTS, SERVICES, GatewaySettings  # noqa: E402
from common.local_servers import free_port, start_mongo_standin, start_nats, wait_for_port  # noqa: E402
from gateway.auth import issue_token  # noqa: E402
from gateway.cost import operation_cost  # noqa: E402
from gateway.schema import build_schema  # noqa: E402

JWT_SECRET = "bench-jwt-secret-0123456789abcdefghij"
TRIVIAL = '{"query":"{ __typename }"}'
BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def graphql(request):
    await request.body()
    return JSONResponse({"data": {"__typename": "Query"}})

app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
"""
HEAVY = """query Heavy($n: Int!) { customers(first: $n) { edges { node { id
  tagHistory(first: 20) { entries { tagKey action value at evidence { note } } }
  journey { stage timeline(first: 20) { edges { node { type occurredAt } } } } } } } }"""
ABUSIVE = (
    "{ "
    + " ".join(
        f"a{i}: customers(first: 100) {{ edges {{ node {{ tagHistory {{ entries {{ tagKey }} }} "
        "journey { timeline { edges { node { type } } } } } } }"
        for i in range(30)
    )
    + " }"
)


# --- a minimal HTTP/1.1 keep-alive client: the same, cheap, for both servers -------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    @classmethod
    async def open(cls, port: int, body: str, token: str) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        data = body.encode()
        request = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode() + data
        return cls(reader, writer, request)

    async def roundtrip(self) -> bytes:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await self.reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.decode() + body.decode())
        return body

    def close(self) -> None:
        self.writer.close()


async def load(port: int, body: str, token: str, *, concurrency: int, seconds: float) -> dict[str, float]:
    """Closed-loop load: rps and latency percentiles (see `load_latencies`)."""
    latencies, elapsed = await load_latencies(port, body, token, concurrency=concurrency, seconds=seconds)
    return {"rps": len(latencies) / elapsed, **percentiles(latencies)}


async def load_latencies(
    port: int, body: str, token: str, *, concurrency: int, seconds: float
) -> tuple[list[float], float]:
    """Closed-loop load: `concurrency` connections, each sending the next request on an answer.

    Returns every request's latency and the seconds the load ran.
    """
    connections = [await Connection.open(port, body, token) for _ in range(concurrency)]
    for connection in connections:  # warm-up: first parse, first validation
        await connection.roundtrip()
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker(connection: Connection) -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            await connection.roundtrip()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return latencies, elapsed


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


# --- processes ------------------------------------------------------------------------------


@contextlib.contextmanager
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for proc in reversed(started):
            proc.terminate()
        for proc in reversed(started):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


async def wait_http(url: str, *, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} not 200 within {within}s")


# --- data -----------------------------------------------------------------------------------


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    reply = await client.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = reply.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body


async def seed(client: httpx.AsyncClient, customers: int) -> str:
    """`customers` customers, each with 3 tag changes and 3 touchpoints; returns one customer's id."""
    define = "mutation($i: DefineTagInput!) { defineTag(input: $i) { key } }"
    await gql(
        client,
        define,
        i={
            "key": "tier",
            "displayName": "Tier",
            "valueType": "ENUM",
            "allowedValues": ["a", "b", "c"],
            "exclusive": True,
            "group": "tier",
        },
    )
    create = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }"
    assign = (
        "mutation($id: ID!, $t: [TagInput!]!) { assignTags(customerId: $id, tags: $t) { skipped { key } } }"
    )
    touch = "mutation($i: TouchpointInput!) { recordTouchpoint(input: $i) { stageChanged } }"

    async def one(index: int) -> str:
        body = await gql(client, create, i={"name": f"Bench {index}", "email": f"bench{index}@example.com"})
        cid: str = body["data"]["createCustomer"]["id"]
        for value in ("a", "b", "c"):
            await gql(client, assign, id=cid, t=[{"key": "tier", "value": value}])
        for kind in ("ad_click", "site_visit", "demo_request"):
            await gql(client, touch, i={"customerId": cid, "type": kind, "channel": "web"})
        return cid

    ids: list[str] = []
    for start in range(0, customers, 10):
        ids += await asyncio.gather(*(one(i) for i in range(start, min(customers, start + 10))))
    return ids[0]


def heaviest_page(settings: GatewaySettings) -> tuple[int, int]:
    """The largest `n` for which HEAVY stays within the cost limit, and its cost."""
    from graphql import OperationDefinitionNode, parse

    schema = build_schema(settings)._schema
    operation = next(d for d in parse(HEAVY).definitions if isinstance(d, OperationDefinitionNode))
    best = (1, operation_cost(schema, operation, {}, {"n": 1}))
    for n in range(1, settings.max_page_size + 1):
        cost = operation_cost(schema, operation, {}, {"n": n})
        if cost > settings.max_cost:
            break
        best = (n, cost)
    return best


async def bystander(port: int, token: str, body: str, seconds: float) -> dict[str, float]:
    return await load(port, body, token, concurrency=1, seconds=seconds)


async def heavy_loop(client: httpx.AsyncClient, n: int, stop: asyncio.Event, took: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await gql(client, HEAVY, n=n)
        took.append(time.perf_counter() - started)


# --- main -----------------------------------------------------------------------------------


async def run(seconds: float, customers: int, parts: str, *, rounds: int, round_seconds: float) -> None:
    settings = GatewaySettings()
    with tempfile.TemporaryDirectory(prefix="bench-gw-") as tmp, processes() as procs:
        work = Path(tmp)
        nats = start_nats(work / "nats")
        mongo = start_mongo_standin(work / "mongo")
        procs.extend([nats.process, mongo.process])
        ports = {svc: free_port() for svc in SERVICES}
        gateway_port, bare_port = free_port(), free_port()
        env = {
            **os.environ,
            "MONGODB_URI": mongo.url,
            "NATS_URL": nats.url,
            "MONGODB_DB_PREFIX": "bench",
            "JWT_SECRET": JWT_SECRET,
            "GATEWAY_PORT": str(gateway_port),
            "LOG_LEVEL": "WARNING",
            **{f"{svc.upper()}_ADDR": f"127.0.0.1:{port}" for svc, port in ports.items()},
        }
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        for svc in SERVICES:
            procs.append(
                spawn(
                    [sys.executable, "-m", f"services.{svc}"],
                    {**env, "GRPC_PORT": str(ports[svc])},
                    work / f"{svc}.log",
                )
            )
        procs.append(spawn([sys.executable, "-m", "gateway"], env, work / "gateway.log"))
        (work / "bare_app.py").write_text(BARE_APP)
        procs.append(
            spawn(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--app-dir",
                    str(work),
                    "bare_app:app",
                    "--port",
                    str(bare_port),
                    "--log-level",
                    "warning",
                ],
                env,
                work / "bare.log",
            )
        )
        await wait_http(f"http://127.0.0.1:{gateway_port}/backends")
        wait_for_port(bare_port)
        token = issue_token(
            secret=JWT_SECRET, issuer=settings.jwt_issuer, tenant="bench", roles=("admin",), subject="bench"
        )
        print(
            f"stack up: 4 services, gateway :{gateway_port}, bare Starlette :{bare_port} "
            f"(defaults: max cost {settings.max_cost}, depth {settings.max_query_depth}, "
            f"aliases {settings.max_aliases}, tokens {settings.max_tokens})"
        )

        if "a" in parts:
            await trivial_vs_bare(gateway_port, bare_port, token, round_seconds, rounds)
        if "b" in parts:
            await bystanders(gateway_port, token, settings, seconds, customers)


AIM = 0.4


async def trivial_vs_bare(
    gateway_port: int, bare_port: int, token: str, seconds: float, rounds: int
) -> dict[int, float]:
    """Interleaved short rounds (gateway, bare, bare, gateway, …) at 1 and 8 connections.

    The box is shared: a load spike lasting a few seconds would make one long measurement of each
    side meaningless. Rounds of `seconds` alternate the two sides (in ABBA order, so neither is
    always first), each round yields its own ratio, and the median of those ratios is the figure;
    a spike lowers both sides of the rounds it hits, or spoils one round of many.
    Returns the median ratio per concurrency.
    """
    print(f"\n(a) {{ __typename }}: gateway vs bare Starlette+uvicorn, same client, {rounds} interleaved")
    print(f"    rounds of {seconds:g}s per side and concurrency; aim: gateway >= {AIM}x bare (median)")
    # Warm both up first: the services and the gateway have just started, and their start-up work
    # (indexes, consumers, first imports) would otherwise be charged to whichever is measured first.
    for port in (bare_port, gateway_port):
        await load(port, TRIVIAL, token, concurrency=8, seconds=2)
    medians: dict[int, float] = {}
    for concurrency in (1, 8):
        print(
            f"\n  {concurrency} connection{'s' if concurrency > 1 else ''}\n"
            f"  {'round':>5} {'bare rps':>9} {'p50':>6} {'p99':>6} {'gw rps':>8} {'p50':>6} {'p99':>6} "
            f"{'ratio':>6}"
        )
        ratios: list[float] = []
        latencies: dict[str, list[float]] = {"bare": [], "gateway": []}
        rps: dict[str, list[float]] = {"bare": [], "gateway": []}
        for index in range(rounds):
            order = (("gateway", gateway_port), ("bare", bare_port))
            figures = {}
            for name, port in order if index % 2 == 0 else order[::-1]:
                taken, elapsed = await load_latencies(
                    port, TRIVIAL, token, concurrency=concurrency, seconds=seconds
                )
                figures[name] = {"rps": len(taken) / elapsed, **percentiles(taken)}
                latencies[name] += taken
                rps[name].append(figures[name]["rps"])
            ratio = figures["gateway"]["rps"] / figures["bare"]["rps"]
            ratios.append(ratio)
            b, g = figures["bare"], figures["gateway"]
            print(
                f"  {index + 1:>5} {b['rps']:>9.0f} {b['p50_ms']:>6.2f} {b['p99_ms']:>6.2f} "
                f"{g['rps']:>8.0f} {g['p50_ms']:>6.2f} {g['p99_ms']:>6.2f} {ratio:>5.2f}x"
            )
        pooled = {name: percentiles(values) for name, values in latencies.items()}
        median = statistics.median(ratios)
        medians[concurrency] = median
        print(
            f"  {'all':>5} {statistics.median(rps['bare']):>9.0f} {pooled['bare']['p50_ms']:>6.2f} "
            f"{pooled['bare']['p99_ms']:>6.2f} {statistics.median(rps['gateway']):>8.0f} "
            f"{pooled['gateway']['p50_ms']:>6.2f} {pooled['gateway']['p99_ms']:>6.2f} {median:>5.2f}x  "
            f"(median rps and ratio; pooled latencies; ratios {min(ratios):.2f}-{max(ratios):.2f}x)"
        )
        verdict = "MET" if median >= AIM else "MISSED"
        print(f"  aim >= {AIM}x at {concurrency} connection(s): median {median:.3f}x -> {verdict}")
    return medians


async def bystanders(
    gateway_port: int, token: str, settings: GatewaySettings, seconds: float, customers: int
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{gateway_port}", headers=headers, timeout=60
    ) as client:
        started = time.perf_counter()
        customer_id = await seed(client, customers)
        print(
            f"\nseeded {customers} customers (3 tag changes, 3 touchpoints each) "
            f"in {time.perf_counter() - started:.1f}s"
        )
        n, cost = heaviest_page(settings)
        print(
            f"heaviest allowed: customers(first: {n}) with tagHistory(first: 20) and "
            f"journey.timeline(first: 20) per customer, cost {cost} of {settings.max_cost}"
        )
        abusive = (await client.post("/graphql", json={"query": ABUSIVE})).json()
        ext = abusive["errors"][0]["extensions"]
        print(
            f"the review's 30-alias query: {ext['code']} (cost {ext.get('cost')}, "
            f"maximum {ext.get('maximumCost')}), data {abusive['data']}"
        )

        probe = json.dumps(
            {
                "query": "query($id: ID!) { customer(id: $id) { profile { name } } }",
                "variables": {"id": customer_id},
            }
        )
        print("\n(b) a bystander's trivial queries, one at a time, alone vs beside the heavy loop")
        print(f"{'query':>22} {'while':>11} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
        for label, body in (("{ __typename }", TRIVIAL), ("customer { profile }", probe)):
            alone = await bystander(gateway_port, token, body, seconds)
            stop = asyncio.Event()
            took: list[float] = []
            loop = asyncio.create_task(heavy_loop(client, n, stop, took))
            await asyncio.sleep(0.5)
            loaded = await bystander(gateway_port, token, body, seconds)
            stop.set()
            await loop
            for when, f in (("alone", alone), ("heavy loop", loaded)):
                print(f"{label:>22} {when:>11} {f['n']:>6.0f} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f}")
            heavy = percentiles(took)
            print(
                f"{'(heavy query itself)':>22} {'':>11} {heavy['n']:>6.0f} "
                f"{heavy['p50_ms']:>8.2f} {heavy['p99_ms']:>8.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=8, help="(a): interleaved rounds per concurrency")
    parser.add_argument("--round-seconds", type=float, default=2.0, help="(a): seconds per side and round")
    parser.add_argument("--parts", default="ab", help="a: trivial query vs bare app; b: bystanders")
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(
        run(args.seconds, args.customers, args.parts, rounds=args.rounds, round_seconds=args.round_seconds)
    )
    print(f"\ndone in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    assert DEFAULT_GRPC_PORTS  # the default ports are not used: every process gets a free one
    main()
