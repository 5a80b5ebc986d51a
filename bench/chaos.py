"""Chaos bench: steady load on all four services, kill -9 of each service and a NATS restart, then
a reconciliation of what was accepted, stored, published, and seen by a durable partner consumer.

    python bench/chaos.py [--seconds 60] [--rate 10] [--customers 60]

Load, per kind and second (`--rate`): intent signals and journey touchpoints and conversations are
published to the ingest subjects (retried with the same Nats-Msg-Id until JetStream acks them), and
tag assignments are made over gRPC (retried until a call succeeds). During the run each service is
killed with SIGKILL and started again, and nats-server is stopped and started on the same store.
Afterwards it waits for the system to settle and prints, per kind:
  accepted  what the system acknowledged (JetStream publish acks, successful RPCs);
  stored    what the owning service's API reads back;
  events    the domain events the events stream holds for it;
  partner   distinct events a durable partner consumer saw during the run;
  lost      acknowledged but not stored, or stored but never announced;
  doubled   one fact stored or announced more than once.
and how long each service took to report SERVING again after its restart. Aim: 0 lost, 0 doubled,
every service SERVING within 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import nats
from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc
from crm.tags.v1 import tags_pb2, tags_pb2_grpc
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chaos_stack import ChaosStack
from common import bus, cloudevents, nats_auth
from common.config import DEV_INTERNAL_TOKEN, SERVICES
from common.context import CallContext
from common.timeutil import iso_utc, utcnow

TENANT = "chaos"
STREAM_EVT = bus.stream_name("crm", "evt")
STAGE_TAGS = [f"stage.{c}" for c in "abcde"]
TIERS = [f"t{i}" for i in range(10)]
TOUCH_TYPES = ["content_view", "website_visit", "inquiry", "test_drive", "purchase", "referral"]
METADATA = CallContext(tenant=TENANT, caller="bench", roles=frozenset({"admin"})).outgoing_metadata(
    DEV_INTERNAL_TOKEN
)


@dataclass
class Ledger:
    """What the load generator got acknowledged, per kind."""

    signals: set[str] = field(default_factory=set)
    touchpoints: set[str] = field(default_factory=set)
    conversations: set[str] = field(default_factory=set)
    assignments: int = 0
    retries: Counter[str] = field(default_factory=Counter)


async def nats_client(stack: ChaosStack, user: str) -> NATS:
    """A client logged in as `user`: the tenant's partner for load and events, admin for the audit."""

    async def quiet(err: Exception) -> None:  # NATS restarts on purpose here; retries are counted
        pass

    return await nats.connect(
        stack.nats_url,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.2,
        name="chaos-bench",
        error_cb=quiet,
        inbox_prefix=nats_auth.inbox_prefix(user),
        **stack.login(user),
    )


async def publish_until_acked(
    nc: NATS, subject: str, envelope: dict[str, Any], ledger: Ledger, kind: str
) -> None:
    js = nc.jetstream()
    while True:
        try:
            await js.publish(
                subject, cloudevents.encode(envelope), headers={"Nats-Msg-Id": envelope["id"]}, timeout=2
            )
            return
        except Exception:
            ledger.retries[kind] += 1
            await asyncio.sleep(0.2)


def ingest_event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return cloudevents.make_event(type=f"com.example.{kind}", source="bench/chaos", tenant=TENANT, data=data)


async def paced(
    rate: float, seconds: float, op: Callable[[int], Awaitable[None]], *, inflight: int = 8
) -> None:
    """Start op(i) at `rate` per second for `seconds`, at most `inflight` at once."""
    gate = asyncio.Semaphore(inflight)
    started = time.monotonic()
    tasks: list[asyncio.Task[None]] = []

    async def run(i: int) -> None:
        try:
            await op(i)
        finally:
            gate.release()

    i = 0
    while time.monotonic() - started < seconds:
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        await gate.acquire()
        tasks.append(asyncio.create_task(run(i)))
        i += 1
    await asyncio.gather(*tasks)


async def setup(stack: ChaosStack, customers: int) -> list[str]:
    """Customers through leads and the tag library through tags, as any client would."""
    async with grpc.aio.insecure_channel(stack.address("leads")) as ch:
        leads = leads_pb2_grpc.LeadsServiceStub(ch)
        ids = []
        for i in range(customers):
            reply = await leads.CreateCustomer(
                leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name=f"客户{i}")),
                metadata=METADATA,
            )
            ids.append(reply.id)
    async with grpc.aio.insecure_channel(stack.address("tags")) as ch:
        tags = tags_pb2_grpc.TagsServiceStub(ch)
        for key in STAGE_TAGS:
            await tags.DefineTag(
                tags_pb2.DefineTagRequest(
                    definition=tags_pb2.TagDefinition(
                        key=key,
                        display_name=key,
                        group="stage",
                        exclusive=True,
                        category=tags_pb2.TAG_CATEGORY_MARKETING,
                        value_type=tags_pb2.TAG_VALUE_TYPE_FLAG,
                    )
                ),
                metadata=METADATA,
            )
        await tags.DefineTag(
            tags_pb2.DefineTagRequest(
                definition=tags_pb2.TagDefinition(
                    key="tier",
                    display_name="tier",
                    category=tags_pb2.TAG_CATEGORY_MARKETING,
                    value_type=tags_pb2.TAG_VALUE_TYPE_ENUM,
                    allowed_values=TIERS,
                )
            ),
            metadata=METADATA,
        )
    return ids


