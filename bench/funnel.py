"""Benchmark: the journey funnel over many customers' progress on the MongoDB stand-in.

    python bench/funnel.py [--customers 1000000] [--quick] [--runs 3]

Run it at `--customers 100000` on a shared box (1 M took 6 minutes to load on a quiet box, ~30 on a busy one).

Starts nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set), leads and the journey
service; defines an 11-stage car-dealer journey through DefineJourney, then loads `--customers`
progress documents straight into the service's collection with `insert_many` in batches of 5,000
(the stored form the service writes, funnel facts derived by the same function,
`progress.facts_from_ms`): furthest stage geometric-ish (each stage keeps ~75 % of the one above),
an hour or two between stages, one stage in ten skipped, 20 owners, 5 source channels. `--quick` is
20,000 customers, a smoke run. Then, in the same run, the median (p50) of `--runs` of:
  service/gRPC   GetFunnel through gRPC (definition lookup, reads, maths, encoding);
  service        in process: `JourneyStore.funnel_facts` (a `$match` + `$group`/`$push` of the stored
                 fact rows `[rank, entered_ms, *gaps]`) + `funnel_of_facts`: counts, conversions,
                 exact median / p90 between stages;
  service/owner  the same for one owner of 20 (indexed `owner_id`), and with a period filter;
  REACHED        the same period by reach (per stage, who first reached it in March; the one scan,
                 then `first_reach` per customer), in process and through gRPC, and the funnel over
                 time by month by reach (the stage-transition history);
  baseline       the fastest direct aggregation we could write on the same collection for the counts
                 alone: `$match` tenant + `$group` by the stored furthest rank ($sum), cumulated in Python;
  before         what the service did before the facts were stored: `$push` of every `reached_ms`
                 map + the maths derived from them.
The service's counts are checked against the baseline's, and the REACHED funnel over the whole
time against the ENTERED one (they must agree when the period holds everything). Every figure is
printed with the load average at its end and the CPU seconds per run of each process (this one,
which runs the journey service in process, and its children: nats-server and the stand-in).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers, service_beside_leads
from common.context import CallContext
from common.grpc_client import open_channel
from common.roles import ADMIN
from services.journey.app import DEFINITION
from services.journey.definitions import StageInput, build_journey
from services.journey.funnel import (
    ENTERED,
    MONTH,
    REACHED,
    cumulative_funnel,
    funnel_of_facts,
    funnel_over_time_of_facts,
)
from services.journey.progress import facts_from_ms
from services.journey.store import FACTS_KEPT, PROGRESS, JourneyStore, funnel_bucket

TENANT = "bench"
HOUR = 3_600_000
START = 1_767_225_600_000  # 2026-01-01
KEYS = ["call", "appointment", "visit", "needs", "recommend", "test_drive", "quote", "follow_up"]
KEYS += ["revisit", "signed", "paid"]
BATCH = 5000


def progress_doc(i: int, rng: random.Random, version: int) -> dict[str, Any]:
    furthest = 1
    while furthest < len(KEYS) and rng.random() < 0.75:
        furthest += 1
    at = START + rng.randrange(0, 180 * 24) * HOUR
    reached: dict[str, int] = {}
    for k in KEYS[:furthest]:
        if rng.random() < 0.9 or k == KEYS[furthest - 1]:
            reached[k] = at
        at += rng.randrange(1, 48) * HOUR + rng.randrange(0, HOUR)
    current = KEYS[0] if rng.random() < 0.05 else KEYS[furthest - 1]
    customer_id = f"cus_{i:08d}"
    facts = facts_from_ms(KEYS, reached, version=version)
    return {
        "_id": f"{TENANT}|{customer_id}",
        "tenant_id": TENANT,
        "customer_id": customer_id,
        "fb": funnel_bucket(customer_id),
        "owner_id": f"rep-{i % 20}",
        "source_channel": f"src-{i % 5}",
        "version": 1,
        "fx": FACTS_KEPT,
        "rot_ms": 2**53,
        "timer_ms": 0,
        "j": {
            "cars": {
                "reached_ms": reached,
                "furthest_rank": furthest,
                "latest": f"x {current}",
                "version": version,
                "entered_ms": at,
                "moves": [],
                "stale_ms": 0,
                "stages": KEYS,
                "fv": version,
                "f": facts.packed(),
            }
        },
    }


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes() -> dict[str, int]:
    """This process (the bench and the journey service in it) and its children (nats-server, the
    stand-in), by name."""
    me = os.getpid()
    pids = {"bench+journey": me}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text.rsplit(")", 1)[1].split()[1]) == me:
            pids[text[text.index("(") + 1 : text.rindex(")")]] = int(stat.parent.name)
    return pids


NOTES: dict[str, str] = {}  # figure name -> "cpu/run ...; load ..."


async def timed(runs: int, fn: Callable[[], Awaitable[Any]], name: str = "") -> tuple[float, Any]:
    """p50 wall seconds of `runs` calls; records the CPU seconds per run of each process under `name`."""
    pids = processes()
    before = {n: cpu_seconds(pid) for n, pid in pids.items()}
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await fn()
        samples.append(time.perf_counter() - started)
    cpu = ", ".join(f"{n} {(cpu_seconds(pid) - before[n]) / runs:.2f}" for n, pid in pids.items())
    NOTES[name] = f"cpu s/run: {cpu}; load {os.getloadavg()[0]:.2f}"
    return statistics.median(samples), result


async def main(customers: int, runs: int) -> None:
    print("load before:", load())
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as svc:
            settings = svc.running.runtime.settings
            admin = CallContext(tenant=TENANT, caller="bench", roles=frozenset({ADMIN}))
            async with open_channel(f"127.0.0.1:{svc.running.port}") as channel:
                stub = journey_pb2_grpc.JourneyServiceStub(channel)
                stages = [journey_pb2.JourneyStage(key=k, name=k, touchpoint_types=[k]) for k in KEYS]
                defined = await stub.DefineJourney(
                    journey_pb2.DefineJourneyRequest(
                        journey=journey_pb2.JourneyDefinition(key="cars", name="Cars", stages=stages)
                    ),
                    metadata=admin.outgoing_metadata(settings.internal_token),
                )
                cars = build_journey(
                    key="cars",
                    name="Cars",
                    version=defined.version,
                    stages=[StageInput(key=k, name=k, touchpoint_types=[k]) for k in KEYS],
                )
                db = svc.running.runtime.db
                collection = db[PROGRESS]
                rng = random.Random(10)
                started = time.perf_counter()
                for first in range(0, customers, BATCH):
                    batch = [
                        progress_doc(i, rng, cars.version)
                        for i in range(first, min(customers, first + BATCH))
                    ]
                    await collection.insert_many(batch, ordered=False)
                loaded = time.perf_counter() - started
                print(
                    f"loaded {customers:,} progress documents in {loaded:.1f} s ({customers / loaded:,.0f}/s)"
                )
                store = JourneyStore(db)

                async def service(
                    owner: str = "",
                    from_ms: int | None = None,
                    to_ms: int | None = None,
                    basis: str = ENTERED,
                ) -> Any:
                    facts, others = await store.funnel_facts(
                        TENANT, "cars", version=cars.version, owner_id=owner
                    )
                    assert not others, "every document carries facts of the current version"
                    return funnel_of_facts(cars, facts, from_ms=from_ms, to_ms=to_ms, basis=basis)

                async def by_month_reached() -> Any:
                    facts, _ = await store.funnel_facts(TENANT, "cars", version=cars.version)
                    return funnel_over_time_of_facts(
                        cars,
                        facts,
                        interval=MONTH,
                        from_ms=START,
                        to_ms=START + 181 * 24 * HOUR,
                        basis=REACHED,
                    )

                async def grpc_funnel(**fields: Any) -> Any:
                    return await stub.GetFunnel(
                        journey_pb2.GetFunnelRequest(journey="cars", **fields),
                        metadata=svc.metadata,
                        timeout=600,
                    )

                async def baseline() -> list[int]:
                    pipeline: list[dict[str, Any]] = [
                        {"$match": {"tenant_id": TENANT}},
                        {"$group": {"_id": "$j.cars.furthest_rank", "n": {"$sum": 1}}},
                    ]
                    by_rank = {int(d["_id"]): int(d["n"]) async for d in await collection.aggregate(pipeline)}
                    return [
                        sum(n for r, n in by_rank.items() if r >= rank) for rank in range(1, len(KEYS) + 1)
                    ]

                async def before() -> Any:
                    pipeline: list[dict[str, Any]] = [
                        {"$match": {"tenant_id": TENANT}},
                        {"$group": {"_id": "$fb", "r": {"$push": "$j.cars.reached_ms"}}},
                    ]
                    rows = [r async for g in await collection.aggregate(pipeline) for r in g["r"] if r]
                    return cumulative_funnel(cars, rows)

                march = (START + 59 * 24 * HOUR, START + 90 * 24 * HOUR)
                reached_march = {
                    "from": Timestamp(seconds=march[0] // 1000),
                    "to": Timestamp(seconds=march[1] // 1000),
                    "period_basis": journey_pb2.FUNNEL_PERIOD_BASIS_REACHED,
                }
                t_grpc, reply = await timed(runs, grpc_funnel, "grpc")
                t_service, funnel = await timed(runs, service, "service")
                t_owner, by_owner = await timed(runs, lambda: service("rep-3"), "owner")
                t_period, in_march = await timed(runs, lambda: service("", *march), "entered")
                t_reached, reached = await timed(runs, lambda: service("", *march, basis=REACHED), "reached")
                t_reached_grpc, reached_reply = await timed(
                    runs, lambda: grpc_funnel(**reached_march), "reached_grpc"
                )
                t_months, months = await timed(runs, by_month_reached, "months")
                everything = await service(basis=REACHED)
                t_base, counts = await timed(runs, baseline, "baseline")
                t_before, old = await timed(runs, before, "before")
                started = time.perf_counter()
                facts, _ = await store.funnel_facts(TENANT, "cars", version=cars.version)
                t_read = time.perf_counter() - started
                started = time.perf_counter()
                funnel_of_facts(cars, facts)
                t_maths = time.perf_counter() - started
    assert [s.count for s in funnel.stages] == counts, "the service and the aggregation disagree"
    assert [s.count for s in reply.stages] == counts, "gRPC and the aggregation disagree"
    assert old == funnel, "the stored facts and the reached maps give different funnels"
    assert everything == funnel, "REACHED over all time differs from ENTERED"
    assert [s.count for s in reached_reply.stages] == [s.count for s in reached.stages]
    n = {k: "    " + v for k, v in NOTES.items()}
    print(f"funnel over {customers:,} customers, p50 of {runs} runs each:")
    print(f"  service through gRPC (GetFunnel, counts+conversions+timings): {t_grpc:7.2f} s")
    print(n["grpc"])
    print(f"  service in process:                                        {t_service:7.2f} s")
    print(n["service"])
    print(f"    of which the $group/$push read {t_read:.2f} s, the maths {t_maths:.2f} s (one run)")
    print(
        f"  service, one owner of 20 (indexed):                        {t_owner:7.2f} s ({by_owner.customers:,})"
    )
    print(n["owner"])
    print(
        f"  service, ENTERED in March (cohort):                        {t_period:7.2f} s ({in_march.customers:,})"
    )
    print(n["entered"])
    print(
        f"  service, REACHED in March (per stage):                     {t_reached:7.2f} s ({reached.customers:,})"
    )
    print(n["reached"])
    print(f"  service through gRPC, REACHED in March:                    {t_reached_grpc:7.2f} s")
    print(n["reached_grpc"])
    print(
        f"  service, REACHED per month over 6 months:                  {t_months:7.2f} s ({len(months)} months)"
    )
    print(n["months"])
    print(f"  baseline $group by furthest rank (counts only):            {t_base:7.2f} s")
    print(n["baseline"])
    print(f"  before: $push of every reached_ms map + maths:             {t_before:7.2f} s")
    print(n["before"])
    print(
        f"  service / baseline: in process {t_service / t_base:.2f}x, gRPC {t_grpc / t_base:.2f}x; "
        f"before / baseline {t_before / t_base:.2f}x"
    )
    print("  counts:", ", ".join(f"{s.key} {s.count:,}" for s in funnel.stages))
    print("  ENTERED in March:", ", ".join(f"{s.key} {s.count:,}" for s in in_march.stages))
    print("  REACHED in March:", ", ".join(f"{s.key} {s.count:,}" for s in reached.stages))
    print(
        "  median h from previous:",
        ", ".join(f"{(s.median_ms_from_previous or 0) / HOUR:.1f}" for s in funnel.stages),
    )
    print("load after:", load())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 customers, a smoke run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(20_000 if args.quick else args.customers, args.runs))
