"""Seed a tenant (`demo` by default) with the demo data, over the services' public gRPC APIs.

Idempotent: a customer that already exists is found through identity resolution (CreateCustomer
answers ALREADY_EXISTS with `existing_customer_id`), tag definitions are create-or-update, assigning
the same tag value again changes nothing, and touchpoint and signal ids are deterministic, so a
second run leaves every count where it was; the journey, deals, tasks, pools and pool stories are
found or skipped the same way (scripts/demo_journeys.py, scripts/demo_pool.py). `make run` calls `seed_demo` in-process; on its own,
`python -m scripts.seed_demo [--tenant demo]` reads the service addresses from the environment
(`TAGS_ADDR`, `JOURNEY_ADDR`, `INTENT_ADDR`, `LEADS_ADDR`, `INTERNAL_TOKEN`) as the services do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import grpc
from crm.intent.v1 import intent_pb2, intent_pb2_grpc
from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc, pool_pb2_grpc
from crm.tags.v1 import segments_pb2, segments_pb2_grpc, tags_pb2, tags_pb2_grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from common.config import Settings
from common.context import CallContext
from common.grpc_client import error_metadata
from common.grpc_server import MAX_MESSAGE_BYTES
from common.roles import PLATFORM
from common.timeutil import to_timestamp, utcnow
from scripts.demo_conversations import CONVERSATION_TIME_ZONE, CONVERSATIONS, HEARD_TAGS
from scripts.demo_data import CustomerPlan, TagPlan, TagSpec, build_customers, saved_segments, tag_library
from scripts.demo_journeys import build_dealer, ensure_journey, seed_deals, seed_tasks, won_tag_spec
from scripts.demo_pool import ensure_pools, seed_channel_costs, seed_pool_stories

T = TypeVar("T")
RPC_TIMEOUT = 30.0
SIGNAL_BATCH = 500  # the most IngestSignals accepts
PROFILE_FIELDS = tuple(leads_pb2.CustomerInput.DESCRIPTOR.fields_by_name)
SOURCES = {"manual": tags_pb2.TAG_SOURCE_MANUAL, "import": tags_pb2.TAG_SOURCE_IMPORT,
           "channel": tags_pb2.TAG_SOURCE_CHANNEL}  # fmt: skip


@dataclass(kw_only=True)
class SeedSummary:
    """What one run did; a second run reports everything as found, unchanged or duplicate."""

    tenant: str
    tags_defined: int = 0
    customers_created: int = 0
    customers_found: int = 0
    tags_assigned: int = 0
    tags_unchanged: int = 0
    touchpoints: int = 0
    signals_accepted: int = 0
    signals_duplicate: int = 0
    conversations_new: int = 0
    conversations_duplicate: int = 0
    segments_saved: int = 0
    segments_found: int = 0
    journey_defined: int = 0
    journey_found: int = 0
    deals_created: int = 0
    deals_found: int = 0
    deals_signed: int = 0
    deals_paid: int = 0
    tasks_created: int = 0
    tasks_found: int = 0
    pools_defined: int = 0
    pools_found: int = 0
    leads_claimed: int = 0
    leads_released: int = 0
    callbacks_promised: int = 0
    channel_costs: int = 0
    seconds: float = 0.0
    customer_ids: dict[str, str] = field(default_factory=dict)  # plan key (c000…) -> customer id
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, where the time goes

    def line(self) -> str:
        return (
            f"seeded tenant {self.tenant!r} in {self.seconds:.1f}s: {self.tags_defined} tag definitions, "
            f"customers {self.customers_created} new / {self.customers_found} existing, "
            f"tags {self.tags_assigned} assigned / {self.tags_unchanged} unchanged, "
            f"{self.touchpoints} touchpoints sent, signals {self.signals_accepted} new / "
            f"{self.signals_duplicate} duplicate, conversations {self.conversations_new} new / "
            f"{self.conversations_duplicate} duplicate, saved segments {self.segments_saved} new / "
            f"{self.segments_found} existing; car_dealer journey {self.journey_defined} new / "
            f"{self.journey_found} existing, deals {self.deals_created} new / {self.deals_found} existing "
            f"({self.deals_signed} signed, {self.deals_paid} paid), tasks {self.tasks_created} new / "
            f"{self.tasks_found} existing, pools {self.pools_defined} new / {self.pools_found} existing, "
            f"{self.leads_claimed} leads claimed and {self.leads_released} released now, "
            f"{self.callbacks_promised} call-backs promised, {self.channel_costs} channel costs set"
        )

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time one step of the seed into `phases` (the time goes mostly to the customers)."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = round(time.perf_counter() - began, 2)

    def report(self) -> str:
        """The line above, what the demo holds, and queries a newcomer can paste into GraphiQL."""
        return f"{self.line()}\n{DEMO_GUIDE}"


# A service that answers UNAVAILABLE did nothing (e.g. tags "cannot check customers" when its own call
# to leads timed out on a loaded laptop); the seed's calls are idempotent, so gRPC retries them, with
# backoff. Not the pool's claims and releases: a retry after a lost answer would be refused as a repeat.
RETRY_CONFIG = json.dumps(
    {
        "methodConfig": [
            {
                "name": [
                    {"service": name}
                    for name in (
                        "crm.tags.v1.TagsService",
                        "crm.tags.v1.SegmentsService",
                        "crm.journey.v1.JourneyService",
                        "crm.intent.v1.IntentService",
                        "crm.leads.v1.LeadsService",
                    )
                ],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.5s",
                    "maxBackoff": "4s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
)


def _channel(address: str) -> grpc.aio.Channel:
    """common.grpc_client.open_channel plus the retry policy above."""
    return grpc.aio.insecure_channel(
        address,
        interceptors=aio_client_interceptors(),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.service_config", RETRY_CONFIG),
        ],
    )


class SeedClients:
    """One channel per service, the tenant, and a bound on concurrent calls (2 cores: keep it modest)."""

    def __init__(self, addresses: Mapping[str, str], *, token: str, tenant: str, concurrency: int) -> None:
        self.channels = {svc: _channel(addresses[svc]) for svc in ("tags", "journey", "intent", "leads")}
        self.tags = tags_pb2_grpc.TagsServiceStub(self.channels["tags"])
        self.segments = segments_pb2_grpc.SegmentsServiceStub(self.channels["tags"])
        self.journey = journey_pb2_grpc.JourneyServiceStub(self.channels["journey"])
        self.intent = intent_pb2_grpc.IntentServiceStub(self.channels["intent"])
        self.leads = leads_pb2_grpc.LeadsServiceStub(self.channels["leads"])
        self.pool = pool_pb2_grpc.LeadPoolServiceStub(self.channels["leads"])
        self.timeout = RPC_TIMEOUT
        self.token = token
        self.tenant = tenant
        self.limit = asyncio.Semaphore(concurrency)

    def metadata(self, caller: str, roles: str = "admin") -> tuple[tuple[str, str], ...]:
        ctx = CallContext(tenant=self.tenant, caller=caller, roles=frozenset(roles.split(",")))
        return ctx.outgoing_metadata(self.token)

    async def bounded(self, call: Awaitable[T]) -> T:
        async with self.limit:
            return await call

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self.channels.values()))


DEMO_GUIDE = """
  Demo data: 3 stories × 200 customers on the 5A journey; a car dealer's journey `car_dealer`
  (来电 → … → 签约 → 付款) with 36 showroom customers, one who moved back, qualified deals (signed ≠ paid),
  open tasks and two that turn OVERDUE after JOURNEY_TASK_GRACE_SECONDS (900 s by default); pools per
  region with claimed and released leads (lost reasons as tags), a missed call-back, channel costs.
  Paste into GraphiQL (admin token):
    { funnel(journey: "car_dealer") { customers stages { name kind count conversionFromPrevious } } }
    { pools { name region leads(first: 5) { edges { node { ownerId lastReason releaseCount customer {
        profile { name } tags { key value } } } } } } }
    { missedCallbacks(allOwners: true) { edges { node { promisedBy text dueAt state customer { profile { name } } } } } }"""


def _definition(spec: TagSpec) -> tags_pb2.TagDefinition:
    return tags_pb2.TagDefinition(
        key=spec.key,
        display_name=spec.display_name,
        description=spec.description,
        group=spec.group,
        category=f"TAG_CATEGORY_{spec.category.upper()}",
        value_type=f"TAG_VALUE_TYPE_{spec.value_type.upper()}",
        allowed_values=list(spec.allowed_values),
        exclusive=spec.exclusive,
        update_cycle=f"UPDATE_CYCLE_{spec.update_cycle.upper()}",
        ttl_days=spec.ttl_days,
        assign_roles=list(spec.assign_roles),
        status=tags_pb2.TAG_STATUS_ACTIVE,
        hints=tags_pb2.ExtractionHints(keywords=list(spec.keywords), patterns=_PATTERNS.get(spec.key, [])),
    )


_PATTERNS = {str(doc["key"]): list(doc.get("patterns", ())) for doc in HEARD_TAGS}  # type: ignore[call-overload]
_CHANNELS = {
    name: getattr(tags_pb2, f"CONVERSATION_CHANNEL_{name.upper()}") for name in ("call", "wechat", "wecom")
}


async def _ingest_conversations(
    clients: SeedClients, plans: list[CustomerPlan], summary: SeedSummary, now: datetime
) -> None:
    """A few scripted calls and chats, so the demo shows heard tags, pending suggestions and call-backs."""
    for conversation in CONVERSATIONS:
        plan = [p for p in plans if p.story == conversation.story][conversation.rank]
        started = now - conversation.ago
        request = tags_pb2.IngestConversationRequest(
            conversation=tags_pb2.ConversationInput(
                id=conversation.conversation_id(plan.key),
                customer_id=summary.customer_ids[plan.key],
                channel=_CHANNELS[conversation.channel],
                started_at=to_timestamp(started),
                time_zone=CONVERSATION_TIME_ZONE,
                rep_id=conversation.rep_id,
                turns=[
                    tags_pb2.Turn(
                        speaker=tags_pb2.SPEAKER_CUSTOMER if speaker == "customer" else tags_pb2.SPEAKER_REP,
                        text=text,
                        offset_ms=i * 15_000,
                    )
                    for i, (speaker, text) in enumerate(conversation.turns)
                ],
            )
        )
        reply = await clients.tags.IngestConversation(
            request, metadata=clients.metadata(conversation.rep_id, "sales"), timeout=RPC_TIMEOUT
        )
        if reply.duplicate:
            summary.conversations_duplicate += 1
        else:
            summary.conversations_new += 1


def _heard_specs() -> list[TagSpec]:
    """The demo's conversation tags: plain TagSpecs plus the patterns the dataclass does not carry."""
    return [
        TagSpec(
            key=str(doc["key"]),
            display_name=str(doc["display_name"]),
            group=str(doc["group"]),
            category=str(doc["category"]),
            value_type=str(doc["value_type"]),
            description=str(doc["description"]),
            keywords=tuple(doc["keywords"]),  # type: ignore[arg-type]
        )
        for doc in HEARD_TAGS
    ]


