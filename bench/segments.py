"""Benchmark: segment counts on the Roaring index, against raw pyroaring and Python sets; index memory;
start-up rebuild from the MongoDB stand-in.

1. A synthetic tenant (default 10 M customers, 200 tags): tag popularity Zipf-like (the top tag on
   ~60 % of customers, the 200th on ~0.5 %), customers scattered pseudo-randomly; an enum `region`
   with 8 skewed values, a number tag `budget` (2,000 distinct values), a date tag `signed` (730 days),
   three sources per tag. The 5-predicate expression
       t001 AND region IN ("上海","杭州") AND budget >= 100000 AND NOT t003 AND signed >= 2025-07-01
   is counted (a) by `segments.evaluate.count` on `RoaringIndex`, (b) by hand-written pyroaring on the
   same bitmaps (the floor), (c) with Python sets of the same members (ranges pre-unioned, in the
   sets' favour). Medians of repeated runs; the ratios are what the issue aims at (≤ 2×, ≥ 100×).
2. Memory of the index per million customers, per structure (heap bytes in use, glibc `mallinfo2`,
   before and after each part is built; payload bytes beside it): the bitmaps, the number ↔ id maps
   with the versions (`IdMap`, `Versions`), the assignment times (`AssignedTimes`, every assignment
   gets a time in the last year). In the same run, the earlier forms: the maps as Python dicts (at
   the same size) and the times as 42 bit slices (`BitSliced`, at `--baseline-customers`, same
   densities), with a "assigned in the last 30 days" query on both.
3. Start-up rebuild: `--rebuild` assignments (default 1 M, 10 per customer) inserted as
   `tag_customers` documents into the stand-in, then `IndexKeeper.rebuild()` timed.
4. Through the service (gRPC count p50/p99, freshness at 1,000 assignments/s): need the segment RPCs
   (SegmentsService); the script says so when they are not there.

    python bench/segments.py [--customers 10000000] [--rebuild 1000000] [--skip-rebuild]
        [--baseline-customers 1000000] [--skip-service] [--rate 1000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, cast

import grpc
from pyroaring import BitMap

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.segments_baseline import bit_sliced, dict_maps
from bench.servers import bench_servers, service_beside_leads
from common.mongo import open_client
from services.tags.model import Assignment, Evidence
from services.tags.segments.evaluate import count
from services.tags.segments.expression import And, Has, In, Not, Range
from services.tags.segments.keeper import IndexKeeper
from services.tags.segments.roaring_index import RoaringIndex
from services.tags.segments.store import SegmentStore
from services.tags.segments.times import AssignedTimes
from services.tags.store import CUSTOMERS, TagStore

TENANT = "bench"
TAGS = 200
REGIONS = {
    "上海": 0.30,
    "杭州": 0.18,
    "北京": 0.16,
    "深圳": 0.12,
    "广州": 0.09,
    "成都": 0.07,
    "南京": 0.05,
    "武汉": 0.03,
}
SIGNED_FROM = date(2025, 1, 1)
EXPRESSION = And(
    (
        Has("t001"),
        In("region", ("上海", "杭州")),
        Range("budget", low=100_000),
        Not(Has("t003")),
        Range("signed", low=float(date(2025, 7, 1).toordinal())),
    )
)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def heap_mb() -> float:
    """Heap bytes in use (glibc `mallinfo2`: malloc'd + mmapped), in MB; RSS where glibc is not there.
    It sees Roaring containers and every buffer above 512 bytes (arrays, bytearrays, dict tables),
    and transient lists no longer once freed, but not Python's small objects (pymalloc's own arenas):
    right for the bitmaps, `IdMap` and `AssignedTimes`, not for dicts of strings (RSS there)."""
    gc.collect()
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (AttributeError, OSError):
        return rss_mb()
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return (info.uordblks + info.hblkhd) / 1e6


def scatter(n: int, k: int, seed: int) -> list[int]:
    """k distinct pseudo-random customer numbers in 1..n (an affine permutation, fast in Python)."""
    a = (2_654_435_761 + seed * 1_000_003) % n or 1  # a multiplier per tag: no shared structure
    while _gcd(a, n) != 1:
        a += 1
    b = (seed * 40_503) % n
    return [(a * j + b) % n + 1 for j in range(k)]


def _gcd(x: int, y: int) -> int:
    while y:
        x, y = y, x % y
    return x


def medians_ms(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median time of each function, measured round-robin so that the load of this shared box
    drifts over all of them alike."""
    for fn in fns.values():
        fn()  # warm up
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def bitmap_bytes(bitmaps: Iterable[BitMap]) -> int:
    """In-memory bytes of the bitmaps' containers (pyroaring's own statistics)."""
    total = 0
    for bitmap in bitmaps:
        st = bitmap.get_statistics()
        total += (
            st["n_bytes_array_containers"] + st["n_bytes_run_containers"] + st["n_bytes_bitset_containers"]
        )
    return total


