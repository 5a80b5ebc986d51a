"""Benchmark: many task reminders due within a window — how late `journey.task_due` reaches a subscriber.

    python bench/task_reminders.py [--tasks 10000] [--window 60] [--concurrency 16]

Starts nats-server and nx-27017 (unless NATS_URL / MONGODB_URI are set), leads, and two replicas of
the journey service (one database, one NATS). Creates `--tasks` tasks through CreateTask, due spread
evenly over `--window` seconds. Creating 10,000 takes minutes, longer than the window, so the due
times are set after creation: a pilot of 2 % (tasks due tomorrow, not counted) measures the creation
rate, and the window starts when the creation will have finished with a 30 % margin (tasks created
after their due time anyway are counted and reported). A subscriber on core NATS listens to
`<root>.evt.bench.journey.task_due` as the gateway's subscription does. Lateness = event arrival −
the task's due time; the handler's share (`reminded_at` − due) is printed beside it, and duplicates
and missing reminders are counted (the count must be exactly `--tasks`, none twice). Halfway through
the window replica two is stopped and a new process started in its place (`--no-restart` skips it),
so the count also covers a restart. Printed beside the lateness: CPU seconds of this process (the
bench, leads and both replicas share it), of nx-27017 and of nats-server over the window and while
idle, the load average, and the MongoDB commands (and write statements) per reminder.

The figure before reminders became a batch kind is this bench run on main's code of the time (the
per-timer handler); docs/scheduler.md keeps both.

Baseline, in the same run, on the same servers, right after the tasks' window: the bare scheduler
(`common.scheduler`, as bench/scheduler.py measures it, with the same settings) firing the same
number of timers due over a window of the same length, with a handler that only records its start.
The difference is what the task path adds: reading the task, the guarded write with its outbox
event, the publish and the NATS delivery. (Run at the same time as the tasks, as the first version
of this bench did, the two share the stand-in's write capacity and each measures the other's load.)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from nats.aio.msg import Msg
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/<name>.py`

from bench.servers import bench_servers, service_beside_leads
from common.grpc_client import open_channel
from common.scheduler import Scheduler, Timer
from common.service import start_service
from common.timeutil import to_timestamp
from services.journey.app import DEFINITION

KIND = "bench.remind"
PILOT_SHARE = 0.02
MARGIN = 1.3


class Commands(monitoring.CommandListener):
    """Every MongoDB command of this process (both replicas, leads, the bench), by name, with the
    statements a write carries (a bulk write of 50 updates is one `update` command, 50 statements)."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.statements: collections.Counter[str] = collections.Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.counts[event.command_name] += 1
        for field in ("updates", "deletes", "documents"):
            if field in event.command:
                self.statements[event.command_name] += len(event.command[field])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def snapshot(self) -> tuple[collections.Counter[str], collections.Counter[str]]:
        return collections.Counter(self.counts), collections.Counter(self.statements)

    def since(self, before: tuple[collections.Counter[str], collections.Counter[str]], per: int) -> str:
        counts, statements = self.counts - before[0], self.statements - before[1]
        parts = [
            f"{name} {n / per:.2f}"
            + (f" ({statements[name] / per:.2f} statements)" if statements[name] else "")
            for name, n in counts.most_common()
        ]
        return "  MongoDB commands per reminder: " + ", ".join(parts)


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def line(name: str, late_ms: list[float]) -> str:
    if not late_ms:
        return f"  {name:<34} (none)"
    return (
        f"  {name:<34} p50 {pct(late_ms, 50):7.1f} ms  p90 {pct(late_ms, 90):7.1f} ms  "
        f"p99 {pct(late_ms, 99):7.1f} ms  max {max(late_ms):7.1f} ms  within 1 s: "
        f"{sum(v <= 1000 for v in late_ms)}/{len(late_ms)}"
    )


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def until(done: Callable[[], bool], *, within: float) -> None:
    """Return when `done()` holds or `within` seconds have passed (the report counts what is missing)."""
    deadline = time.time() + within
    while not done() and time.time() < deadline:  # noqa: ASYNC110 - polling a counter, not an event
        await asyncio.sleep(0.1)


