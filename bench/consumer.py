"""Benchmark: what the guarded, idempotent consume loop costs against a bare pull consumer.

Starts the real nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set), publishes N small
ingest CloudEvents once, then consumes the same stream with three durables in one run:
  bare      fetch + ack, nothing else (the ceiling; DESIGN §8 measured ≈ 20k msg/s)
  runner    common.consumers.ConsumerRunner with a no-op handler: decode, tenant check, one `find $in`
            and one `insert_many` into consumed_events per batch, acks
  replay    the runner's durable deleted and re-created: every event is found already applied

    python bench/consumer.py [--messages 20000] [--batch 256]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers
from common import bus, cloudevents
from common.consumers import ConsumerRunner
from common.mongo import open_client


async def bare(js: Any, root: str, total: int, batch: int) -> float:
    sub = await js.pull_subscribe(f"{root}.in.>", durable="bare", stream=bus.stream_name(root, "in"))
    start, seen = time.perf_counter(), 0
    while seen < total:
        try:
            msgs = await sub.fetch(batch, timeout=1)
        except (NatsTimeout, TimeoutError):
            continue
        for msg in msgs:
            await msg.ack()
        seen += len(msgs)
    elapsed = time.perf_counter() - start
    await sub.unsubscribe()
    return elapsed


async def through_runner(js: Any, db: Any, root: str, total: int, batch: int, *, expect_calls: int) -> float:
    calls = 0
    stream = bus.stream_name(root, "in")

    async def handler(tenant: str, event: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1

    runner = ConsumerRunner(js, root=root, service="bench", db=db)
    start = time.perf_counter()
    await runner.start(
        bus.Consumer(durable="runner", stream_kind="in", filter_subject="in.>", handler=handler, batch=batch)
    )
    while True:
        info = await js.consumer_info(stream, "runner")
        if info.ack_floor.stream_seq >= total:
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    await runner.stop()
    assert calls == expect_calls, (calls, expect_calls)
    return elapsed


async def main(opts: argparse.Namespace) -> None:
    with bench_servers() as servers:
        root = f"bench{uuid.uuid4().hex[:6]}"
        nc = await nats.connect(servers.nats_url)
        client = open_client(servers.mongodb_uri)
        try:
            js = nc.jetstream()
            await bus.ensure_streams(js, root=root)
            subject = f"{root}.in.acme.signals"
            for i in range(0, opts.messages, 500):
                await asyncio.gather(
                    *(
                        js.publish(
                            subject,
                            cloudevents.encode(
                                cloudevents.make_event(
                                    type="bench",
                                    source="bench",
                                    tenant="acme",
                                    data={"n": n, "type": "content_read"},
                                )
                            ),
                        )
                        for n in range(i, min(i + 500, opts.messages))
                    )
                )
            n = opts.messages
            db = client[f"{root}_bench"]
            t_bare = await bare(js, root, n, opts.batch)
            t_runner = await through_runner(js, db, root, n, opts.batch, expect_calls=n)
            await js.delete_consumer(bus.stream_name(root, "in"), "runner")
            t_replay = await through_runner(js, db, root, n, opts.batch, expect_calls=0)
            print(f"{n} messages, fetch batch {opts.batch}")
            print(f"  bare fetch+ack (baseline)         {n / t_bare:8.0f} msg/s")
            print(
                f"  ConsumerRunner, new events         {n / t_runner:8.0f} msg/s  ({t_bare / t_runner:.2f}x baseline)"
            )
            print(
                f"  ConsumerRunner, replay (all seen)  {n / t_replay:8.0f} msg/s  ({t_bare / t_replay:.2f}x baseline)"
            )
            for kind in ("evt", "in", "dlq"):
                await js.delete_stream(bus.stream_name(root, kind))
            await client.drop_database(f"{root}_bench")
        finally:
            await nc.close()
            await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=256)
    asyncio.run(main(parser.parse_args()))