def index_bitmaps(index: RoaringIndex) -> Iterator[BitMap]:
    for t in index._tenants.values():
        yield t.universe
        for x in t.tags.values():
            yield x.has
            yield from x.values.values()
            yield from x.sources.values()
            yield from x.points.all_bitmaps()


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def chunks(members: list[int], weights: dict[str, float]) -> dict[str, BitMap]:
    """Split members (already in pseudo-random order) into values by weight."""
    out: dict[str, BitMap] = {}
    start = 0
    total = sum(weights.values())
    for i, (value, weight) in enumerate(weights.items()):
        end = len(members) if i == len(weights) - 1 else start + int(len(members) * weight / total)
        out[value] = BitMap(members[start:end])
        start = end
    return out


def strided(members: list[int], values: list[str]) -> dict[str, BitMap]:
    return {value: BitMap(members[i :: len(values)]) for i, value in enumerate(values)}


YEAR_MS = 365 * 86_400_000
TIMES_END_MS = 1_798_761_600_000  # 2027-01-01: the synthetic assignments fall in the year before it


def assigned_times(members: list[int], seed: int) -> list[int]:
    """A pseudo-random assignment time in the last year for each member."""
    return [TIMES_END_MS - 1 - (m * 2_654_435_761 + seed * 7_919) % YEAR_MS for m in members]


@dataclass
class Built:
    """What building the synthetic tenant took: seconds and heap MB per part."""

    bitmaps_s: float = 0.0
    bitmaps_mb: float = 0.0
    maps_s: float = 0.0
    maps_mb: float = 0.0
    times_s: float = 0.0
    times_mb: float = 0.0
    assignments: int = 0


TAG_SHAPES = [(501, "region", 0.7), (502, "budget", 0.5), (503, "signed", 0.3)]  # (seed, tag, share)


def tag_members(n: int) -> Iterator[tuple[int, str, list[int]]]:
    """(seed, tag, members) of every synthetic tag, made afresh each time (no list outlives its tag)."""
    for rank in range(1, TAGS + 1):
        yield rank, f"t{rank:03d}", scatter(n, max(1, int(n * 0.6 / rank**0.9)), seed=rank)
    for seed, tag, share in TAG_SHAPES:
        yield seed, tag, scatter(n, int(n * share), seed=seed)