async def _define_library(clients: SeedClients) -> int:
    specs = [*tag_library(), *_heard_specs(), won_tag_spec()]
    md = clients.metadata("seed-admin")
    await asyncio.gather(
        *(
            clients.bounded(
                clients.tags.DefineTag(
                    tags_pb2.DefineTagRequest(definition=_definition(s)), metadata=md, timeout=RPC_TIMEOUT
                )
            )
            for s in specs
        )
    )
    return len(specs)


async def _ensure_customer(clients: SeedClients, plan: CustomerPlan, summary: SeedSummary) -> str:
    """Create the customer, or find it by its phone/email/WeChat id when it already exists."""
    profile = leads_pb2.CustomerInput(**{k: v for k, v in plan.profile.items() if k in PROFILE_FIELDS})
    try:
        created = await clients.leads.CreateCustomer(
            leads_pb2.CreateCustomerRequest(customer=profile),
            metadata=clients.metadata("seed-import"),
            timeout=RPC_TIMEOUT,
        )
    except grpc.aio.AioRpcError as err:
        existing = error_metadata(err).get("existing_customer_id")
        if err.code() != grpc.StatusCode.ALREADY_EXISTS or not existing:
            raise
        summary.customers_found += 1
        return existing
    summary.customers_created += 1
    return str(created.id)