async def partner(stack: ChaosStack, seen: Counter[str], stop: asyncio.Event) -> None:
    """The tenant's partner reading its durable consumer (created by ops), counting deliveries per id."""
    admin = await nats_client(stack, nats_auth.ADMIN)
    try:
        durable = await nats_auth.ensure_partner_consumer(admin.jetstream(), root="crm", tenant=TENANT)
    finally:
        await admin.close()
    nc = await nats_client(stack, nats_auth.partner_user(TENANT))
    try:
        sub = await nc.jetstream().pull_subscribe_bind(durable=durable, stream=STREAM_EVT)
        while not stop.is_set():
            try:
                msgs = await sub.fetch(256, timeout=1)
            except Exception:  # idle, or NATS restarting
                continue
            for msg in msgs:
                seen[json.loads(msg.data)["id"]] += 1
                with contextlib.suppress(Exception):
                    await msg.ack()
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


async def load(
    stack: ChaosStack, customers: list[str], ledger: Ledger, *, rate: float, seconds: float
) -> None:
    nc = await nats_client(stack, nats_auth.partner_user(TENANT))
    rnd = random.Random(7)

    async def signal(i: int) -> None:
        data = {"id": f"sig-{i}", "customer_id": rnd.choice(customers), "type": "pricing_page_view"}
        await publish_until_acked(
            nc, f"crm.in.{TENANT}.signals", ingest_event("signal", data), ledger, "signals"
        )
        ledger.signals.add(data["id"])

    async def touchpoint(i: int) -> None:
        data = {"id": f"tp-{i}", "customer_id": rnd.choice(customers), "type": rnd.choice(TOUCH_TYPES)}
        await publish_until_acked(
            nc, f"crm.in.{TENANT}.touchpoints", ingest_event("touchpoint", data), ledger, "touchpoints"
        )
        ledger.touchpoints.add(data["id"])

    async def conversation(i: int) -> None:
        data: dict[str, Any] = {
            "id": f"cv-{i}",
            "customer_id": rnd.choice(customers),
            "channel": "call",
            "started_at": iso_utc(utcnow()),
            "turns": [
                {"speaker": "rep", "text": "您好，想了解哪款产品？"},
                {"speaker": "customer", "text": "预算二十万左右，明天下午三点再打给我吧。"},
            ],
        }
        await publish_until_acked(
            nc, f"crm.in.{TENANT}.conversations", ingest_event("conversation", data), ledger, "conversations"
        )
        ledger.conversations.add(str(data["id"]))

    async def assignment(i: int) -> None:
        customer = rnd.choice(customers)
        item = (
            tags_pb2.TagAssignmentInput(tag_key=rnd.choice(STAGE_TAGS))
            if i % 2
            else tags_pb2.TagAssignmentInput(tag_key="tier", value=rnd.choice(TIERS))
        )
        request = tags_pb2.AssignTagsRequest(customer_id=customer, tags=[item])
        while True:
            try:
                async with grpc.aio.insecure_channel(stack.address("tags")) as ch:
                    reply = await tags_pb2_grpc.TagsServiceStub(ch).AssignTags(
                        request, metadata=METADATA, timeout=5
                    )
                # Values the reply says became active ("unchanged" ones changed nothing). A reply lost
                # to a kill -9 after the write makes the retry "unchanged": stored may exceed this.
                ledger.assignments += len(reply.assigned)
                return
            except grpc.aio.AioRpcError:
                ledger.retries["assignments"] += 1
                await asyncio.sleep(0.2)

    try:
        await asyncio.gather(
            paced(rate, seconds, signal),
            paced(rate, seconds, touchpoint),
            paced(rate, seconds, conversation),
            paced(rate, seconds, assignment),
        )
    finally:
        await nc.close()


