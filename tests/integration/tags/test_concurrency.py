"""Concurrent writers of one customer's tags, and events that survive a fast path that never ran.

Through the real gRPC API: many AssignTags of one customer at once leave the state, the history read
back with ListTagHistory and the `assigned`/`removed` events in JetStream telling the same story, that
of some serial order of the requests.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from crm.tags.v1 import tags_pb2 as T
from nats.js import JetStreamContext

from common import bus
from common.outbox import FIELD, Outbox
from services.tags.model import AssignInput
from services.tags.operations import TagOperations
from services.tags.store import CUSTOMERS, TagStore
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import active, assign, enum_tag, flag_tag
from tests.support.events import connect
from tests.support.rpc import metadata

MD = metadata("acme")
ROUNDS = 10
WRITERS = 50
CHANGE_EVENTS = ("crm.tags.assigned.v1", "crm.tags.removed.v1")


class StoredEvents:
    """Reads the events stream incrementally: the tags' assigned/removed events, by customer, in order."""

    def __init__(self, js: JetStreamContext, namespace: str) -> None:
        self._js = js
        self._stream = bus.stream_name(namespace, "evt")
        self._next = 1
        self.by_customer: dict[str, list[dict[str, Any]]] = {}

    async def of(self, customer: str) -> list[dict[str, Any]]:
        info = await self._js.stream_info(self._stream)
        for seq in range(max(self._next, info.state.first_seq), info.state.last_seq + 1):
            msg = await self._js.get_msg(self._stream, seq)
            assert msg.data is not None
            event = json.loads(msg.data)
            if event["type"] in CHANGE_EVENTS:
                self.by_customer.setdefault(event["subject"], []).append(event)
        self._next = max(self._next, info.state.last_seq + 1)
        return list(self.by_customer.get(customer, []))


async def full_history(tags: TagsClient, customer: str) -> list[T.TagHistoryEntry]:
    """Every history entry of the customer, oldest first (ListTagHistory pages newest first)."""
    entries: list[T.TagHistoryEntry] = []
    token = ""
    while True:
        page = await tags.stub.ListTagHistory(
            T.ListTagHistoryRequest(customer_id=customer, page_size=200, page_token=token), metadata=MD
        )
        entries.extend(page.entries)
        token = page.next_page_token
        if not token:
            return entries[::-1]


def replay(history: list[T.TagHistoryEntry], exclusive: set[str]) -> dict[str, str]:
    """Replay the history as one serial order, checking each step against the state before it;
    returns the state it ends in."""
    state: dict[str, str] = {}
    for i, entry in enumerate(history):
        if entry.action == "assigned":
            assert entry.previous_value == state.get(entry.tag_key, ""), (i, entry)
            if entry.tag_key in exclusive:
                # The exclusive rivals active before it follow it, each recorded as replaced by it.
                rivals = {k for k in state if k in exclusive and k != entry.tag_key}
                following = history[i + 1 : i + 1 + len(rivals)]
                assert {e.tag_key for e in following} == rivals, (i, entry)
                assert all(
                    e.action == "replaced" and e.reason.endswith(f"replaced by {entry.tag_key}")
                    for e in following
                ), (i, entry)
            state[entry.tag_key] = entry.value
        elif entry.action == "replaced":
            assert history[i - 1].action in ("assigned", "replaced"), (i, entry)
            assert state.pop(entry.tag_key) == entry.value, (i, entry)
        else:
            raise AssertionError(f"unexpected history entry {entry}")
        if i + 1 == len(history) or history[i + 1].action != "replaced":
            assert len([k for k in state if k in exclusive]) <= 1, (i, state)
    return state


async def events_agree(stored: StoredEvents, customer: str, history: list[Any]) -> None:
    """The assigned/removed events are those of the history entries, one each (waiting for the relay)."""
    changes = {e.id: e for e in history if e.action in ("assigned", "replaced", "removed", "expired")}
    async with asyncio.timeout(30):
        while True:
            if len(await stored.of(customer)) >= len(changes):
                break
            await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # nothing more arrives: a doubled event would show now
    events = await stored.of(customer)
    assert sorted(e["data"]["history_id"] for e in events) == sorted(changes)
    for event in events:
        entry = changes[event["data"]["history_id"]]
        expected = "crm.tags.assigned.v1" if entry.action == "assigned" else "crm.tags.removed.v1"
        assert event["type"] == expected
        data = event["data"]
        assert (data["tag_key"], data["value"], data["previous_value"]) == (
            entry.tag_key,
            entry.value,
            entry.previous_value,
        )
        assert data.get("action", "assigned") == entry.action