async def _assign_tags(
    clients: SeedClients, customer_id: str, plans: tuple[TagPlan, ...], summary: SeedSummary
) -> None:
    by_actor: dict[tuple[str, str], list[TagPlan]] = {}
    for plan in plans:  # one call per provenance: the actor is the caller, as when a rep tags by hand
        by_actor.setdefault((plan.actor, plan.source), []).append(plan)
    for (actor, source), group in by_actor.items():
        items = [
            tags_pb2.TagAssignmentInput(
                tag_key=p.tag_key,
                value=p.value,
                source=SOURCES[p.source],
                confidence=1.0,
                evidence=tags_pb2.Evidence(channel_code=p.channel_code, note=p.note),
            )
            for p in group
        ]
        # Imported and channel-code tags carry machine provenance, which only the platform may set.
        roles = "sales" if source == "manual" else PLATFORM
        response = await clients.tags.AssignTags(
            tags_pb2.AssignTagsRequest(customer_id=customer_id, tags=items),
            metadata=clients.metadata(actor, roles),
            timeout=RPC_TIMEOUT,
        )
        summary.tags_assigned += len(response.assigned)
        summary.tags_unchanged += len(response.skipped)


async def _record_touchpoints(
    clients: SeedClients, customer_id: str, plan: CustomerPlan, now: datetime
) -> int:
    # In time order, one at a time: the customer's progress is built as it happened.
    for tp in plan.touchpoints:
        touchpoint = journey_pb2.Touchpoint(
            id=tp.id,
            customer_id=customer_id,
            type=tp.type,
            channel=tp.channel,
            occurred_at=to_timestamp(now - tp.ago),
            actor=tp.actor,
            notes=tp.notes,
        )
        await clients.journey.RecordTouchpoint(
            journey_pb2.RecordTouchpointRequest(touchpoint=touchpoint),
            metadata=clients.metadata(tp.actor),
            timeout=RPC_TIMEOUT,
        )
    return len(plan.touchpoints)