async def chaos(stack: ChaosStack, seconds: float, recovery: dict[str, float]) -> None:
    """Kill each service in turn with SIGKILL and start it again; then restart NATS."""
    step = seconds / (len(SERVICES) + 2)
    for service in SERVICES:
        await asyncio.sleep(step)
        stack.kill_service(service)
        await asyncio.sleep(0.5)
        stack.start_service(service)
        recovery[f"{service} (kill -9)"] = await stack.wait_serving(service)
    await asyncio.sleep(step)
    stack.stop_nats()
    await asyncio.sleep(2)
    await asyncio.to_thread(stack.start_nats)
    slowest = await asyncio.gather(*(stack.wait_serving(s) for s in SERVICES))
    recovery["all four (NATS restart)"] = max(slowest)


async def settle(stack: ChaosStack, *, within: float = 120.0) -> None:
    """Wait until the system is quiet: nothing new in the stream for a while (outbox relays publish
    after their grace period, consumers catch up) and the partner's durable has nothing pending or
    unacknowledged (deliveries whose acks were lost in the NATS restart come again after ack_wait).
    """
    admin = await nats_client(stack, nats_auth.ADMIN)
    try:
        js = admin.jetstream()
        durable = nats_auth.partner_durable(TENANT)
        deadline = time.monotonic() + within
        last, quiet = -1, 0
        while time.monotonic() < deadline:
            await asyncio.sleep(1)
            info = await js.stream_info(STREAM_EVT)
            consumer = await js.consumer_info(STREAM_EVT, durable)
            total = info.state.messages
            quiet = quiet + 1 if total == last else 0
            last = total
            if quiet >= 5 and consumer.num_pending == 0 and consumer.num_ack_pending == 0:
                return
        print(f"(did not settle within {within:.0f} s; the partner column may trail)")
    finally:
        await admin.close()


async def stream_events(stack: ChaosStack) -> list[dict[str, Any]]:
    """Every event of the tenant the events stream holds, read by a fresh consumer from the start."""
    nc = await nats_client(stack, nats_auth.ADMIN)
    try:
        sub = await nc.jetstream().pull_subscribe(
            f"crm.evt.{TENANT}.>",
            durable=None,
            stream=STREAM_EVT,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
        )
        out: list[dict[str, Any]] = []
        while True:
            try:
                msgs = await sub.fetch(1000, timeout=2)
            except Exception:
                return out
            out.extend(json.loads(m.data) for m in msgs)
    finally:
        await nc.close()


async def stored_facts(stack: ChaosStack, customers: list[str]) -> dict[str, Any]:
    """What the services' own APIs read back: touchpoints, conversations and tag history per customer."""
    touchpoints: list[str] = []
    conversations: list[str] = []
    history: list[tuple[str, str, str, str, str]] = []
    async with grpc.aio.insecure_channel(stack.address("journey")) as ch:
        journey = journey_pb2_grpc.JourneyServiceStub(ch)
        for cid in customers:
            token = ""
            while True:
                page = await journey.ListTimeline(
                    journey_pb2.ListTimelineRequest(customer_id=cid, page_size=200, page_token=token),
                    metadata=METADATA,
                )
                touchpoints.extend(t.id for t in page.touchpoints)
                if not (token := page.next_page_token):
                    break
    async with grpc.aio.insecure_channel(stack.address("tags")) as ch:
        tags = tags_pb2_grpc.TagsServiceStub(ch)
        for cid in customers:
            token = ""
            while True:
                convs = await tags.ListConversations(
                    tags_pb2.ListConversationsRequest(customer_id=cid, page_size=100, page_token=token),
                    metadata=METADATA,
                )
                conversations.extend(c.id for c in convs.conversations)
                if not (token := convs.next_page_token):
                    break
            token = ""
            while True:
                page = await tags.ListTagHistory(
                    tags_pb2.ListTagHistoryRequest(customer_id=cid, page_size=200, page_token=token),
                    metadata=METADATA,
                )
                for e in page.entries:
                    if e.actor == "bench":
                        history.append((e.action, cid, e.tag_key, e.value, e.id))
                if not (token := page.next_page_token):
                    break
    return {"touchpoints": touchpoints, "conversations": conversations, "history": history}


async def stored_signals(stack: ChaosStack) -> list[str]:
    from pymongo import AsyncMongoClient

    assert stack.mongo is not None
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo.url)
    try:
        # intent has no per-signal read API yet; count the signal documents themselves
        return [d["signal_id"] async for d in client["crm_intent"]["signals"].find({"tenant_id": TENANT})]
    finally:
        await client.close()