def build_tenant(n: int, index: RoaringIndex | None = None) -> tuple[RoaringIndex, Built]:
    """The synthetic tenant, part by part: bitmaps, number ↔ id maps, assignment times."""
    index = index if index is not None else RoaringIndex()
    built = Built()
    values = {
        "budget": [str(v * 1000) for v in range(2000)],
        "signed": [(SIGNED_FROM + timedelta(days=d)).isoformat() for d in range(730)],
    }
    base, started = heap_mb(), time.perf_counter()
    for _, tag, members in tag_members(n):
        if tag == "region":
            split = chunks(members, REGIONS)
        else:
            split = strided(members, values[tag]) if tag in values else {"": BitMap(members)}
        sources = strided(members, ["manual", "rule", "conversation"])
        index.merge_tag(TENANT, tag, split, sources, ([], []))
    index.run_optimize()
    built.bitmaps_s, built.bitmaps_mb = time.perf_counter() - started, heap_mb() - base
    base, started = heap_mb(), time.perf_counter()
    index.load_customers(TENANT, [(i, f"cus_{i:026d}", 1) for i in range(1, n + 1)])
    built.maps_s, built.maps_mb = time.perf_counter() - started, heap_mb() - base
    tags = index._tenants[TENANT].tags
    base, started = heap_mb(), time.perf_counter()
    for seed, tag, members in tag_members(n):
        tags[tag].assigned.load(members, assigned_times(members, seed))
        tags[tag].assigned.run_optimize()
        built.assignments += len(members)
    built.times_s, built.times_mb = time.perf_counter() - started, heap_mb() - base
    return index, built


def section_counts(n: int, index: RoaringIndex | None = None) -> RoaringIndex:
    """Build the synthetic tenant (into `index`, e.g. the service's own) and count on it."""
    print(f"== counts: synthetic tenant, {n:,} customers, {TAGS + 3} tags")
    started = time.perf_counter()
    index, built = build_tenant(n, index)
    print(
        f"built in {time.perf_counter() - started:.1f} s (bitmaps {built.bitmaps_s:.1f} s, number↔id maps "
        f"{built.maps_s:.1f} s, assignment times {built.times_s:.1f} s)"
    )
    now = int(time.time() * 1000)

    t001, t003 = index.has(TENANT, "t001"), index.has(TENANT, "t003")
    sh, hz = index.equals(TENANT, "region", "上海"), index.equals(TENANT, "region", "杭州")
    tags = index._tenants[TENANT].tags
    budget_parts = tags["budget"].points.parts(100_000, None)  # the index's own bucket unions and values
    signed_parts = tags["signed"].points.parts(float(date(2025, 7, 1).toordinal()), None)
    budget_values = [b for v, b in tags["budget"].values.items() if float(v) >= 100_000]
    signed_low = date(2025, 7, 1).isoformat()
    signed_values = [b for v, b in tags["signed"].values.items() if v >= signed_low]

    def raw() -> int:
        """The evaluator's work by hand: the same bitmaps, the same pyroaring calls, no tree walk."""
        region = sh | hz
        budget = BitMap.union(*budget_parts)
        signed = BitMap.union(*signed_parts)
        return BitMap.intersection(t001, region, budget, signed).difference_cardinality(t003)

    def raw_per_value() -> int:
        """Without range buckets: a range as the union of one bitmap per distinct value."""
        region = sh | hz
        budget = BitMap.union(*budget_values)
        signed = BitMap.union(*signed_values)
        return BitMap.intersection(t001, region, budget, signed).difference_cardinality(t003)

    leaves = [t001, sh | hz, BitMap.union(*budget_parts), BitMap.union(*signed_parts)]

    def floor() -> int:
        """Only the combination, every leaf (ranges included) computed beforehand."""
        return BitMap.intersection(*leaves).difference_cardinality(t003)

    def ours() -> int:
        return count(EXPRESSION, index, TENANT, now_ms=now)

    want = raw()
    assert ours() == want == raw_per_value() == floor(), (ours(), want)
    sets = [set(leaf) for leaf in leaves]
    s003, s_sh, s_hz = set(t003), set(sh), set(hz)
    budget_sets = [set(b) for b in budget_values]
    signed_sets = [set(b) for b in signed_values]

    def with_sets() -> int:
        return len(((sets[0] & sets[1]) & sets[2] & sets[3]) - s003)

    def with_sets_and_ranges() -> int:
        """Sets as a Python program would hold them: one per value, ranges united per query."""
        budget = set().union(*budget_sets)
        signed = set().union(*signed_sets)
        return len((sets[0] & (s_sh | s_hz) & budget & signed) - s003)

    assert with_sets() == want == with_sets_and_ranges()
    fast = medians_ms({"raw": raw, "ours": ours, "floor": floor}, 40)
    raw_ms, ours_ms, floor_ms = fast["raw"], fast["ours"], fast["floor"]
    per_value_ms = median_ms(raw_per_value, 10)
    sets_ms = median_ms(with_sets, 3)
    sets_ranges_ms = median_ms(with_sets_and_ranges, 3)
    print(f"count = {want:,} customers")
    print(f"  evaluator (segments.evaluate.count):    {ours_ms:8.2f} ms  ({ours_ms / raw_ms:.2f}× raw)")
    print(f"  raw pyroaring, same bitmaps and calls:  {raw_ms:8.2f} ms")
    print(f"  raw, ranges as one bitmap per value:    {per_value_ms:8.2f} ms")
    print(f"  raw, combination only (leaves ready):   {floor_ms:8.2f} ms")
    print(
        f"  Python sets, leaves ready (ranges too): {sets_ms:8.2f} ms  ({sets_ms / ours_ms:.0f}× the evaluator)"
    )
    print(
        f"  Python sets, ranges united per query:   {sets_ranges_ms:8.2f} ms  "
        f"({sets_ranges_ms / ours_ms:.0f}× the evaluator)"
    )
    print_memory(index, built, n)
    return index