async def _seed_customer(
    clients: SeedClients, plan: CustomerPlan, summary: SeedSummary, now: datetime
) -> None:
    async with clients.limit:
        customer_id = await _ensure_customer(clients, plan, summary)
        summary.customer_ids[plan.key] = customer_id
        await _assign_tags(clients, customer_id, plan.tags, summary)
        recorded = await _record_touchpoints(clients, customer_id, plan, now)
        summary.touchpoints += recorded  # not `+= await …`: that would read the total before awaiting


async def _ingest_signals(
    clients: SeedClients, plans: list[CustomerPlan], summary: SeedSummary, now: datetime
) -> None:
    signals = [
        intent_pb2.Signal(
            id=s.id,
            customer_id=summary.customer_ids[plan.key],
            type=s.type,
            party=intent_pb2.SIGNAL_PARTY_THIRD if s.party == "third" else intent_pb2.SIGNAL_PARTY_FIRST,
            topic=s.topic,
            occurred_at=to_timestamp(now - s.ago),
            properties=s.properties,
            source=s.source,
        )
        for plan in plans
        for s in plan.signals
    ]
    md = clients.metadata("seed-import")
    batches = [signals[i : i + SIGNAL_BATCH] for i in range(0, len(signals), SIGNAL_BATCH)]
    responses = await asyncio.gather(
        *(
            clients.bounded(
                clients.intent.IngestSignals(
                    intent_pb2.IngestSignalsRequest(signals=batch), metadata=md, timeout=RPC_TIMEOUT
                )
            )
            for batch in batches
        )
    )
    summary.signals_accepted = sum(r.accepted for r in responses)
    summary.signals_duplicate = sum(r.duplicates for r in responses)


