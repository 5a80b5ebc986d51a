"""Conversations in, heard tags out: over NATS and gRPC, de-duplicated, validated, and per tenant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from common.grpc_client import field_violations
from common.timeutil import iso_utc
from services.tags.config import TagsConfig
from services.tags.heard.conversations import validate_conversation
from services.tags.heard.convert import input_from_proto
from services.tags.heard.store import ConversationStore
from services.tags.operations import now_ms
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.conversation_helpers import (
    CALLBACK,
    HEDGED,
    SHANGHAI,
    SURE,
    conversation,
    customer_tags,
    define_library,
    eventually,
    expected_callback,
    history,
    ingest,
    publish_conversations,
    started,
    suggestions,
)
from tests.integration.tags.helpers import wait_for_events
from tests.support.events import connect, subscribe
from tests.support.rpc import metadata

MD = metadata("acme")


async def test_a_conversation_published_on_nats_applies_tags_suggests_and_promises_a_call_back(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await define_library(tags)
    customer = await tags.customer()
    started_at = started(hours_ago=2)
    nc = await connect(nats_url)
    try:
        events = await subscribe(nc, f"{namespace}.evt.acme.tags.>")
        await publish_conversations(
            nc.jetstream(),
            namespace,
            {
                "id": "call-20261123-0042",
                "customer_id": customer,
                "channel": "call",
                # the sender's clock, in Shanghai time with its offset
                "started_at": started_at.astimezone(SHANGHAI).isoformat(),
                "turns": [
                    {"speaker": "rep", "text": "您好，请问您考虑什么车？", "offset_ms": 0},
                    {"speaker": "customer", "text": SURE + HEDGED, "offset_ms": 4000},
                    {"speaker": "rep", "text": "好的，那我什么时候再联系您？", "offset_ms": 9000},
                    {"speaker": "customer", "text": CALLBACK, "offset_ms": 12000},
                ],
                "rep_id": "rep_li",
            },
        )

        async def stored() -> bool:
            found = await tags.stub.ListConversations(
                T.ListConversationsRequest(customer_id=customer), metadata=MD
            )
            return len(found.conversations) == 1 and found.conversations[0].HasField("extracted_at")

        await eventually(stored)
        found = await wait_for_events(events, lambda e: e["type"] == "crm.tags.callback_promised.v1", 1)
        [(callback_event, _)] = found
        [(ingested, _)] = await wait_for_events(
            events, lambda e: e["type"] == "crm.tags.conversation_ingested.v1", 1
        )
        [(suggested_event, _)] = await wait_for_events(
            events, lambda e: e["type"] == "crm.tags.suggested.v1", 1
        )
    finally:
        await nc.close()

    # Tags applied with source CONVERSATION and the sentence that justifies them.
    active = await customer_tags(tags, customer)
    assert {k: a.value for k, a in active.items()} == {"intent.high": "", "budget": "200000"}
    for tag in active.values():
        assert tag.source == T.TAG_SOURCE_CONVERSATION
        assert tag.confidence >= 0.85
        assert tag.evidence.conversation_id == "call-20261123-0042"
        assert tag.evidence.quote == "我想越快越好，预算二十万左右"
        assert tag.evidence.note.startswith("turn 1, characters 0-14: ")

    # The hedged mention waits for a person.
    [pending] = await suggestions(tags, customer_id=customer)
    assert (pending.tag_key, pending.value, pending.action, pending.status) == (
        "pref.suv",
        "",
        T.SUGGESTION_ACTION_ASSIGN,
        T.SUGGESTION_STATUS_PENDING,
    )
    assert pending.confidence < 0.85
    assert (pending.evidence.turn_index, pending.evidence.quote) == (1, "可能要SUV吧")
    assert pending.reason == 'keyword "SUV"; hedged: 可能'

    # "明天下午三点" in the tenant's time zone (Asia/Shanghai by default), in UTC.
    callback_at = expected_callback(started_at, days=1, hour=15)
    assert callback_event["subject"] == customer
    data = callback_event["data"]
    assert data == {
        "customer_id": customer,
        "conversation_id": "call-20261123-0042",
        "callback_at": iso_utc(callback_at),
        "local_time": callback_at.astimezone(SHANGHAI).isoformat(),
        "time_zone": "Asia/Shanghai",
        "qualifier": "at",
        "text": "明天下午三点",
        "quote": "明天下午三点再打给我吧",
        "turn_index": 3,
        "channel": "call",
        "rep_id": "rep_li",
        "at": iso_utc(started_at + timedelta(milliseconds=12000)),
    }
    assert data["local_time"].endswith("T15:00:00+08:00")

    assert suggested_event["data"]["suggestion_id"] == pending.id
    assert (suggested_event["data"]["action"], suggested_event["data"]["quote"]) == ("assign", "可能要SUV吧")
    assert ingested["data"]["applied"] == [
        {"tag_key": "intent.high", "value": ""},
        {"tag_key": "budget", "value": "200000"},
    ]
    assert (ingested["data"]["suggested"], ingested["data"]["callback_at"]) == (1, iso_utc(callback_at))
    assert ingested["data"]["turn_count"] == 4

    # The stored conversation carries what was heard.
    got = await tags.stub.GetConversation(
        T.GetConversationRequest(conversation_id="call-20261123-0042"), metadata=MD
    )
    facts = {f.kind: f for f in got.facts}
    assert (facts["callback_at"].value, facts["budget"].amount) == (
        iso_utc(callback_at).replace(".000", ""),
        200000,
    )
    assert [(s.tag_key, s.status) for s in got.suggestions] == [
        ("budget", T.SUGGESTION_STATUS_APPLIED),
        ("intent.high", T.SUGGESTION_STATUS_APPLIED),
        ("pref.suv", T.SUGGESTION_STATUS_PENDING),
    ]
    assert got.summary  # written from what was heard, the sender sent none


async def test_the_same_id_twice_is_a_duplicate_that_changes_nothing(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    request = conversation(customer, ("customer", SURE + HEDGED), conversation_id="wx-1")
    first = await ingest(tags, request)
    assert first.duplicate is False
    assert sorted(a.tag_key for a in first.applied) == ["budget", "intent.high"]
    assert [s.tag_key for s in first.suggested] == ["pref.suv"]
    entries = await history(tags, customer)

    # a re-send, even with other text, is recognised by its id
    again = await ingest(tags, conversation(customer, ("customer", "随便问问"), conversation_id="wx-1"))

    assert again.duplicate is True
    assert (list(again.applied), list(again.suggested), list(again.skipped)) == ([], [], [])
    assert again.conversation.turns[0].text == SURE + HEDGED
    assert len(again.conversation.suggestions) == 3
    assert await history(tags, customer) == entries
    assert len(await suggestions(tags, customer_id=customer)) == 1
    listed = await tags.stub.ListConversations(T.ListConversationsRequest(customer_id=customer), metadata=MD)
    assert [c.id for c in listed.conversations] == ["wx-1"]


async def test_a_conversation_without_an_id_gets_one(tags: TagsClient) -> None:
    response = await ingest(tags, conversation(await tags.customer(), ("customer", "你好")))
    assert response.conversation.id.startswith("cnv_")
    assert response.conversation.time_zone == "Asia/Shanghai"
    assert response.conversation.channel == T.CONVERSATION_CHANNEL_CALL


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: c.ClearField("started_at"), "conversation.started_at"),
        (lambda c: setattr(c, "channel", 0), "conversation.channel"),
        (lambda c: setattr(c, "time_zone", "Moon/Base"), "conversation.time_zone"),
        (lambda c: setattr(c.turns[1], "speaker", 0), "conversation.turns[1].speaker"),
        (lambda c: setattr(c.turns[1], "text", " "), "conversation.turns[1].text"),
        (lambda c: setattr(c, "id", "no spaces please"), "conversation.id"),
        (lambda c: setattr(c, "customer_id", "cus_x"), "conversation.customer_id"),
    ],
)
async def test_bad_input_is_invalid_argument_naming_the_field_and_stores_nothing(
    tags: TagsClient, mutate: Any, field: str
) -> None:
    await define_library(tags)
    customer = await tags.customer()
    request = conversation(customer, ("rep", "您好"), ("customer", SURE), conversation_id="bad-1")
    mutate(request)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest(tags, request)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(caught.value)] == [field]
    listed = await tags.stub.ListConversations(T.ListConversationsRequest(customer_id=customer), metadata=MD)
    assert list(listed.conversations) == []
    assert await customer_tags(tags, customer) == {}
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await tags.stub.GetConversation(T.GetConversationRequest(conversation_id="bad-1"), metadata=MD)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_malformed_message_goes_to_the_dead_letter_subject_and_its_batch_stores_nothing(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    customer = await tags.customer()
    good = {
        "id": "ok-1",
        "customer_id": customer,
        "channel": "wechat",
        "started_at": iso_utc(started()),
        "turns": [{"speaker": "customer", "text": "你好"}],
    }
    bad = {**good, "id": "bad-2", "turns": [{"speaker": "bot", "text": "hi"}]}
    nc = await connect(nats_url)
    try:
        dead = await subscribe(nc, f"{namespace}.dlq.tags")
        await publish_conversations(nc.jetstream(), namespace, {"items": [good, bad]})
        [letter] = await dead.wait_for(1)
        # a valid one afterwards is still consumed
        await publish_conversations(nc.jetstream(), namespace, {**good, "id": "ok-3"})

        async def consumed() -> bool:
            listed = await tags.stub.ListConversations(
                T.ListConversationsRequest(customer_id=customer), metadata=MD
            )
            return len(listed.conversations) > 0

        await eventually(consumed)
    finally:
        await nc.close()

    assert letter["consumer"] == "tags-conversations"
    assert letter["error"].startswith("InvalidArgument: items[1].turns[0].speaker is 'bot'")
    listed = await tags.stub.ListConversations(T.ListConversationsRequest(customer_id=customer), metadata=MD)
    assert [c.id for c in listed.conversations] == ["ok-3"]


async def test_a_re_sent_message_is_a_quiet_duplicate(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await define_library(tags)
    customer = await tags.customer()
    item = {
        "id": "resend-1",
        "customer_id": customer,
        "channel": "wecom",
        "started_at": iso_utc(started()),
        "turns": [{"speaker": "customer", "text": SURE + HEDGED}],
    }
    nc = await connect(nats_url)
    try:
        dead = await subscribe(nc, f"{namespace}.dlq.tags")
        events = await subscribe(nc, f"{namespace}.evt.acme.tags.conversation_ingested")
        await publish_conversations(nc.jetstream(), namespace, item)
        await events.wait_for(1)
        await publish_conversations(
            nc.jetstream(), namespace, item
        )  # a new CloudEvent id, the same conversation
        await publish_conversations(nc.jetstream(), namespace, {**item, "id": "resend-2"})
        await events.wait_for(2)
    finally:
        await nc.close()

    assert [e["data"]["conversation_id"] for e in events.events] == ["resend-1", "resend-2"]
    assert dead.events == []
    # one pending suggestion per conversation that heard it: the re-send added none
    pending = await suggestions(tags, customer_id=customer)
    assert sorted(s.conversation_id for s in pending) == ["resend-1", "resend-2"]


async def test_tenants_never_see_each_others_conversations_or_suggestions(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    response = await ingest(
        tags, conversation(customer, ("customer", SURE + HEDGED), conversation_id="shared-id")
    )
    [pending] = response.suggested
    other = metadata("globex")

    for call in (
        tags.stub.GetConversation(T.GetConversationRequest(conversation_id="shared-id"), metadata=other),
        tags.stub.ReextractConversation(
            T.ReextractConversationRequest(conversation_id="shared-id"), metadata=other
        ),
        tags.stub.ReviewSuggestion(
            T.ReviewSuggestionRequest(suggestion_id=pending.id, decision=T.REVIEW_DECISION_ACCEPT),
            metadata=other,
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    listed = await tags.stub.ListConversations(
        T.ListConversationsRequest(customer_id=customer), metadata=other
    )
    assert list(listed.conversations) == []
    batch = await tags.stub.BatchListConversations(
        T.BatchListConversationsRequest(customer_ids=[customer]), metadata=other
    )
    assert list(batch.customers[0].conversations) == []
    assert await suggestions(tags, tenant="globex") == []
    assert await suggestions(tags, tenant="globex", customer_id=customer) == []
    precision = await tags.stub.GetTagPrecision(T.GetTagPrecisionRequest(), metadata=other)
    assert list(precision.tags) == []

    # acme's customer does not exist in globex: nothing is heard about it there
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest(tags, conversation(customer, ("customer", "随便问问")), tenant="globex")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    # the same id is free in the other tenant, and its ingest leaves the first tenant's untouched
    their_customer = await tags.customer("globex")
    theirs = await ingest(
        tags,
        conversation(their_customer, ("customer", "随便问问"), conversation_id="shared-id"),
        tenant="globex",
    )
    assert theirs.duplicate is False
    mine = await tags.stub.GetConversation(T.GetConversationRequest(conversation_id="shared-id"), metadata=MD)
    assert mine.turns[0].text == SURE + HEDGED
    assert [s.id for s in await suggestions(tags, customer_id=customer)] == [pending.id]


async def test_a_conversation_stored_by_an_attempt_that_stopped_early_is_extracted_when_sent_again(
    tags: TagsClient,
) -> None:
    await define_library(tags)
    customer = await tags.customer()
    request = conversation(customer, ("customer", SURE), conversation_id="crash-1")
    # what an attempt that died right after storing the conversation leaves behind
    stored = validate_conversation(
        input_from_proto(request), now=now_ms(), config=TagsConfig(), default_time_zone="Asia/Shanghai"
    )
    assert await ConversationStore(tags.running.runtime.db).insert_conversation("acme", stored)

    response = await ingest(tags, request)

    assert response.duplicate is False
    assert sorted(a.tag_key for a in response.applied) == ["budget", "intent.high"]
    assert response.conversation.HasField("extracted_at")
    assert (await ingest(tags, request)).duplicate is True