def print_memory(index: RoaringIndex, built: Built, n: int) -> None:
    t = index._tenants[TENANT]
    per_m = n / 1e6
    containers = bitmap_bytes(index_bitmaps(index)) / 1e6
    times = [x.assigned for x in t.tags.values()]
    times_payload = (
        bitmap_bytes(b for a in times for b in a.bitmaps()) + sum(a.array_bytes() for a in times)
    ) / 1e6
    maps_payload = (t.ids.nbytes() + t.versions.nbytes()) / 1e6
    total = built.bitmaps_mb + built.maps_mb + built.times_mb
    print(
        f"memory per million customers ({built.assignments:,} assignments, heap in use; payload in brackets):"
    )
    print(
        f"  bitmaps (has, values, sources, ranges):   {built.bitmaps_mb / per_m:6.1f} MB  [{containers / per_m:.1f}]"
    )
    print(
        f"  number↔id maps + versions (IdMap):        {built.maps_mb / per_m:6.1f} MB  [{maps_payload / per_m:.1f}]"
    )
    print(
        f"  assignment times (AssignedTimes):         {built.times_mb / per_m:6.1f} MB  [{times_payload / per_m:.1f}]"
        f"  = {built.times_mb * 1e6 / built.assignments:.1f} bytes per assignment, "
        f"{sum(a.leaves() for a in times):,} leaves"
    )
    print(
        f"  the whole index:                          {total / per_m:6.1f} MB  ({total / 1e3:.2f} GB for {n:,})"
    )


