"""Per-request DataLoaders: every part of the customer view costs one batch RPC per backend.

A `customers(first: 50)` query asking for profile, tags, intent and journey makes one
BatchGetCustomers (or none, when the list already carried the profiles), one BatchListCustomerTags,
one BatchGetScores and one BatchGetProgress (and one BatchGetCustomerSegments for `segments`,
one BatchGetJourneyProgress for `journeys`, one BatchListDeals for `deals`, one BatchListTasks for `tasks`),
whatever the page size; conversations cost one
BatchListConversations per distinct `first` asked for. Loaders are built per request so their caches
never outlive it or cross tenants.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from crm.intent.v1 import intent_pb2
from crm.journey.v1 import journey_pb2
from crm.leads.v1 import leads_pb2, pool_pb2
from crm.tags.v1 import segments_pb2, tags_pb2
from strawberry.dataloader import DataLoader

from gateway.clients import BackendCaller
from gateway.errors import not_found

# (customer id, how many of their latest conversations)
ConversationsKey = tuple[str, int]


@dataclass(frozen=True, kw_only=True)
class Loaders:
    profiles: DataLoader[str, leads_pb2.Customer | None]
    tags: DataLoader[str, list[tags_pb2.TagAssignment]]
    intent: DataLoader[str, intent_pb2.IntentScore]
    progress: DataLoader[str, journey_pb2.Progress]
    conversations: DataLoader[ConversationsKey, list[tags_pb2.Conversation]]
    segments: DataLoader[str, list[segments_pb2.CustomerSegment]]
    lead_facts: DataLoader[str, pool_pb2.LeadFacts | None]
    # Deals and tasks of a page of customers: one BatchListDeals / BatchListTasks each.
    deals: DataLoader[str, list[journey_pb2.Deal]]
    tasks: DataLoader[str, list[journey_pb2.Task]]
    journeys: DataLoader[str, list[journey_pb2.Progress]]

    async def require_customers(self, ids: Sequence[str]) -> None:
        """NOT_FOUND unless every id is a customer of the caller's tenant (one batch RPC to leads)."""
        profiles = await self.profiles.load_many(ids)
        missing = sorted({i for i, p in zip(ids, profiles, strict=True) if p is None})
        if missing:
            raise not_found(f"no customer {', '.join(missing)}")


