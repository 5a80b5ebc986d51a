"""The cross-service flow: intent `level_changed` events become the `intent.level` system tag."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T
from nats.aio.client import Client as NATS

from common import cloudevents
from common.bus import publish_event
from common.timeutil import utcnow
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import wait_for_events
from tests.support.events import Collector, connect, subscribe
from tests.support.rpc import metadata

MD = metadata("acme")


@dataclass
class Bus:
    nc: NATS
    namespace: str
    tags_events: Collector
    dead_letters: Collector

    async def level_changed(self, data: dict[str, Any], *, time: datetime | None = None) -> dict[str, Any]:
        """Publish a level_changed CloudEvent as the intent service does; returns the envelope."""
        envelope = cloudevents.make_event(
            type="crm.intent.level_changed.v1",
            source="crm/intent",
            tenant="acme",
            data=data,
            subject=str(data.get("customer_id", "")),
            time=time,
        )
        await self.redeliver(envelope, msg_id=envelope["id"])
        return envelope

    async def redeliver(self, envelope: dict[str, Any], *, msg_id: str) -> None:
        """Publish `envelope` again under another Nats-Msg-Id, as an at-least-once redelivery looks."""
        subject = f"{self.namespace}.evt.acme.intent.level_changed"
        if msg_id == envelope["id"]:
            await publish_event(self.nc.jetstream(), subject, envelope)
        else:
            await self.nc.jetstream().publish(
                subject, cloudevents.encode(envelope), headers={"Nats-Msg-Id": msg_id}
            )

    async def processed(self, customer: str, count: int = 1) -> None:
        """Wait until the tags service published `count` assigned events for `customer`."""
        await wait_for_events(
            self.tags_events,
            lambda e: e["type"] == "crm.tags.assigned.v1" and e["data"]["customer_id"] == customer,
            count,
        )


@pytest.fixture
async def bus(tags: TagsClient, nats_url: str, namespace: str) -> AsyncIterator[Bus]:
    nc = await connect(nats_url)
    try:
        yield Bus(
            nc=nc,
            namespace=namespace,
            tags_events=await subscribe(nc, f"{namespace}.evt.acme.tags.>"),
            dead_letters=await subscribe(nc, f"{namespace}.dlq.tags"),
        )
    finally:
        await nc.close()


def level(customer: str, value: str, previous: str = "low") -> dict[str, Any]:
    return {"customer_id": customer, "level": value, "previous_level": previous, "score": 72.5}


async def _history(tags: TagsClient, customer: str) -> list[T.TagHistoryEntry]:
    response = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    return list(response.entries)


async def test_level_changed_event_sets_the_intent_level_system_tag(tags: TagsClient, bus: Bus) -> None:
    customer = await tags.customer()

    envelope = await bus.level_changed(level(customer, "high"))
    await bus.processed(customer)

    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    [tag] = listed.tags
    assert (tag.tag_key, tag.value, tag.source, tag.actor) == (
        "intent.level",
        "high",
        T.TAG_SOURCE_SYSTEM,
        "svc:intent",
    )
    assert (tag.display_name, tag.group, tag.category) == ("意向等级", "intent", T.TAG_CATEGORY_SYSTEM)
    assert (tag.confidence, list(tag.evidence.event_ids)) == (1.0, [envelope["id"]])
    definitions = await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(group="intent"), metadata=MD)
    [definition] = definitions.definitions
    assert (list(definition.allowed_values), definition.exclusive) == (["low", "medium", "high"], False)


async def test_redelivered_and_older_events_change_nothing(tags: TagsClient, bus: Bus) -> None:
    customer, sentinel = await tags.customer(), await tags.customer()
    now = utcnow()
    first = await bus.level_changed(level(customer, "high"), time=now)
    await bus.processed(customer)

    await bus.redeliver(first, msg_id="redelivery-of-first")
    await bus.level_changed(level(customer, "low"), time=now - timedelta(minutes=5))
    # The consumer handles messages in order, so once the sentinel is done the two above are too.
    await bus.level_changed(level(sentinel, "medium"))
    await bus.processed(sentinel)

    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    assert [(t.tag_key, t.value) for t in listed.tags] == [("intent.level", "high")]
    assert [(e.action, e.value) for e in await _history(tags, customer)] == [("assigned", "high")]
    assigned_for_customer = [
        e for e in bus.tags_events.events if e["type"] == "crm.tags.assigned.v1" and e["subject"] == customer
    ]
    assert len(assigned_for_customer) == 1


async def test_newer_level_replaces_the_older_one(tags: TagsClient, bus: Bus) -> None:
    customer = await tags.customer()
    now = utcnow()
    await bus.level_changed(level(customer, "medium"), time=now - timedelta(seconds=30))
    await bus.processed(customer)

    await bus.level_changed(level(customer, "high", previous="medium"), time=now)
    await bus.processed(customer, 2)

    history = await _history(tags, customer)
    assert [(e.action, e.value, e.previous_value) for e in history] == [
        ("assigned", "high", "medium"),
        ("assigned", "medium", ""),
    ]


async def test_malformed_level_changed_event_is_dead_lettered(tags: TagsClient, bus: Bus) -> None:
    customer = await tags.customer()

    await bus.level_changed(level(customer, "extreme"))
    await bus.level_changed({"level": "high"})
    await bus.dead_letters.wait_for(2)

    assert all(d["error"].startswith("InvalidArgument") for d in bus.dead_letters.events)
    assert all(d["consumer"] == "tags-intent-level" for d in bus.dead_letters.events)
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    assert list(listed.tags) == []


async def test_callers_cannot_assign_the_system_tag(tags: TagsClient, bus: Bus) -> None:
    customer = await tags.customer()
    await bus.level_changed(level(customer, "low"))
    await bus.processed(customer)

    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await tags.stub.AssignTags(
            T.AssignTagsRequest(
                customer_id=customer, tags=[T.TagAssignmentInput(tag_key="intent.level", value="high")]
            ),
            metadata=MD,
        )

    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