def section_before_after(n: int, baseline: int) -> None:
    """The earlier forms measured in the same run: dict maps at `n`, bit slices at `baseline`."""
    print("== before/after: the earlier forms of the maps and the times, measured in this run")
    # RSS, not heap: Python's small objects (the id strings, the ints) live in arenas that pymalloc
    # maps itself, which glibc's counters do not see. Nothing is freed while the dicts are built.
    base, started = rss_mb(), time.perf_counter()
    maps = dict_maps(n)
    dicts_mb, dicts_s = rss_mb() - base, time.perf_counter() - started
    del maps
    print(
        f"number↔id maps + versions as Python dicts: RSS +{dicts_mb / (n / 1e6):.1f} MB per million customers "
        f"(built in {dicts_s:.1f} s for {n:,})"
    )
    members_of = {tag: members for _, tag, members in tag_members(baseline)}
    times_of = {tag: assigned_times(members, seed) for seed, tag, members in tag_members(baseline)}
    assignments = sum(len(m) for m in members_of.values())
    base, started = heap_mb(), time.perf_counter()
    sliced = {tag: bit_sliced(m, times_of[tag]) for tag, m in members_of.items()}
    sliced_mb, sliced_s = heap_mb() - base, time.perf_counter() - started
    base, started = heap_mb(), time.perf_counter()
    lean: dict[str, AssignedTimes] = {}
    for tag, m in members_of.items():
        lean[tag] = AssignedTimes()
        lean[tag].load(m, times_of[tag])
        lean[tag].run_optimize()
    lean_mb, lean_s = heap_mb() - base, time.perf_counter() - started
    per_m = baseline / 1e6
    print(
        f"assignment times over {baseline:,} customers ({assignments:,} assignments, same densities as above):\n"
        f"  42 bit slices (BitSliced):  {sliced_mb / per_m:7.1f} MB per million customers, "
        f"{sliced_mb * 1e6 / assignments:5.1f} bytes per assignment (built in {sliced_s:.1f} s)\n"
        f"  AssignedTimes:              {lean_mb / per_m:7.1f} MB per million customers, "
        f"{lean_mb * 1e6 / assignments:5.1f} bytes per assignment (built in {lean_s:.1f} s; "
        f"{sliced_mb / lean_mb:.1f}× less)"
    )
    since = TIMES_END_MS - 30 * 86_400_000
    for tag in ("t001", "t020", "t150"):
        want = sliced[tag].between(since, None)
        assert lean[tag].between(since, None) == want
        old, new = sliced[tag], lean[tag]
        fast = medians_ms(
            {"sliced": partial(old.between, since, None), "lean": partial(new.between, since, None)}, 20
        )
        print(
            f"  {tag} assigned in the last 30 days ({len(want):,} of {len(members_of[tag]):,}): "
            f"bit slices {fast['sliced']:.2f} ms, AssignedTimes {fast['lean']:.2f} ms"
        )


async def section_rebuild(assignments: int) -> None:
    per_customer = 10
    customers = assignments // per_customer
    print(
        f"== start-up rebuild: {assignments:,} assignments ({customers:,} customers × {per_customer}) from nx-27017"
    )
    at = datetime(2026, 6, 1, tzinfo=UTC)
    with bench_servers() as servers:
        client = open_client(servers.mongodb_uri)
        db = client[f"benchseg{os.getpid()}"]
        try:
            started = time.perf_counter()
            batch: list[dict[str, Any]] = []
            for c in range(customers):
                cid = f"cus_{c:026d}"
                tags = {}
                for j in range(per_customer):
                    key = f"t{(c * 7 + j * 13) % TAGS + 1:03d}"
                    a = Assignment(
                        customer_id=cid,
                        tag_key=key,
                        value=str((c * 31 + j) % 500 * 1000),
                        source="rule",
                        confidence=1.0,
                        evidence=Evidence(),
                        actor="bench",
                        assigned_at=at + timedelta(seconds=c),
                    )
                    tags[key] = asdict(a)
                batch.append(
                    {
                        "_id": f"{TENANT}/{cid}",
                        "tenant_id": TENANT,
                        "customer_id": cid,
                        "version": 1,
                        "n": c + 1,
                        "tags": tags,
                    }
                )
                if len(batch) == 1000:
                    await db[CUSTOMERS].insert_many(batch)
                    batch = []
            if batch:
                await db[CUSTOMERS].insert_many(batch)
            print(f"inserted in {time.perf_counter() - started:.1f} s")
            keeper = IndexKeeper(
                RoaringIndex(), tags=TagStore(db), segments=SegmentStore(db), js=cast(Any, None), root="bench"
            )
            before = rss_mb()
            await keeper.rebuild()
            total = sum(len(b) for b in (keeper.index.has(TENANT, f"t{i:03d}") for i in range(1, TAGS + 1)))
            assert total == assignments, total
            print(
                f"rebuild: {keeper.rebuild_seconds:.1f} s for {assignments:,} assignments "
                f"({keeper.rebuild_seconds / (assignments / 1e6):.1f} s per million; {assignments / keeper.rebuild_seconds:,.0f}/s); "
                f"RSS +{rss_mb() - before:.0f} MB"
            )
            # Baseline in the same run: the same documents read without indexing them.
            started = time.perf_counter()
            read = 0
            async for docs in SegmentStore(db).customer_documents(2000):
                read += len(docs)
            reading = time.perf_counter() - started
            print(f"  of which reading {read:,} documents from the stand-in alone takes {reading:.1f} s")
        finally:
            await client.drop_database(db.name)
            await client.close()