async def bounded(count: int, concurrency: int, one: Any) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def run(i: int) -> None:
        async with gate:
            await one(i)

    await asyncio.gather(*(run(i) for i in range(count)))


async def baseline(db: Any, dues: list[float], concurrency: int) -> tuple[list[float], dict[str, Any]]:
    """The bare scheduler on the same database: timers due at `dues`, handler start − due (ms)."""
    late: list[float] = []
    scheduler = Scheduler(db, service="bench-baseline", concurrency=concurrency)

    async def tick(tenant: str, key: str, payload: dict[str, Any]) -> None:
        late.append((time.time() - payload["due"]) * 1000)

    scheduler.register(KIND, tick)
    timers = [
        Timer(
            tenant="bench",
            kind=KIND,
            key=f"t{i}",
            due_at=datetime.fromtimestamp(due, UTC),
            payload={"due": due},
        )
        for i, due in enumerate(dues)
    ]
    for first in range(0, len(timers), 1000):
        await scheduler.schedule_many(timers[first : first + 1000])
    scheduler.start()
    try:
        await until(lambda: len(late) >= len(dues), within=max(dues) - time.time() + 120)
    finally:
        await scheduler.stop()
    return late, scheduler.settings()


async def main(opts: argparse.Namespace) -> None:
    commands = Commands()
    monitoring.register(commands)  # every client created from here on: the services' own included
    with bench_servers() as servers:
        async with service_beside_leads(servers, DEFINITION) as svc:
            settings = svc.running.runtime.settings
            second = await start_service(DEFINITION, replace(settings, grpc_port=0))
            nc = await nats.connect(servers.nats_url)
            arrivals: list[tuple[float, dict[str, Any]]] = []

            async def on_message(msg: Msg) -> None:
                arrivals.append((time.time(), json.loads(msg.data)["data"]))

            await nc.subscribe(f"{settings.subject_root}.evt.bench.journey.task_due", cb=on_message)
            await nc.flush()
            try:
                customers = [await svc.create_customer() for _ in range(opts.customers)]
                async with open_channel(f"127.0.0.1:{svc.running.port}") as channel:
                    stub = journey_pb2_grpc.JourneyServiceStub(channel)

                    async def create(task_id: str, i: int, due: float) -> None:
                        request = journey_pb2.CreateTaskRequest(
                            customer_id=customers[i % len(customers)],
                            kind=journey_pb2.TASK_KIND_CALL,
                            due_at=to_timestamp(datetime.fromtimestamp(due, UTC)),
                            task_id=task_id,
                        )
                        await stub.CreateTask(request, metadata=svc.metadata)
                        if time.time() >= due:
                            overrun.append(task_id)

                    overrun: list[str] = []
                    pilot = max(20, int(opts.tasks * PILOT_SHARE))
                    tomorrow = time.time() + 86_400
                    started = time.perf_counter()
                    await bounded(pilot, opts.concurrency, lambda i: create(f"pilot-{i}", i, tomorrow))
                    rate = pilot / (time.perf_counter() - started)
                    window_start = time.time() + MARGIN * opts.tasks / rate + 10
                    dues = [window_start + opts.window * i / opts.tasks for i in range(opts.tasks)]
                    print(
                        f"pilot: {pilot} tasks at {rate:.0f}/s; the window opens in "
                        f"{window_start - time.time():.0f} s and lasts {opts.window:.0f} s",
                        flush=True,
                    )

                    async def create_all() -> float:
                        began = time.perf_counter()
                        await bounded(
                            opts.tasks, opts.concurrency, lambda i: create(f"bench-{i}", i, dues[i])
                        )
                        return time.perf_counter() - began

                    created_in = await create_all()
                    print(f"created {opts.tasks} tasks in {created_in:.1f} s", flush=True)
                    idle_cpu, idle_began = process_cpu(), time.time()
                    await asyncio.sleep(max(0.0, dues[0] - time.time()))
                    idle_cpu_line = cpu_line(idle_cpu, process_cpu(), max(0.1, time.time() - idle_began))
                    window_cpu, window_began, window_load = process_cpu(), time.time(), load()
                    window_commands = commands.snapshot()
                    restarted = ""
                    if opts.restart:
                        # Halfway through, replica two stops (finishing or handing back what it claimed)
                        # and a new process takes its place: no reminder may be lost or sent twice.
                        await asyncio.sleep(max(0.0, dues[len(dues) // 2] - time.time()))
                        began = time.perf_counter()
                        await second.stop()
                        stopped_in = time.perf_counter() - began
                        second = await start_service(DEFINITION, replace(settings, grpc_port=0))
                        restarted = (
                            f"replica two restarted halfway through the window (stopped in {stopped_in:.1f} s, "
                            f"up again {time.perf_counter() - began:.1f} s after the stop began)"
                        )
                    await until(lambda: len(arrivals) >= opts.tasks, within=dues[-1] - time.time() + 120)
                    window_cpu_line = cpu_line(window_cpu, process_cpu(), time.time() - window_began)
                    commands_line = commands.since(window_commands, opts.tasks)
                    await asyncio.sleep(3)  # room for duplicates to show
                    received = list(arrivals)
                    service_settings = svc.running.runtime.scheduler.settings()
                    later = time.time() + 10 + len(dues) / 1000  # due after scheduling them (~1k/s)
                    base_cpu = process_cpu()
                    base, scheduler_settings = await baseline(
                        svc.running.runtime.db,
                        [due - dues[0] + later for due in dues],
                        opts.concurrency_baseline,
                    )
                    base_cpu_line = cpu_line(base_cpu, process_cpu(), time.time() - later + 10)
            finally:
                await second.stop()
                await nc.close()

    ids = collections.Counter(data["task_id"] for _, data in received)
    doubled = sum(n - 1 for n in ids.values() if n > 1)
    arrival = [(at - parse_time(d["due_at"])) * 1000 for at, d in received]
    handler = [(parse_time(d["reminded_at"]) - parse_time(d["due_at"])) * 1000 for _, d in received]
    print(
        f"task reminders: {opts.tasks} tasks due within {opts.window:.0f} s "
        f"({opts.tasks / opts.window:.0f}/s), two journey replicas"
    )
    print(
        f"  created {opts.tasks} tasks in {created_in:.1f} s ({opts.concurrency} at a time); "
        f"created after their due time: {len(overrun)}"
    )
    print(f"  scheduler settings (each replica): {service_settings}; baseline: {scheduler_settings}")
    print(f"  task_due events: {len(ids)} distinct, {doubled} duplicate(s), missing {opts.tasks - len(ids)}")
    if restarted:
        print(f"  {restarted}")
    print("lateness (against the due time):")
    print(line(f"baseline: bare scheduler ({len(base)} fired)", base))
    print(base_cpu_line.replace("CPU over", "baseline CPU over"))
    print(line("task handler ran (reminded_at)", handler))
    print(line("task_due arrived on NATS", arrival))
    print(window_cpu_line.replace("CPU over", "tasks' window CPU over"))
    print(idle_cpu_line.replace("CPU over", "idle CPU (tasks created, none due yet) over"))
    print(commands_line)
    print(f"  at the window's start: {window_load}; at the end: {load()}")


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def process_cpu() -> dict[str, float]:
    """CPU seconds used so far by this process (the bench client, leads and both journey replicas: they
    share one event loop) and by each child server it started (nx-27017, nats-server), by name."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    found = {"bench+services": usage.ru_utime + usage.ru_stime}
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == os.getpid():  # fields: state ppid … utime(11) stime(12)
            found[name] = found.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return found


def cpu_line(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    """CPU seconds per process between two `process_cpu()` readings, and the share of one core."""
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    parts = [f"{name} {cpu:.1f} s ({100 * cpu / seconds:.0f} % of a core)" for name, cpu in used.items()]
    return f"  CPU over {seconds:.0f} s: " + ", ".join(parts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the tasks come due")
    parser.add_argument("--concurrency", type=int, default=16, help="CreateTask calls in flight")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument(
        "--no-restart",
        dest="restart",
        action="store_false",
        help="do not restart replica two halfway through the window",
    )
    parser.add_argument(
        "--concurrency-baseline", type=int, default=16, help="the baseline scheduler's handlers"
    )
    asyncio.run(main(parser.parse_args()))
