"""Freshness of a saved segment on the writing replica AND on a second replica, and the write ceiling.

Two tags replicas on the same database (W takes the writes, R learns them from the event stream, as
any other replica does: docs/segment-index.md), leads beside them. Assignments of the flag `fresh` to
customers outside the saved segment `fresh` are offered at `--rate`/s through single-customer
`AssignTags` on W (the API has no multi-customer assignment). Printed, all from the same run:
- offered and achieved rate;
- W: the segment's count (GetSegment on W) reaching k vs the k-th AssignTags returning, and the
  `segment_entered` event (judged in W's write, published by W's outbox) vs its AssignTags returning;
- R: the segment's count (GetSegment on R) reaching k vs the k-th return (R judges no membership and
  publishes nothing: the event exists once, from the writer);
- where a write's time goes: MongoDB commands per AssignTags (a pymongo command listener, so this is
  counted, not guessed) and one sequential AssignTags next to one stand-in round trip;
- the stand-in's own ceiling: `insert_many` of customer-sized documents into the same server.
Both replicas share this one process (and the box's 2 cores), so R's lag includes W's load.
Run: `.venv/bin/python bench/segment_freshness.py --rate 1000 --seconds 3`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from dataclasses import replace
from typing import Any

import grpc
import nats
from crm.tags.v1 import segments_pb2 as S
from crm.tags.v1 import segments_pb2_grpc, tags_pb2_grpc
from crm.tags.v1 import tags_pb2 as T
from pymongo import monitoring

from bench.servers import bench_servers
from common.context import CallContext
from common.grpc_client import open_channel
from common.roles import PLATFORM
from common.service import RunningService, start_service
from services.leads.app import DEFINITION as LEADS
from services.tags.app import DEFINITION as TAGS
from services.tags.segments.keeper import IndexKeeper

TENANT = "bench"


class Commands(monitoring.CommandListener):
    """Counts MongoDB commands by name while `on` is set (every client of this process)."""

    def __init__(self) -> None:
        self.on = False
        self.counts: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.on:
            self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def keeper_of(running: RunningService) -> IndexKeeper:
    assert running.parts is not None
    return next(p for p in running.parts.background if isinstance(p, IndexKeeper))


async def watch_count(
    stub: Any, request: Any, md: Any, total: int, seen: list[float], stop: asyncio.Event
) -> None:
    """Poll GetSegment; `seen[k-1]` is when the count first reached k."""
    while not stop.is_set() and len(seen) < total:
        count = (await stub.GetSegment(request, metadata=md)).count
        now = time.perf_counter()
        while len(seen) < min(count, total):
            seen.append(now)
        await asyncio.sleep(0.005)


async def baseline_insert_many(db: Any, docs: int) -> float:
    """Documents per second of `insert_many` (1,000 per call) into the same stand-in, this run."""
    coll = db["bench_baseline"]
    body = {"tenant_id": TENANT, "tags": {"fresh": {"value": "", "source": "manual"}}, "version": 1}
    started = time.perf_counter()
    for start in range(0, docs, 1000):
        await coll.insert_many([{"_id": f"b{i}", **body} for i in range(start, min(docs, start + 1000))])
    rate = docs / (time.perf_counter() - started)
    await coll.drop()
    return rate


async def round_trip_ms(db: Any, repeat: int = 200) -> float:
    coll = db["bench_rtt"]
    await coll.insert_one({"_id": "x", "tenant_id": TENANT, "v": 0})
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await coll.find_one({"_id": "x"})
        samples.append((time.perf_counter() - started) * 1000)
    await coll.drop()
    return pct(samples, 50)


async def run(rate: float, seconds: float, sequential: int, in_flight: int) -> None:
    commands = Commands()
    monitoring.register(commands)
    with bench_servers() as servers:
        leads = await start_service(LEADS, servers.settings("leads"))
        settings = replace(servers.settings("tags"), peers={"leads": f"127.0.0.1:{leads.port}"})
        writer = await start_service(TAGS, settings)
        reader = await start_service(TAGS, settings)  # a second replica: same database, same stream
        try:
            await asyncio.gather(keeper_of(writer).rebuilt.wait(), keeper_of(reader).rebuilt.wait())
            await measure(servers, leads, writer, reader, commands, rate, seconds, sequential, in_flight)
        finally:
            for running in (writer, leads):
                client: Any = running.runtime.db.client
                await client.drop_database(running.runtime.settings.database_name)
            for running in (reader, writer, leads):
                await running.stop()


async def measure(
    servers: Any,
    leads: RunningService,
    writer: RunningService,
    reader: RunningService,
    commands: Commands,
    rate: float,
    seconds: float,
    sequential: int,
    in_flight: int,
) -> None:
    from crm.leads.v1 import leads_pb2, leads_pb2_grpc

    token = writer.runtime.settings.internal_token
    md = CallContext(tenant=TENANT, caller="bench", roles=frozenset({PLATFORM, "admin"})).outgoing_metadata(
        token
    )
    async with (
        open_channel(f"127.0.0.1:{writer.port}") as wch,
        open_channel(f"127.0.0.1:{reader.port}") as rch,
        open_channel(f"127.0.0.1:{leads.port}") as lch,
    ):
        tags = tags_pb2_grpc.TagsServiceStub(wch)
        on_writer, on_reader = (
            segments_pb2_grpc.SegmentsServiceStub(wch),
            segments_pb2_grpc.SegmentsServiceStub(rch),
        )
        people = leads_pb2_grpc.LeadsServiceStub(lch)

        async def customer() -> str:
            request = leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name="Bench"))
            return str((await people.CreateCustomer(request, metadata=md)).id)

        async def customers(n: int) -> list[str]:
            made: list[str] = []
            while len(made) < n:
                made += await asyncio.gather(*(customer() for _ in range(min(50, n - len(made)))))
            return made

        for key in ("fresh", "warmup"):
            definition = T.TagDefinition(
                key=key, display_name=key, category=T.TAG_CATEGORY_BASIC, value_type=T.TAG_VALUE_TYPE_FLAG
            )
            await tags.DefineTag(T.DefineTagRequest(definition=definition), metadata=md)
        segment = await on_writer.CreateSegment(
            S.CreateSegmentRequest(name="fresh", expression="fresh"), metadata=md
        )

        # Where the time of one write goes: sequential AssignTags, commands counted.
        warm = await customers(sequential)
        one = T.TagAssignmentInput(tag_key="warmup", value="")
        latencies = []
        commands.counts.clear()
        commands.on = True
        for c in warm:
            started = time.perf_counter()
            await tags.AssignTags(T.AssignTagsRequest(customer_id=c, tags=[one]), metadata=md)
            latencies.append((time.perf_counter() - started) * 1000)
        commands.on = False
        per_write = {name: n / sequential for name, n in commands.counts.most_common() if n >= sequential / 2}
        rtt = await round_trip_ms(writer.runtime.db)
        print(
            f"one AssignTags at a time: p50 {pct(latencies, 50):.1f} ms ({1000 / pct(latencies, 50):.0f}/s); "
            f"one stand-in find_one by _id: {rtt:.2f} ms; MongoDB commands per AssignTags (all replicas "
            f"and background loops, {sum(commands.counts.values()) / sequential:.1f} in all): "
            + ", ".join(f"{k} {v:.1f}" for k, v in per_write.items())
        )

        total = int(rate * seconds)
        targets = await customers(total)
        returned: dict[str, float] = {}
        entered: dict[str, float] = {}
        nc = await nats.connect(servers.nats_url)

        async def on_event(msg: Any) -> None:
            data = json.loads(msg.data).get("data", {})
            if data.get("segment_id") == segment.id:
                entered.setdefault(data["customer_id"], time.perf_counter())

        root = writer.runtime.settings.subject_root
        sub = await nc.subscribe(f"{root}.evt.{TENANT}.tags.segment_entered", cb=on_event)
        get = S.GetSegmentRequest(id=segment.id)
        seen_w: list[float] = []
        seen_r: list[float] = []
        stop = asyncio.Event()
        watchers = [
            asyncio.create_task(watch_count(on_writer, get, md, total, seen_w, stop)),
            asyncio.create_task(watch_count(on_reader, get, md, total, seen_r, stop)),
        ]
        limit = asyncio.Semaphore(in_flight)
        item = T.TagAssignmentInput(tag_key="fresh", value="")
        failed: Counter[str] = Counter()

        async def assign(c: str) -> None:
            async with limit:
                try:
                    await tags.AssignTags(T.AssignTagsRequest(customer_id=c, tags=[item]), metadata=md)
                except grpc.aio.AioRpcError as err:  # a client would see this: count it, go on
                    failed[f"{err.code().name}: {err.details()}"] += 1
                    return
                returned[c] = time.perf_counter()

        started = time.perf_counter()
        tasks = []
        for i, c in enumerate(targets):
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(assign(c)))
        await asyncio.gather(*tasks)
        achieved = len(returned) / (time.perf_counter() - started)
        landed = len(returned)
        for _ in range(600):  # up to 30 s for the replica and the events to catch up
            if len(seen_r) >= landed and len(entered) >= landed:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*watchers)
        await sub.unsubscribe()
        await nc.close()

        order = sorted(returned.values())
        lag_w = [max(0.0, seen - back) * 1000 for seen, back in zip(seen_w, order, strict=False)]
        lag_r = [max(0.0, seen - back) * 1000 for seen, back in zip(seen_r, order, strict=False)]
        lag_e = [max(0.0, entered[c] - returned[c]) * 1000 for c in targets if c in entered and c in returned]
        early = sum(1 for c in targets if c in entered and c in returned and entered[c] <= returned[c])
        print(
            f"offered {rate:,.0f} assignments/s for {seconds:g} s ({total:,}, at most {in_flight} in flight); "
            f"achieved {achieved:,.0f}/s; failed {sum(failed.values())}"
            + "".join(f"\n  {n} × {why}" for why, n in failed.most_common(3))
        )
        print(
            f"writer W, count reaches k after the k-th reply: p50 {pct(lag_w, 50):.0f} ms, p99 "
            f"{pct(lag_w, 99):.0f} ms ({len(seen_w)}/{landed} seen; polled every ~5 ms + one GetSegment)"
        )
        print(
            f"writer W, segment_entered after its reply: p50 {pct(lag_e, 50):.0f} ms, p99 {pct(lag_e, 99):.0f} ms "
            f"({len(lag_e)}/{landed} events, {early} before the reply)"
        )
        print(
            f"replica R, count reaches k after the k-th reply: p50 {pct(lag_r, 50):.0f} ms, p99 "
            f"{pct(lag_r, 99):.0f} ms ({len(seen_r)}/{landed} seen within 30 s)"
        )
        baseline = await baseline_insert_many(writer.runtime.db, 20_000)
        print(
            f"baseline, same stand-in, same run: insert_many (1,000 per call) {baseline:,.0f} docs/s — "
            f"the ceiling of any write path that stores one document per customer"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=1000.0, help="offered AssignTags per second")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long the load is offered")
    parser.add_argument("--sequential", type=int, default=100, help="one-at-a-time writes for the breakdown")
    parser.add_argument("--in-flight", type=int, default=64, help="most AssignTags awaiting a reply at once")
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.seconds, args.sequential, args.in_flight))


if __name__ == "__main__":
    main()