async def test_concurrent_assignments_of_one_exclusive_group_leave_one_active_and_one_story(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    keys = [f"stage-{i}" for i in range(5)]
    for key in keys:
        await tags.stub.DefineTag(flag_tag(key, group="stage", exclusive=True), metadata=MD)
    nc = await connect(nats_url)
    stored = StoredEvents(nc.jetstream(), namespace)
    try:
        for _ in range(ROUNDS):
            customer = await tags.customer()
            responses = await asyncio.gather(
                *(
                    tags.stub.AssignTags(assign(customer, (keys[i % len(keys)], "")), metadata=MD)
                    for i in range(WRITERS)
                )
            )
            listed = await tags.stub.ListCustomerTags(
                T.ListCustomerTagsRequest(customer_id=customer), metadata=MD
            )
            history = await full_history(tags, customer)

            assert len(active(listed)) == 1
            assert replay(history, set(keys)) == active(listed)
            # Every request is accounted for: it became active once, or found its value active.
            assigned = [e for e in history if e.action == "assigned"]
            assert sum(len(r.assigned) for r in responses) == len(assigned)
            assert sum(len(r.assigned) + len(r.skipped) for r in responses) == WRITERS
            replaced = [e for e in history if e.action == "replaced"]
            assert sum(len(r.replaced) for r in responses) == len(replaced)
            await events_agree(stored, customer, history)
    finally:
        await nc.close()


async def test_concurrent_values_of_one_enum_tag_chain_their_previous_values(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    options = [f"v{i:02d}" for i in range(WRITERS)]
    await tags.stub.DefineTag(enum_tag("tier", options), metadata=MD)
    nc = await connect(nats_url)
    stored = StoredEvents(nc.jetstream(), namespace)
    try:
        for _ in range(ROUNDS):
            customer = await tags.customer()
            responses = await asyncio.gather(
                *(tags.stub.AssignTags(assign(customer, ("tier", v)), metadata=MD) for v in options)
            )
            listed = await tags.stub.ListCustomerTags(
                T.ListCustomerTagsRequest(customer_id=customer), metadata=MD
            )
            history = await full_history(tags, customer)

            assert all(len(r.assigned) == 1 for r in responses)  # every value was new when it landed
            assert [e.action for e in history] == ["assigned"] * WRITERS
            assert replay(history, set()) == active(listed)
            assert sorted(e.value for e in history) == options
            await events_agree(stored, customer, history)
    finally:
        await nc.close()


async def test_a_change_whose_fast_path_never_ran_is_announced_once_by_the_relay(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    customer = await tags.customer()
    runtime = tags.running.runtime
    # The same store, but an outbox whose NATS connection is gone: the publish after the write fails,
    # as when the process dies right after the write.
    dead = await connect(nats_url)
    await dead.close()
    offline = TagOperations(
        TagStore(runtime.db),
        Outbox(runtime.db, dead.jetstream(), root=namespace, service="tags", collections=[CUSTOMERS]),
    )
    result, _ = await offline.assign(
        "acme",
        customer,
        [AssignInput(tag_key="industry", value="retail"), AssignInput(tag_key="vip", value="")],
        roles=frozenset({"admin"}),
        actor="usr_offline",
    )
    assert len(result.assigned) == 2
    doc = await runtime.db[CUSTOMERS].find_one({"_id": f"acme/{customer}"})
    assert doc is not None and len(doc[FIELD]) == 4  # two history inserts and two events wait

    # A retry finds its values active and writes nothing, yet the first attempt's events still go out.
    retry = await tags.stub.AssignTags(assign(customer, ("industry", "retail"), ("vip", "")), metadata=MD)
    assert [s.reason for s in retry.skipped] == ["unchanged", "unchanged"]

    nc = await connect(nats_url)
    stored = StoredEvents(nc.jetstream(), namespace)
    try:
        async with asyncio.timeout(30):
            while True:
                if len(await full_history(tags, customer)) >= 2:
                    break
                await asyncio.sleep(0.2)
        history = await full_history(tags, customer)
        await events_agree(stored, customer, history)
    finally:
        await nc.close()
    assert [(e.tag_key, e.action) for e in history] == [("industry", "assigned"), ("vip", "assigned")]
    doc = await runtime.db[CUSTOMERS].find_one({"_id": f"acme/{customer}"})
    assert doc is not None and FIELD not in doc
