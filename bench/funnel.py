"""Benchmark: the journey funnel over many customers' progress on the MongoDB stand-in.

    python bench/funnel.py [--customers 100000] [--runs 3]

A synthetic tenant: `--customers` progress documents (the stored form `JourneyStore` writes) on an
11-stage car-dealer journey, furthest stage geometric-ish (each stage keeps ~75 % of the one above),
an hour or two between stages, 20 owners, 5 source channels, some customers moved back. Then, in the
same run, medians of `--runs`:
  service       what GetFunnel runs: `JourneyStore.funnel_rows` (one `$match` + `$group`/`$push` of
                `reached_ms` over 64 buckets, all of the tenant's progress or one owner's by index)
                + `cumulative_funnel` in Python: counts, conversions, median / p90 between stages;
  service/owner the same filtered by one owner (indexed);
  baseline      the fastest direct aggregation we could write against the same collection for the
                counts alone: `$match` tenant + `$group` by the stored furthest rank (cumulative sums
                of 11 numbers in Python cost nothing). It gives no timings and no period filter.
  find          a projected `find` of `reached_ms` (what the service did first), for comparison.
The issue asks for 1 M customers: pass `--customers 1000000` (inserting takes ~2 min here).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers
from common.mongo import ensure_indexes, open_client
from services.journey.definitions import StageInput, build_journey
from services.journey.funnel import cumulative_funnel
from services.journey.store import INDEXES, PROGRESS, JourneyStore, funnel_bucket

TENANT = "bench"
HOUR = 3_600_000
START = 1_767_225_600_000  # 2026-01-01
KEYS = ["call", "appointment", "visit", "needs", "recommend", "test_drive", "quote", "follow_up"]
KEYS += ["revisit", "signed", "paid"]
CARS = build_journey(
    key="cars",
    name="Cars",
    version=1,
    stages=[StageInput(key=k, name=k, touchpoint_types=[k]) for k in KEYS],
)


def progress_doc(i: int, rng: random.Random) -> dict[str, Any]:
    furthest = 1
    while furthest < len(KEYS) and rng.random() < 0.75:
        furthest += 1
    at = START + rng.randrange(0, 180 * 24) * HOUR
    reached: dict[str, int] = {}
    for k in KEYS[:furthest]:
        if rng.random() < 0.9 or k == KEYS[furthest - 1]:
            reached[k] = at
        at += rng.randrange(1, 48) * HOUR
    current = KEYS[0] if rng.random() < 0.05 else KEYS[furthest - 1]
    customer_id = f"cus_{i:08d}"
    return {
        "_id": f"{TENANT}|{customer_id}",
        "tenant_id": TENANT,
        "customer_id": customer_id,
        "fb": funnel_bucket(customer_id),
        "owner_id": f"rep-{i % 20}",
        "source_channel": f"src-{i % 5}",
        "version": 1,
        "rot_ms": 2**53,
        "timer_ms": 0,
        "j": {
            "cars": {
                "reached_ms": reached,
                "furthest_rank": furthest,
                "latest": f"x {current}",
                "version": 1,
                "entered_ms": at,
                "moves": [],
                "stale_ms": 0,
            }
        },
    }


async def timed(runs: int, fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


async def main(customers: int, runs: int) -> None:
    with bench_servers() as servers:
        settings = servers.settings("journey")
        client = open_client(settings.mongodb_uri)
        db = client[settings.database_name]
        await ensure_indexes(db, INDEXES)
        collection = db[PROGRESS]
        rng = random.Random(10)
        started = time.perf_counter()
        batch: list[dict[str, Any]] = []
        for i in range(customers):
            batch.append(progress_doc(i, rng))
            if len(batch) == 1000:
                await collection.insert_many(batch, ordered=False)
                batch = []
        if batch:
            await collection.insert_many(batch, ordered=False)
        print(f"inserted {customers:,} progress documents in {time.perf_counter() - started:.1f} s")

        store = JourneyStore(db)

        async def service(owner: str = "") -> Any:
            rows = await store.funnel_rows(TENANT, "cars", owner_id=owner)
            return cumulative_funnel(CARS, rows)

        async def baseline() -> list[int]:
            pipeline: list[dict[str, Any]] = [
                {"$match": {"tenant_id": TENANT}},
                {"$group": {"_id": "$j.cars.furthest_rank", "n": {"$sum": 1}}},
            ]
            by_rank = {int(d["_id"]): int(d["n"]) async for d in await collection.aggregate(pipeline)}
            return [sum(n for r, n in by_rank.items() if r >= rank) for rank in range(1, len(KEYS) + 1)]

        async def find_only() -> int:
            cursor = collection.find(
                {"tenant_id": TENANT}, {"j.cars.reached_ms": 1, "_id": 0}, batch_size=5000
            )
            return len([d async for d in cursor])

        t_service, funnel = await timed(runs, service)
        t_owner, by_owner = await timed(runs, lambda: service("rep-3"))
        t_base, counts = await timed(runs, baseline)
        t_find, _ = await timed(runs, find_only)
        t_rows, rows = await timed(runs, lambda: store.funnel_rows(TENANT, "cars"))
        started = time.perf_counter()
        cumulative_funnel(CARS, rows)
        t_maths = time.perf_counter() - started
        assert [s.count for s in funnel.stages] == counts, "the service and the aggregation disagree"
        print(f"funnel over {customers:,} customers, median of {runs} runs:")
        print(f"  service (read + Python maths, counts+conversions+timings): {t_service:7.2f} s")
        print(f"    of which the $group/$push read {t_rows:.2f} s, the maths {t_maths:.2f} s")
        print(
            f"  service, one owner of 20 (indexed):                        {t_owner:7.2f} s "
            f"({by_owner.customers:,} customers)"
        )
        print(f"  baseline $group by furthest rank (counts only):            {t_base:7.2f} s")
        print(f"  a projected find of reached_ms alone (no maths):           {t_find:7.2f} s")
        print(f"  service / baseline: {t_service / t_base:.2f}x")
        print("  counts:", ", ".join(f"{s.key} {s.count:,}" for s in funnel.stages))
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.customers, args.runs))