def build_loaders(caller: BackendCaller, *, max_batch: int) -> Loaders:
    """Loaders that batch into the backends' Batch* RPCs, at most `max_batch` ids per call."""

    async def load_profiles(ids: Sequence[str]) -> list[leads_pb2.Customer | None]:
        reply = await caller.call("leads", "BatchGetCustomers", leads_pb2.BatchGetCustomersRequest(ids=ids))
        found = {c.id: c for c in reply.customers}
        return [found.get(i) for i in ids]

    async def load_tags(ids: Sequence[str]) -> list[list[tags_pb2.TagAssignment]]:
        reply = await caller.call(
            "tags", "BatchListCustomerTags", tags_pb2.BatchListCustomerTagsRequest(customer_ids=ids)
        )
        found = {c.customer_id: list(c.tags) for c in reply.customers}
        return [found.get(i, []) for i in ids]

    async def load_intent(ids: Sequence[str]) -> list[intent_pb2.IntentScore]:
        reply = await caller.call(
            "intent", "BatchGetScores", intent_pb2.BatchGetScoresRequest(customer_ids=ids)
        )
        found = {s.customer_id: s for s in reply.scores}
        return [
            found.get(i) or intent_pb2.IntentScore(customer_id=i, level=intent_pb2.INTENT_LEVEL_LOW)
            for i in ids
        ]

    async def load_progress(ids: Sequence[str]) -> list[journey_pb2.Progress]:
        reply = await caller.call(
            "journey", "BatchGetProgress", journey_pb2.BatchGetProgressRequest(customer_ids=ids)
        )
        found = {p.customer_id: p for p in reply.progress}
        return [found.get(i) or journey_pb2.Progress(customer_id=i) for i in ids]

    async def load_conversations(keys: Sequence[ConversationsKey]) -> list[list[tags_pb2.Conversation]]:
        # One RPC per distinct page size: a customers page normally asks for one.
        wanted: dict[int, list[str]] = defaultdict(list)
        for customer_id, per_customer in keys:
            if customer_id not in wanted[per_customer]:
                wanted[per_customer].append(customer_id)
        replies = await asyncio.gather(
            *(
                caller.call(
                    "tags",
                    "BatchListConversations",
                    tags_pb2.BatchListConversationsRequest(customer_ids=ids, per_customer=per_customer),
                )
                for per_customer, ids in wanted.items()
            )
        )
        found: dict[ConversationsKey, list[tags_pb2.Conversation]] = {
            (entry.customer_id, per_customer): list(entry.conversations)
            for per_customer, reply in zip(wanted, replies, strict=True)
            for entry in reply.customers
        }
        return [found.get(key, []) for key in keys]

    async def load_segments(ids: Sequence[str]) -> list[list[segments_pb2.CustomerSegment]]:
        reply = await caller.call(
            "segments",
            "BatchGetCustomerSegments",
            segments_pb2.BatchGetCustomerSegmentsRequest(customer_ids=ids),
        )
        found = {c.customer_id: list(c.segments) for c in reply.customers}
        return [found.get(i, []) for i in ids]

    async def load_lead_facts(ids: Sequence[str]) -> list[pool_pb2.LeadFacts | None]:
        request = pool_pb2.BatchGetLeadFactsRequest(customer_ids=ids)
        reply = await caller.call("leadpool", "BatchGetLeadFacts", request)
        found = {f.customer_id: f for f in reply.facts}
        return [found.get(i) for i in ids]

    async def load_deals(ids: Sequence[str]) -> list[list[journey_pb2.Deal]]:
        reply = await caller.call(
            "journey", "BatchListDeals", journey_pb2.BatchListDealsRequest(customer_ids=ids)
        )
        found = {c.customer_id: list(c.deals) for c in reply.customers}
        return [found.get(i, []) for i in ids]

    async def load_tasks(ids: Sequence[str]) -> list[list[journey_pb2.Task]]:
        reply = await caller.call(
            "journey", "BatchListTasks", journey_pb2.BatchListTasksRequest(customer_ids=ids)
        )
        found = {c.customer_id: list(c.tasks) for c in reply.customers}
        return [found.get(i, []) for i in ids]

    async def load_journeys(ids: Sequence[str]) -> list[list[journey_pb2.Progress]]:
        reply = await caller.call(
            "journey",
            "BatchGetJourneyProgress",
            journey_pb2.BatchGetJourneyProgressRequest(customer_ids=ids),
        )
        found = {c.customer_id: list(c.journeys) for c in reply.customers}
        return [found.get(i, []) for i in ids]

    return Loaders(
        profiles=DataLoader(load_fn=load_profiles, max_batch_size=max_batch),
        tags=DataLoader(load_fn=load_tags, max_batch_size=max_batch),
        intent=DataLoader(load_fn=load_intent, max_batch_size=max_batch),
        progress=DataLoader(load_fn=load_progress, max_batch_size=max_batch),
        conversations=DataLoader(load_fn=load_conversations, max_batch_size=max_batch),
        segments=DataLoader(load_fn=load_segments, max_batch_size=max_batch),
        lead_facts=DataLoader(load_fn=load_lead_facts, max_batch_size=max_batch),
        deals=DataLoader(load_fn=load_deals, max_batch_size=max_batch),
        tasks=DataLoader(load_fn=load_tasks, max_batch_size=max_batch),
        journeys=DataLoader(load_fn=load_journeys, max_batch_size=max_batch),
    )
