"""The outbox: an event stored with its change reaches NATS exactly once, whatever stops half-way."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from common import bus
from common.mongo import ensure_indexes
from common.outbox import DUE_MS, FIELD, Outbox, outbox_indexes, pending_document, pending_set
from tests.support.events import connect

COLLECTION = "things"


@pytest.fixture
async def js(nats_url: str, namespace: str) -> AsyncIterator[tuple[NATS, JetStreamContext]]:
    nc = await connect(nats_url)
    jsc = nc.jetstream()
    await bus.ensure_streams(jsc, root=namespace)
    try:
        yield nc, jsc
    finally:
        for kind in ("evt", "in", "dlq"):
            await jsc.delete_stream(bus.stream_name(namespace, kind))
        await nc.close()


@pytest.fixture
async def things(
    mongo_client: AsyncMongoClient[dict[str, Any]], namespace: str
) -> AsyncCollection[dict[str, Any]]:
    db = mongo_client[f"{namespace}_test"]
    await ensure_indexes(db, outbox_indexes([COLLECTION]))
    return db[COLLECTION]


def make_outbox(
    mongo_client: AsyncMongoClient[dict[str, Any]], jsc: JetStreamContext, namespace: str, **kw: Any
) -> Outbox:
    return Outbox(
        mongo_client[f"{namespace}_test"], jsc, root=namespace, service="x", collections=[COLLECTION], **kw
    )


async def published(jsc: JetStreamContext, namespace: str) -> list[dict[str, Any]]:
    """Every event stored in the events stream, in order (what a durable partner consumer would see)."""
    info = await jsc.stream_info(bus.stream_name(namespace, "evt"))
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        if info.state.messages == 0:
            break
        msg = await jsc.get_msg(bus.stream_name(namespace, "evt"), seq)
        assert msg.data is not None
        out.append(json.loads(msg.data))
    return out


async def test_fast_path_publishes_each_event_once_and_clears_the_document(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace)
    events = [
        outbox.event(tenant="acme", event="made", data={"n": 1}, subject_id="cus_1"),
        outbox.event(tenant="acme", event="changed", data={"n": 2}, subject_id="cus_1"),
    ]
    await things.insert_one({"_id": "a", "tenant_id": "acme", "n": 2, **pending_document(events)})
    await outbox.publish(COLLECTION, "a", events)

    seen = await published(jsc, namespace)
    assert [(e["type"], e["data"]) for e in seen] == [
        ("crm.x.made.v1", {"n": 1}),
        ("crm.x.changed.v1", {"n": 2}),
    ]
    assert [e["id"] for e in seen] == [e.id for e in events]
    assert await things.find_one({"_id": "a"}) == {"_id": "a", "tenant_id": "acme", "n": 2}


async def test_events_written_before_a_crash_are_relayed_once(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    writer = make_outbox(mongo_client, jsc, namespace)
    event = writer.event(tenant="acme", event="made", data={"n": 1}, subject_id="cus_1")
    # The write lands and the process "dies" before its fast path runs.
    await things.insert_one({"_id": "a", "tenant_id": "acme", **pending_document([event])})

    relays = [make_outbox(mongo_client, jsc, namespace, grace_seconds=0) for _ in range(3)]
    counts = await asyncio.gather(*(r.relay_once() for r in relays))
    assert sum(counts) == 1  # the lease let exactly one replica take it
    assert [e["id"] for e in await published(jsc, namespace)] == [event.id]
    assert FIELD not in (await things.find_one({"_id": "a"}) or {})
    assert await relays[0].relay_once() == 0


async def test_a_publish_repeated_after_a_crash_before_marking_is_dropped_by_jetstream(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    event = outbox.event(tenant="acme", event="made", data={"n": 1})
    await things.insert_one({"_id": "a", "tenant_id": "acme", **pending_document([event])})
    # Published, then the process dies before marking it sent: the relay publishes it again.
    await outbox._send(event.id, event.stored())
    assert await outbox.relay_once() == 1
    assert [e["id"] for e in await published(jsc, namespace)] == [event.id]


async def test_an_event_added_while_another_is_marked_sent_is_not_stranded(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    first = outbox.event(tenant="acme", event="made", data={"n": 1})
    await things.insert_one({"_id": "a", "tenant_id": "acme", "n": 1, **pending_document([first])})
    # A second write adds an event before the first one's fast path marks its own.
    second = outbox.event(tenant="acme", event="changed", data={"n": 2})
    await things.update_one({"_id": "a"}, {"$set": {"n": 2, **pending_set([second])}})
    await outbox.publish(COLLECTION, "a", [first])

    doc = await things.find_one({"_id": "a"}) or {}
    assert list(doc[FIELD]) == [second.id] and DUE_MS in doc  # still visible to the relay
    assert await outbox.relay_once() == 1
    assert [e["id"] for e in await published(jsc, namespace)] == [first.id, second.id]


async def test_publishing_while_nats_is_unreachable_keeps_the_event_for_the_relay(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    nc, jsc = js
    dead = await connect(nc.connected_url.geturl() if nc.connected_url else "")
    await dead.close()
    offline = make_outbox(mongo_client, dead.jetstream(), namespace)
    event = offline.event(tenant="acme", event="made", data={"n": 1})
    await things.insert_one({"_id": "a", "tenant_id": "acme", **pending_document([event])})
    await offline.publish(COLLECTION, "a", [event])  # logs, does not raise: the change is stored

    assert event.id in ((await things.find_one({"_id": "a"})) or {})[FIELD]
    relay = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    assert await relay.relay_once() == 1
    assert [e["id"] for e in await published(jsc, namespace)] == [event.id]


async def test_a_replace_carries_over_events_not_yet_published(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    first = outbox.event(tenant="acme", event="made", data={"n": 1})
    await things.insert_one({"_id": "a", "tenant_id": "acme", "version": 1, **pending_document([first])})
    before = await things.find_one({"_id": "a"})
    second = outbox.event(tenant="acme", event="changed", data={"n": 2})
    replaced = await things.replace_one(
        {"_id": "a", "version": 1},
        {"tenant_id": "acme", "version": 2, **pending_document([second], keep=before)},
    )
    assert replaced.modified_count == 1
    assert await outbox.relay_once() == 2
    assert [e["id"] for e in await published(jsc, namespace)] == [first.id, second.id]


async def test_a_pending_insert_is_applied_once_before_the_event_that_follows_it(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    at = datetime(2026, 11, 27, 8, 30, 1, 250000, tzinfo=UTC)
    entry = outbox.insert("history", {"_id": "h1", "tenant_id": "acme", "at": at, "what": "made"})
    event = outbox.event(tenant="acme", event="made", data={"n": 1})
    await things.insert_one({"_id": "a", "tenant_id": "acme", **pending_document([entry, event])})
    # Applied once by a fast path that then died before marking, and again by the relay.
    await outbox._apply(entry.id, entry.stored())
    assert await outbox.relay_once() == 2

    history = [d async for d in mongo_client[f"{namespace}_test"]["history"].find({})]
    assert history == [{"_id": "h1", "tenant_id": "acme", "at": at, "what": "made"}]
    assert [e["id"] for e in await published(jsc, namespace)] == [event.id]


async def test_a_document_carrying_a_pending_insert_can_be_replaced(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    # The stand-in fails replace_one on documents holding binary data; pending inserts are text.
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    entry = outbox.insert("history", {"_id": "h1", "tenant_id": "acme"})
    await things.insert_one({"_id": "a", "tenant_id": "acme", "version": 1, **pending_document([entry])})
    before = await things.find_one({"_id": "a"})
    event = outbox.event(tenant="acme", event="changed", data={"n": 2})
    replaced = await things.replace_one(
        {"_id": "a", "version": 1},
        {"tenant_id": "acme", "version": 2, **pending_document([event], keep=before)},
    )
    assert replaced.modified_count == 1
    assert await outbox.relay_once() == 2
    assert await mongo_client[f"{namespace}_test"]["history"].count_documents({}) == 1
    assert [e["id"] for e in await published(jsc, namespace)] == [event.id]


async def test_a_write_alone_in_its_outbox_is_marked_sent_in_one_guarded_update(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    entry = outbox.insert("history", {"_id": "h1", "tenant_id": "acme"})
    event = outbox.event(tenant="acme", event="made", data={"n": 1})
    await things.insert_one({"_id": "a", "tenant_id": "acme", "n": 1})
    await things.update_one({"_id": "a"}, {"$set": {"n": 2, **pending_set([entry, event], rev="rev-a")}})

    marked = await outbox.publish_many(COLLECTION, [("a", [entry, event])], alone={"a": "rev-a"})

    assert marked == {"a"}
    assert await things.find_one({"_id": "a"}) == {"_id": "a", "tenant_id": "acme", "n": 2}
    assert await mongo_client[f"{namespace}_test"]["history"].count_documents({}) == 1
    assert [e["id"] for e in await published(jsc, namespace)] == [event.id]
    assert await outbox.relay_once() == 0


async def test_an_alone_guard_that_misses_leaves_the_other_writers_event_pending(
    js: tuple[NATS, JetStreamContext],
    things: AsyncCollection[dict[str, Any]],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    namespace: str,
) -> None:
    _, jsc = js
    outbox = make_outbox(mongo_client, jsc, namespace, grace_seconds=0)
    first = outbox.event(tenant="acme", event="made", data={"n": 1})
    await things.insert_one({"_id": "a", "tenant_id": "acme", "n": 1})
    await things.update_one({"_id": "a"}, {"$set": {"n": 1, **pending_set([first], rev="rev-1")}})
    # Another writer adds its event (a new revision) before the first one's events are marked sent.
    second = outbox.event(tenant="acme", event="changed", data={"n": 2})
    await things.update_one({"_id": "a"}, {"$set": {"n": 2, **pending_set([second])}})

    assert await outbox.publish_many(COLLECTION, [("a", [first])], alone={"a": "rev-1"}) == {"a"}

    doc = await things.find_one({"_id": "a"}) or {}
    assert list(doc[FIELD]) == [second.id] and DUE_MS in doc  # still visible to the relay
    assert await outbox.relay_once() == 1
    assert [e["id"] for e in await published(jsc, namespace)] == [first.id, second.id]