def reconcile(
    ledger: Ledger,
    stored: dict[str, Any],
    signals: list[str],
    events: list[dict[str, Any]],
    seen: Counter[str],
) -> list[tuple[str, ...]]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e)

    def announced(kind: str, key: str) -> Counter[str]:
        return Counter(str(e["data"].get(key)) for e in by_type.get(kind, []))

    def partner_saw(kind: str, actor: str | None = None) -> int:
        return sum(
            1
            for e in by_type.get(kind, [])
            if seen.get(e["id"]) and (actor is None or e["data"].get("actor") == actor)
        )

    rows: list[tuple[str, ...]] = []
    sig_stored = Counter(signals)
    rows.append(
        (
            "signals (NATS ingest)",
            str(len(ledger.signals)),
            str(len(sig_stored)),
            "-",
            "-",
            str(len(ledger.signals - set(sig_stored))),
            str(sum(n - 1 for n in sig_stored.values() if n > 1)),
        )
    )
    for label, kind, accepted, ids, key in (
        (
            "touchpoints (NATS ingest)",
            "crm.journey.touchpoint_recorded.v1",
            ledger.touchpoints,
            stored["touchpoints"],
            "id",
        ),
        (
            "conversations (NATS ingest)",
            "crm.tags.conversation_ingested.v1",
            ledger.conversations,
            stored["conversations"],
            "conversation_id",
        ),
    ):
        mine = [i for i in ids if i in accepted]
        counted = Counter(mine)
        told = announced(kind, key)
        lost = len(accepted - set(counted)) + len(set(counted) - set(told))
        doubled = sum(n - 1 for n in counted.values() if n > 1) + sum(n - 1 for n in told.values() if n > 1)
        rows.append(
            (
                label,
                str(len(accepted)),
                str(len(counted)),
                str(sum(told.values())),
                str(partner_saw(kind)),
                str(lost),
                str(doubled),
            )
        )
    history = stored["history"]
    assigned: Counter[tuple[str, str, str]] = Counter(
        (c, t, v) for action, c, t, v, _ in history if action == "assigned"
    )
    announced_tags: Counter[tuple[str, str, str]] = Counter(
        (e["data"]["customer_id"], e["data"]["tag_key"], e["data"]["value"])
        for e in by_type.get("crm.tags.assigned.v1", [])
        if e["data"].get("actor") == "bench"
    )
    missing = sum(max(0, n - announced_tags[k]) for k, n in assigned.items())
    extra = sum(max(0, n - assigned[k]) for k, n in announced_tags.items())
    rows.append(
        (
            "tag assignments (gRPC)",
            str(ledger.assignments),
            str(sum(assigned.values())),
            str(sum(announced_tags.values())),
            str(partner_saw("crm.tags.assigned.v1", actor="bench")),
            str(missing),
            str(extra),
        )
    )
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows)])


async def main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="crm-chaos-"))
    stack = ChaosStack(workdir=workdir, tenant=TENANT)
    await asyncio.to_thread(stack.start_infrastructure)
    try:
        for service in SERVICES:
            stack.start_service(service)
        await asyncio.gather(*(stack.wait_serving(s) for s in SERVICES))
        customers = await setup(stack, args.customers)
        ledger = Ledger()
        seen: Counter[str] = Counter()
        stop = asyncio.Event()
        watcher = asyncio.create_task(partner(stack, seen, stop))
        recovery: dict[str, float] = {}
        started = time.monotonic()
        await asyncio.gather(
            load(stack, customers, ledger, rate=args.rate, seconds=args.seconds),
            chaos(stack, args.seconds, recovery),
        )
        elapsed = time.monotonic() - started
        await settle(stack)
        stop.set()
        await watcher
        events = await stream_events(stack)
        stored = await stored_facts(stack, customers)
        signals = await stored_signals(stack)
        rows = reconcile(ledger, stored, signals, events, seen)
        redelivered = sum(n - 1 for n in seen.values() if n > 1)
        ce_ids = Counter(e["id"] for e in events)
        print(
            f"chaos bench: {elapsed:.0f} s of load at {args.rate:g}/s per kind over {args.customers} customers"
        )
        print(
            f"  offered {4 * args.rate:g} operations/s in all; client retries while something was down: {dict(ledger.retries)}"
        )
        print()
        print(table(("kind", "accepted", "stored", "events", "partner", "lost", "doubled"), rows))
        print()
        print(
            f"events in the stream: {len(events)}; repeated CloudEvent ids in the stream: {sum(n - 1 for n in ce_ids.values() if n > 1)}"
        )
        print(f"partner deliveries of an event it had already seen (at-least-once redelivery): {redelivered}")
        print()
        print(table(("restart", "SERVING again after"), [(k, f"{v:.2f} s") for k, v in recovery.items()]))
        bad = [r for r in rows if r[5] != "0" or r[6] != "0"]
        slow = [k for k, v in recovery.items() if v > 5]
        print()
        print(
            "RESULT:",
            "clean" if not bad and not slow else f"NOT clean: {len(bad)} kind(s) lost/doubled, slow: {slow}",
        )
        return 0
    finally:
        stack.stop_all()
        print(f"(logs in {workdir})")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so `finally` stops the child processes on SIGTERM too


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=10, help="operations per second of each kind")
    parser.add_argument("--customers", type=int, default=60)
    sys.exit(asyncio.run(main(parser.parse_args())))