SERVICE_EXPRESSION = (
    't001 AND region IN ("上海", "杭州") AND budget >= 100000 AND NOT t003 AND signed >= 2025-07-01'
)


async def section_service(n: int, rate: float, seconds: float) -> None:
    """The counts section on the service's own index (built once), then gRPC and freshness."""
    from crm.tags.v1 import segments_pb2, segments_pb2_grpc, tags_pb2, tags_pb2_grpc

    from common.context import CallContext
    from common.grpc_client import open_channel
    from common.roles import PLATFORM
    from services.tags.app import DEFINITION as TAGS_SERVICE

    with bench_servers() as servers:
        async with service_beside_leads(servers, TAGS_SERVICE) as svc:
            parts = svc.running.parts
            assert parts is not None
            keeper = next(p for p in parts.background if isinstance(p, IndexKeeper))
            await keeper.rebuilt.wait()
            settings = svc.running.runtime.settings
            caller = CallContext(tenant=TENANT, caller="bench", roles=frozenset({PLATFORM, "admin"}))
            md = caller.outgoing_metadata(settings.internal_token)
            async with open_channel(f"127.0.0.1:{svc.running.port}") as channel:
                tags = tags_pb2_grpc.TagsServiceStub(channel)
                segs = segments_pb2_grpc.SegmentsServiceStub(channel)
                T = tags_pb2
                kinds = {
                    "t001": (T.TAG_VALUE_TYPE_FLAG, ()),
                    "t003": (T.TAG_VALUE_TYPE_FLAG, ()),
                    "fresh": (T.TAG_VALUE_TYPE_FLAG, ()),
                    "region": (T.TAG_VALUE_TYPE_ENUM, tuple(REGIONS)),
                    "budget": (T.TAG_VALUE_TYPE_NUMBER, ()),
                    "signed": (T.TAG_VALUE_TYPE_DATE, ()),
                }
                for key, (kind, allowed) in kinds.items():
                    definition = T.TagDefinition(
                        key=key,
                        display_name=key,
                        category=T.TAG_CATEGORY_BASIC,
                        value_type=kind,
                        allowed_values=list(allowed),
                    )
                    await tags.DefineTag(T.DefineTagRequest(definition=definition), metadata=md)
                # The synthetic tenant, in the service's own index; in a thread, so that the service's
                # event loop keeps its NATS and MongoDB connections alive meanwhile (minutes at 10 M).
                await asyncio.to_thread(section_counts, n, keeper.index)
                print("== through the service: gRPC PreviewSegment (parse included) and freshness")
                await SegmentStore(svc.running.runtime.db).take_numbers(
                    TENANT, n
                )  # real customers after them
                request = segments_pb2.PreviewSegmentRequest(expression=SERVICE_EXPRESSION, sample_size=10)
                in_process = count(EXPRESSION, keeper.index, TENANT, now_ms=int(time.time() * 1000))
                reply = await segs.PreviewSegment(request, metadata=md)
                assert reply.count == in_process, (reply.count, in_process)
                await asyncio.sleep(5.0)  # the service's connections settle after the build's long GIL hold
                for _ in range(20):
                    await segs.PreviewSegment(request, metadata=md)  # warm-up, not measured
                latencies = []
                for _ in range(200):
                    started = time.perf_counter()
                    await segs.PreviewSegment(request, metadata=md)
                    latencies.append((time.perf_counter() - started) * 1000)
                local = medians_ms({"count": lambda: count(EXPRESSION, keeper.index, TENANT, now_ms=0)}, 50)
                print(
                    f"PreviewSegment over {n:,} customers (count {reply.count:,}, sample 10): "
                    f"p50 {percentile(latencies, 50):.2f} ms, p99 {percentile(latencies, 99):.2f} ms; "
                    f"in-process evaluate.count in the same run: {local['count']:.2f} ms"
                )
                await freshness(svc, settings.subject_root, tags, segs, segments_pb2, md, rate, seconds)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


