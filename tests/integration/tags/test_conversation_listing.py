"""Reading what was heard: conversations and suggestions listed, filtered and paged; re-extraction."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.conversation_helpers import (
    HEDGED,
    SURE,
    conversation,
    define_library,
    history,
    ingest,
    started,
    suggestions,
)
from tests.support.rpc import metadata

MD = metadata("acme")


async def test_conversations_list_newest_first_in_pages_and_in_batches(tags: TagsClient) -> None:
    first, second = await tags.customer(), await tags.customer()
    for hours_ago, ident in ((5, "c-old"), (1, "c-new"), (3, "c-mid")):
        await ingest(
            tags,
            conversation(first, ("customer", "你好"), conversation_id=ident, started_at=started(hours_ago)),
        )
    await ingest(tags, conversation(second, ("customer", "你好"), conversation_id="c-other"))
    # within the same second as c-new: order and pages go by the millisecond
    newest = started(1) + timedelta(milliseconds=300)
    await ingest(
        tags, conversation(first, ("customer", "你好"), conversation_id="c-newest", started_at=newest)
    )

    seen: list[str] = []
    token = ""
    while True:
        page = await tags.stub.ListConversations(
            T.ListConversationsRequest(customer_id=first, page_size=2, page_token=token), metadata=MD
        )
        seen.extend(c.id for c in page.conversations)
        token = page.next_page_token
        if not token:
            break
    assert seen == ["c-newest", "c-new", "c-mid", "c-old"]

    batch = await tags.stub.BatchListConversations(
        T.BatchListConversationsRequest(customer_ids=[second, first, await tags.customer()], per_customer=2),
        metadata=MD,
    )
    assert [[c.id for c in entry.conversations] for entry in batch.customers] == [
        ["c-other"],
        ["c-newest", "c-new"],
        [],
    ]
    for bad in (
        T.BatchListConversationsRequest(customer_ids=[first], per_customer=21),
        T.BatchListConversationsRequest(customer_ids=[first] * 201),
        T.BatchListConversationsRequest(customer_ids=[]),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await tags.stub.BatchListConversations(bad, metadata=MD)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_re_extraction_hears_new_hints_and_refreshes_rather_than_duplicates(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    lines = (("customer", HEDGED), ("customer", "主要是孩子上学要用。"))
    first = await ingest(tags, conversation(customer, *lines, conversation_id="h-1"))
    [pending] = first.suggested
    entries = await history(tags, customer)

    # the tenant adds a tag with a hint: no deploy, the next extraction hears it
    await tags.stub.DefineTag(
        T.DefineTagRequest(
            definition=T.TagDefinition(
                key="family.kids",
                display_name="有孩子",
                category=T.TAG_CATEGORY_BASIC,
                value_type=T.TAG_VALUE_TYPE_FLAG,
                hints=T.ExtractionHints(keywords=["孩子"]),
            )
        ),
        metadata=MD,
    )
    again = await tags.stub.ReextractConversation(
        T.ReextractConversationRequest(conversation_id="h-1"), metadata=MD
    )

    assert [(a.tag_key, a.evidence.quote) for a in again.applied] == [("family.kids", "主要是孩子上学要用")]
    assert list(again.suggested) == []  # pref.suv was suggested before: refreshed, not new
    assert [s.id for s in await suggestions(tags, customer_id=customer)] == [pending.id]
    assert [(s.tag_key, s.display_name) for s in again.conversation.suggestions] == [
        ("pref.suv", "pref.suv"),
        ("family.kids", "有孩子"),
    ]
    new_entries = await history(tags, customer)
    assert [e.action for e in new_entries[: len(new_entries) - len(entries)]] == ["assigned"]


async def test_suggestions_filter_by_conversation_and_tag_and_page_newest_first(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    for ident in ("f-1", "f-2", "f-3"):
        await ingest(tags, conversation(customer, ("customer", SURE + HEDGED), conversation_id=ident))
    await update_threshold(tags, 0.95)  # later conversations suggest everything
    await ingest(
        tags, conversation(await tags.customer(), ("customer", "我想越快越好。"), conversation_id="f-4")
    )

    assert [s.tag_key for s in await suggestions(tags, conversation_id="f-4")] == ["intent.high"]
    by_tag = await suggestions(tags, tag_key="pref.suv")
    assert [s.conversation_id for s in by_tag] == ["f-3", "f-2", "f-1"]
    # only the first conversation applied anything: later ones heard values already active
    applied = await suggestions(tags, customer_id=customer, status=T.SUGGESTION_STATUS_APPLIED)
    assert sorted((s.conversation_id, s.tag_key) for s in applied) == [
        ("f-1", "budget"),
        ("f-1", "intent.high"),
    ]

    seen: list[str] = []
    token = ""
    while True:
        page = await tags.stub.ListSuggestions(
            T.ListSuggestionsRequest(customer_id=customer, page_size=2, page_token=token), metadata=MD
        )
        seen.extend(s.id for s in page.suggestions)
        token = page.next_page_token
        if not token:
            break
    assert seen == [s.id for s in by_tag]
    for bad in (
        T.ListSuggestionsRequest(customer_id="nope"),
        T.ListSuggestionsRequest(page_size=201),
        T.ListSuggestionsRequest(page_token="garbage"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await tags.stub.ListSuggestions(bad, metadata=MD)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def update_threshold(tags: TagsClient, threshold: float) -> None:
    await tags.stub.UpdateConversationSettings(
        T.UpdateConversationSettingsRequest(settings=T.ConversationSettings(auto_apply_threshold=threshold)),
        metadata=MD,
    )
