"""Every kind of tags event is stored with its change: a fast path that never runs loses none of them.

The writes below go through the service's own stores with an outbox whose NATS connection is closed
(as if the process died right after each write); the running service's relay then publishes what they
stored, each event once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.tags.v1 import tags_pb2 as T
from nats.js import JetStreamContext

from common import bus
from common.outbox import FIELD, Outbox
from services.tags.app import CONFIG, DEFINITION
from services.tags.heard.conversations import inputs_from_event_data
from services.tags.heard.listening import ConversationOperations
from services.tags.heard.store import CONVERSATIONS, SUGGESTIONS, ConversationStore
from services.tags.model import TagDef
from services.tags.operations import TagOperations
from services.tags.store import DEFINITIONS, TagStore
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.conversation_helpers import CALLBACK, HEDGED, LIBRARY, SURE, define_library
from tests.support.events import connect
from tests.support.rpc import metadata

MD = metadata("acme")


async def offline_operations(tags: TagsClient, nats_url: str, namespace: str) -> ConversationOperations:
    """The service's stores behind an outbox that cannot reach NATS."""
    db = tags.running.runtime.db
    dead = await connect(nats_url)
    await dead.close()
    outbox = Outbox(
        db, dead.jetstream(), root=namespace, service="tags", collections=DEFINITION.outbox_collections
    )
    return ConversationOperations(
        ConversationStore(db),
        TagOperations(TagStore(db), outbox),
        CONFIG,
        customers=tags.running.runtime.customers,
    )


async def tags_events(js: JetStreamContext, namespace: str) -> list[dict[str, Any]]:
    stream = bus.stream_name(namespace, "evt")
    info = await js.stream_info(stream)
    events = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else ():
        msg = await js.get_msg(stream, seq)
        assert msg.data is not None
        events.append(json.loads(msg.data))
    return [e for e in events if e["source"] == "crm/tags"]


async def settled(js: JetStreamContext, namespace: str, count: int) -> list[dict[str, Any]]:
    """The tags events once at least `count` are stored, and a moment more for any repeat to show."""
    async with asyncio.timeout(30):
        while True:
            if len(await tags_events(js, namespace)) >= count:
                break
            await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    return await tags_events(js, namespace)


async def test_a_definition_change_whose_publish_failed_is_relayed_once(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    ops = await offline_operations(tags, nats_url, namespace)
    candidate = TagDef(key="vip", display_name="VIP", category="marketing", value_type="flag")
    await ops.tags.define_tag("acme", candidate)
    doc = await tags.running.runtime.db[DEFINITIONS].find_one({"_id": "acme/vip"})
    assert doc is not None and len(doc[FIELD]) == 1  # the event waits in the definition

    nc = await connect(nats_url)
    try:
        events = await settled(nc.jetstream(), namespace, 1)
    finally:
        await nc.close()
    assert [(e["type"], e["data"]["key"]) for e in events] == [("crm.tags.definition_changed.v1", "vip")]
    listed = await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=MD)
    assert [d.display_name for d in listed.definitions] == ["VIP"]
    doc = await tags.running.runtime.db[DEFINITIONS].find_one({"_id": "acme/vip"})
    assert doc is not None and FIELD not in doc


async def test_an_ingest_whose_publishes_all_failed_is_announced_once_by_the_relay(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await define_library(tags)
    nc = await connect(nats_url)
    js = nc.jetstream()
    try:
        before = len(await settled(js, namespace, len(LIBRARY)))  # the library's definitions
        ops = await offline_operations(tags, nats_url, namespace)
        customer = await tags.customer()
        data = {
            "id": "call-relay-1",
            "customer_id": customer,
            "channel": "call",
            "started_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "time_zone": "Asia/Shanghai",
            "turns": [{"speaker": "customer", "text": SURE + HEDGED + CALLBACK, "offset_ms": 0}],
        }
        [outcome] = await ops.ingest("acme", inputs_from_event_data(data, maximum=1))
        db = tags.running.runtime.db
        waiting = await db[CONVERSATIONS].find_one({"_id": "acme/call-relay-1"})
        assert waiting is not None and len(waiting[FIELD]) == 2  # callback_promised, conversation_ingested
        [pending] = outcome.suggested
        assert len(((await db[SUGGESTIONS].find_one({"_id": f"acme/{pending.id}"})) or {})[FIELD]) == 2

        expected = len(outcome.applied) + 3
        events = (await settled(js, namespace, before + expected))[before:]
    finally:
        await nc.close()

    assert len({e["id"] for e in events}) == len(events) == expected
    assert Counter(e["type"] for e in events) == {
        "crm.tags.assigned.v1": len(outcome.applied),
        "crm.tags.suggested.v1": 1,
        "crm.tags.callback_promised.v1": 1,
        "crm.tags.conversation_ingested.v1": 1,
    }
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    assert sorted(e.action for e in history.entries) == sorted(
        ["assigned"] * len(outcome.applied) + ["suggested"]
    )