async def freshness(
    svc: Any, root: str, tags: Any, segs: Any, segments_pb2: Any, md: Any, rate: float, seconds: float
) -> None:
    """Assignments of a flag at `rate`/s to customers outside the saved segment `fresh`: time from
    AssignTags returning to the `segment_entered` event (NATS) and to the segment's count."""
    import nats
    from crm.tags.v1 import tags_pb2 as T

    segment = await segs.CreateSegment(
        segments_pb2.CreateSegmentRequest(name="fresh", expression="fresh"), metadata=md
    )
    total = int(rate * seconds)
    customers: list[str] = []
    while len(customers) < total:  # leads creates them; 50 at a time
        customers += await asyncio.gather(
            *(svc.create_customer() for _ in range(min(50, total - len(customers))))
        )
    returned: dict[str, float] = {}
    entered: dict[str, float] = {}
    nc = await nats.connect(os.environ.get("NATS_URL") or svc.running.runtime.settings.nats_url)

    async def on_event(msg: Any) -> None:
        data = json.loads(msg.data).get("data", {})
        if data.get("segment_id") == segment.id:
            entered.setdefault(data["customer_id"], time.perf_counter())

    sub = await nc.subscribe(f"{root}.evt.{TENANT}.tags.segment_entered", cb=on_event)
    in_flight = asyncio.Semaphore(200)
    failed: list[str] = []

    async def assign(customer: str) -> None:
        async with in_flight:
            request = T.AssignTagsRequest(
                customer_id=customer, tags=[T.TagAssignmentInput(tag_key="fresh", value="")]
            )
            try:
                await tags.AssignTags(request, metadata=md)
            except grpc.aio.AioRpcError as err:  # an overloaded box: counted and reported, not fatal
                failed.append(err.code().name)
                return
            returned[customer] = time.perf_counter()

    started = time.perf_counter()
    tasks = []
    for i, customer in enumerate(customers):
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(assign(customer)))
    await asyncio.gather(*tasks)
    achieved = len(returned) / (time.perf_counter() - started)
    count_seen = (await segs.GetSegment(segments_pb2.GetSegmentRequest(id=segment.id), metadata=md)).count
    for _ in range(100):
        if len(entered) >= total:
            break
        await asyncio.sleep(0.1)
    await sub.unsubscribe()
    await nc.close()
    lags = [max(0.0, entered[c] - returned[c]) * 1000 for c in customers if c in entered and c in returned]
    early = sum(1 for c in customers if c in entered and c in returned and entered[c] <= returned[c])
    if failed:
        print(f"freshness: {len(failed)} of {total} AssignTags failed ({', '.join(sorted(set(failed)))})")
    print(
        f"freshness: {total:,} assignments at {achieved:,.0f}/s (asked {rate:,.0f}/s); count after the last "
        f"returned: {count_seen:,} of {total:,} (own writes are in the index before AssignTags returns); "
        f"segment_entered after AssignTags returned: p50 {percentile(lags, 50):.0f} ms, "
        f"p99 {percentile(lags, 99):.0f} ms, {len(lags)}/{total} events within 10 s ({early} before the reply)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--rebuild", type=int, default=1_000_000)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument(
        "--baseline-customers", type=int, default=1_000_000, help="customers for the bit-slice baseline"
    )
    parser.add_argument("--skip-service", action="store_true", help="counts in this process only, no gRPC")
    parser.add_argument("--rate", type=float, default=1000.0, help="assignments per second for freshness")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long the freshness load runs")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.skip_service:
        section_counts(args.customers)
    else:
        asyncio.run(section_service(args.customers, args.rate, args.seconds))
    gc.collect()
    section_before_after(args.customers, min(args.customers, args.baseline_customers))
    if not args.skip_rebuild:
        asyncio.run(section_rebuild(args.rebuild))
    print(f"== the whole run took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