async def _save_segments(clients: SeedClients, summary: SeedSummary) -> None:
    """The demo stories as saved segments, owned by a marketer; an existing name is left as it is."""
    for spec in saved_segments():
        request = segments_pb2.CreateSegmentRequest(
            name=spec.name, description=spec.description, expression=spec.expression
        )
        try:
            await clients.segments.CreateSegment(
                request, metadata=clients.metadata("mkt_chenjing", "marketing"), timeout=RPC_TIMEOUT
            )
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
            summary.segments_found += 1
        else:
            summary.segments_saved += 1


async def seed_demo(
    *,
    addresses: Mapping[str, str],
    token: str,
    tenant: str = "demo",
    now: datetime | None = None,
    concurrency: int = 16,
) -> SeedSummary:
    """Seed `tenant` through the four services at `addresses` (service name -> host:port).

    Defines the tag library, the car dealer's journey and the lead pools, then creates (or finds)
    every customer and gives it its tags and touchpoints, `concurrency` customers at a time, ingests
    all intent signals in batches and the demo conversations, saves the demo stories' segments, and
    adds the dealer's deals and tasks (scripts/demo_journeys.py), the pool stories and channel costs
    (scripts/demo_pool.py). Times are placed relative to `now` (default: the current time).
    """
    started = time.perf_counter()
    now = now or utcnow()
    plans = build_customers()
    dealer = build_dealer()
    summary = SeedSummary(tenant=tenant)
    everyone = [*plans, *dealer.customers]
    clients = SeedClients(addresses, token=token, tenant=tenant, concurrency=concurrency)
    try:
        with summary.phase("library"):
            summary.tags_defined = await _define_library(clients)
        # Before any customer: touchpoints move only journeys that exist, and the leads service's
        # intake puts each new customer into the pool of its region only when the pools exist.
        with summary.phase("journey and pools"):
            await ensure_journey(clients, summary)
            pools = await ensure_pools(clients, summary)
        with summary.phase("customers"):
            await asyncio.gather(*(_seed_customer(clients, plan, summary, now) for plan in everyone))
        with summary.phase("signals, conversations, segments"):
            await _ingest_signals(clients, plans, summary, now)
            await _ingest_conversations(clients, plans, summary, now)
            await _save_segments(clients, summary)
        with summary.phase("deals and tasks"):
            await seed_deals(clients, dealer, summary, now)
            await seed_tasks(clients, dealer, summary, now)
        with summary.phase("pool stories and costs"):
            await seed_pool_stories(clients, plans, pools, summary, now)
            await seed_channel_costs(clients, summary, now)
    finally:
        await clients.close()
    summary.seconds = time.perf_counter() - started
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description="Seed the demo data into running services.")
    parser.add_argument("--tenant", default="demo", help="tenant to seed (default: demo)")
    args = parser.parse_args()
    settings = Settings.from_env("leads")  # any service: peers and token are read the same way
    summary = asyncio.run(
        seed_demo(addresses=settings.peers, token=settings.internal_token, tenant=args.tenant)
    )
    print(summary.report())


if __name__ == "__main__":
    main()
