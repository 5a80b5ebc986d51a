"""The demo seed against the four real services: what a user of `make run` finds, and that re-seeding is safe."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import grpc
import pytest
from crm.intent.v1 import intent_pb2, intent_pb2_grpc
from crm.journey.v1 import journey_pb2, journey_pb2_grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc
from crm.tags.v1 import segments_pb2, segments_pb2_grpc, tags_pb2, tags_pb2_grpc

from common.config import Settings
from common.service import RunningService, start_service
from scripts.demo_conversations import CONVERSATIONS
from scripts.demo_data import CUSTOMER_COUNT, build_customers
from scripts.seed_demo import SeedSummary, seed_demo
from services.intent.app import DEFINITION as INTENT
from services.journey.app import DEFINITION as JOURNEY
from services.leads.app import DEFINITION as LEADS
from services.tags.app import DEFINITION as TAGS
from tests.conftest import TEST_TOKEN
from tests.integration.journey.helpers import eventually
from tests.support.rpc import channel, metadata

TENANT = "demo"
MD = metadata(TENANT)
T = TypeVar("T")


@dataclass
class Stack:
    """The four running services and a client stub for each, as the gateway would hold them."""

    services: dict[str, RunningService]
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    def stub(self, name: str, factory: Callable[[grpc.aio.Channel], T]) -> T:
        self.channels.append(channel(self.services[name].port))
        return factory(self.channels[-1])

    async def seed(self) -> SeedSummary:
        addresses = {name: f"127.0.0.1:{svc.port}" for name, svc in self.services.items()}
        return await seed_demo(addresses=addresses, token=TEST_TOKEN, tenant=TENANT)

    async def all_customers(self) -> list[leads_pb2.Customer]:
        stub = self.stub("leads", leads_pb2_grpc.LeadsServiceStub)
        customers: list[leads_pb2.Customer] = []
        token = ""
        while True:
            page = await stub.ListCustomers(
                leads_pb2.ListCustomersRequest(page_size=200, page_token=token), metadata=MD
            )
            customers.extend(page.customers)
            token = page.next_page_token
            if not token:
                return customers

    async def timeline(self, customer_id: str, *, everything: bool = False) -> list[journey_pb2.Touchpoint]:
        """The customer's touchpoints (or, `everything`, with the other services' facts projected
        onto the timeline asynchronously: conversations, tag changes, intent, lead events)."""
        stub = self.stub("journey", journey_pb2_grpc.JourneyServiceStub)
        kinds = [] if everything else [journey_pb2.TIMELINE_ENTRY_KIND_TOUCHPOINT]
        page = await stub.ListTimeline(
            journey_pb2.ListTimelineRequest(customer_id=customer_id, page_size=200, kinds=kinds),
            metadata=MD,
        )
        return list(page.touchpoints)


@pytest.fixture
async def stack(settings_for: Callable[..., Settings]) -> AsyncIterator[Stack]:
    running = Stack(services={})
    try:
        # Leads first: the others check customers against this stack's own leads.
        running.services["leads"] = await start_service(LEADS, settings_for("leads"))
        peers = {"leads": f"127.0.0.1:{running.services['leads'].port}"}
        for definition in (TAGS, JOURNEY, INTENT):
            running.services[definition.name] = await start_service(
                definition, settings_for(definition.name, peers=peers)
            )
        yield running
    finally:
        await asyncio.gather(*(ch.close() for ch in running.channels))
        await asyncio.gather(*(svc.stop() for svc in running.services.values()))


async def _intent_tag(tags: tags_pb2_grpc.TagsServiceStub, customer_id: str, *, within: float = 15.0) -> str:
    """The `intent.level` system tag, which arrives through NATS after the intent service scores."""
    async with asyncio.timeout(within):
        while True:
            listed = await tags.ListCustomerTags(
                tags_pb2.ListCustomerTagsRequest(customer_id=customer_id), metadata=MD
            )
            for tag in listed.tags:
                if tag.tag_key == "intent.level":
                    return str(tag.value)
            await asyncio.sleep(0.2)


async def test_demo_seed_gives_customers_with_tags_timeline_and_intent(stack: Stack) -> None:
    summary = await stack.seed()

    customers = await stack.all_customers()
    assert len(customers) == CUSTOMER_COUNT
    assert summary.customers_created == CUSTOMER_COUNT
    assert {c.source_channel for c in customers} >= {"百度搜索", "抖音", "小红书", "老客户转介绍"}

    tags = stack.stub("tags", tags_pb2_grpc.TagsServiceStub)
    library = await tags.ListTagDefinitions(tags_pb2.ListTagDefinitionsRequest(page_size=500), metadata=MD)
    by_key = {d.key: d for d in library.definitions}
    assert {"basic.region", "interest.product", "value.high", "value.medium", "value.low"} <= set(by_key)
    assert all(by_key[f"value.{v}"].exclusive for v in ("high", "medium", "low"))
    assert "悦行SUV" in by_key["interest.product"].allowed_values

    car_buyer = summary.customer_ids["c001"]  # the story of a car bought for one's parents
    profile = await stack.stub("leads", leads_pb2_grpc.LeadsServiceStub).GetCustomer(
        leads_pb2.GetCustomerRequest(id=car_buyer), metadata=MD
    )
    assert profile.name == "王磊"
    assigned = await tags.ListCustomerTags(
        tags_pb2.ListCustomerTagsRequest(customer_id=car_buyer), metadata=MD
    )
    shown = {(t.tag_key, t.value): t for t in assigned.tags}
    assert ("interest.product", "悦行SUV") in shown
    assert shown[("car.buying_for_parents", "")].source == tags_pb2.TAG_SOURCE_MANUAL
    assert shown[("car.buying_for_parents", "")].actor == "rep_zhangwei"
    assert shown[("mkt.acquisition_channel", "抖音")].source == tags_pb2.TAG_SOURCE_CHANNEL

    timeline = await stack.timeline(car_buyer)
    kinds = [t.type for t in timeline]
    assert kinds.count("website_visit") == 3 and "test_drive" in kinds
    assert timeline[0].type == "price_request"  # newest first

    intent = stack.stub("intent", intent_pb2_grpc.IntentServiceStub)
    score = await intent.GetScore(intent_pb2.GetScoreRequest(customer_id=car_buyer), metadata=MD)
    assert score.score > 0 and score.level == intent_pb2.INTENT_LEVEL_HIGH
    ids = list(summary.customer_ids.values())
    levels = [
        s.level
        for i in range(0, len(ids), 200)
        for s in (
            await intent.BatchGetScores(
                intent_pb2.BatchGetScoresRequest(customer_ids=ids[i : i + 200]), metadata=MD
            )
        ).scores
    ]
    assert levels.count(intent_pb2.INTENT_LEVEL_HIGH) >= 10
    assert levels.count(intent_pb2.INTENT_LEVEL_MEDIUM) >= 10
    assert await _intent_tag(tags, car_buyer) == "high"

    # The scripted call with the first car customer was heard: budget, call-back and a tag applied.
    first_car = next(plan for plan in build_customers() if plan.story == "car")
    call = await tags.GetConversation(
        tags_pb2.GetConversationRequest(conversation_id=f"demo-{first_car.key}-call"), metadata=MD
    )
    facts = {f.kind: f for f in call.facts}
    assert facts["budget"].value == "200000"
    assert facts["callback_at"].text == "明天下午三点"
    heard = {(s.tag_key, s.value) for s in call.suggestions}
    assert ("heard.budget", "200000") in heard
    # …and is on that customer's timeline, with what was heard (a projection of tags' event).
    call_ref = journey_pb2.TimelineRef(name="conversation_id", id=f"demo-{first_car.key}-call")

    async def call_shown() -> bool:
        entries = await stack.timeline(summary.customer_ids[first_car.key], everything=True)
        return any(call_ref in e.refs and e.summary.startswith("听到: ") for e in entries)

    await eventually(call_shown, within=30)
    assert summary.conversations_new == len(CONVERSATIONS)

    # The stories are saved segments a marketer finds with their members counted.
    segments = stack.stub("tags", segments_pb2_grpc.SegmentsServiceStub)
    saved = {
        s.name: s
        for s in (await segments.ListSegments(segments_pb2.ListSegmentsRequest(), metadata=MD)).segments
    }
    assert saved["已成交未复购"].expression == "behavior.bought AND NOT behavior.repurchased"
    assert saved["已成交未复购"].count > 0
    assert saved["极简风 · 高意向"].expression == "style.minimalist AND intent.level = high"
    assert saved["极简风 · 高意向"].owner == "mkt_chenjing"


async def test_seeding_twice_doubles_nothing(stack: Stack) -> None:
    first = await stack.seed()
    hero = first.customer_ids["c000"]  # the minimalist home decor story
    timeline_before = await stack.timeline(hero)

    second = await stack.seed()

    assert second.customer_ids == first.customer_ids
    assert (second.customers_created, second.customers_found) == (0, CUSTOMER_COUNT)
    assert len(await stack.all_customers()) == CUSTOMER_COUNT
    assert [t.id for t in await stack.timeline(hero)] == [t.id for t in timeline_before]
    total_signals = sum(len(plan.signals) for plan in build_customers())
    assert (second.signals_accepted, second.signals_duplicate) == (0, total_signals)
    assert second.tags_assigned == 0 and second.tags_unchanged == first.tags_assigned
    assert (second.conversations_new, second.conversations_duplicate) == (0, len(CONVERSATIONS))
    assert (first.segments_saved, second.segments_saved, second.segments_found) == (2, 0, 2)
