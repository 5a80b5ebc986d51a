"""What the conversation integration tests share: a small tag library with hints, and conversation builders."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm.tags.v1 import tags_pb2 as T
from nats.js import JetStreamContext

from common import bus, cloudevents
from common.timeutil import to_timestamp
from tests.integration.tags.conftest import TagsClient
from tests.support.rpc import metadata

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Plain customer statements of a keyword come out at 0.90 (applied at the default 0.85); hedged ones
# ("可能要SUV吧") at 0.65 (a pending suggestion).
SURE = "我想越快越好，预算二十万左右。"
HEDGED = "可能要SUV吧。"
CALLBACK = "明天下午三点再打给我吧。"


def _flag(key: str, keywords: list[str], *, group: str = "", exclusive: bool = False) -> T.DefineTagRequest:
    return T.DefineTagRequest(
        definition=T.TagDefinition(
            key=key,
            display_name=key,
            group=group,
            category=T.TAG_CATEGORY_MARKETING,
            value_type=T.TAG_VALUE_TYPE_FLAG,
            exclusive=exclusive,
            hints=T.ExtractionHints(keywords=keywords),
        )
    )


LIBRARY = [
    _flag("intent.high", ["越快越好", "马上买"], group="intent", exclusive=True),
    _flag("intent.low", ["随便问问", "不着急"], group="intent", exclusive=True),
    _flag("pref.suv", ["SUV"]),
    T.DefineTagRequest(
        definition=T.TagDefinition(
            key="budget",
            display_name="预算",
            category=T.TAG_CATEGORY_BASIC,
            value_type=T.TAG_VALUE_TYPE_NUMBER,
            hints=T.ExtractionHints(keywords=["预算"]),
        )
    ),
]


async def define_library(tags: TagsClient, *, tenant: str = "acme") -> None:
    for request in LIBRARY:
        await tags.stub.DefineTag(request, metadata=metadata(tenant))


def started(hours_ago: float = 1.0) -> datetime:
    """A conversation start `hours_ago` before now, at whole seconds (as a sender's clock would say)."""
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0)


def expected_callback(started_at: datetime, *, days: int, hour: int, minute: int = 0) -> datetime:
    """In UTC: `days` after the conversation's Shanghai date, at hour:minute Shanghai time."""
    local_day = started_at.astimezone(SHANGHAI).date() + timedelta(days=days)
    return datetime(local_day.year, local_day.month, local_day.day, hour, minute, tzinfo=SHANGHAI).astimezone(
        UTC
    )


def conversation(
    customer_id: str,
    *lines: tuple[str, str],
    conversation_id: str = "",
    started_at: datetime | None = None,
    time_zone: str = "",
    channel: int = T.CONVERSATION_CHANNEL_CALL,
) -> T.ConversationInput:
    """A proto conversation from (speaker, text) lines, "customer" or "rep"."""
    speakers = {"customer": T.SPEAKER_CUSTOMER, "rep": T.SPEAKER_REP}
    return T.ConversationInput(
        id=conversation_id,
        customer_id=customer_id,
        channel=channel,  # type: ignore[arg-type]
        started_at=to_timestamp(started_at or started()),
        time_zone=time_zone,
        turns=[T.Turn(speaker=speakers[s], text=text) for s, text in lines],  # type: ignore[misc]
        rep_id="rep_li",
    )


async def ingest(
    tags: TagsClient, request: T.ConversationInput, *, tenant: str = "acme"
) -> T.IngestConversationResponse:
    response: T.IngestConversationResponse = await tags.stub.IngestConversation(
        T.IngestConversationRequest(conversation=request), metadata=metadata(tenant)
    )
    return response


async def customer_tags(
    tags: TagsClient, customer_id: str, *, tenant: str = "acme"
) -> dict[str, T.TagAssignment]:
    response = await tags.stub.ListCustomerTags(
        T.ListCustomerTagsRequest(customer_id=customer_id), metadata=metadata(tenant)
    )
    return {t.tag_key: t for t in response.tags}


async def suggestions(
    tags: TagsClient, *, tenant: str = "acme", status: int = 0, **filters: str
) -> list[T.Suggestion]:
    response = await tags.stub.ListSuggestions(
        T.ListSuggestionsRequest(status=status, **filters),  # type: ignore[arg-type]
        metadata=metadata(tenant),
    )
    return list(response.suggestions)


async def review(
    tags: TagsClient,
    suggestion_id: str,
    decision: int,
    *,
    note: str = "",
    roles: str = "admin",
    tenant: str = "acme",
) -> T.ReviewSuggestionResponse:
    response: T.ReviewSuggestionResponse = await tags.stub.ReviewSuggestion(
        T.ReviewSuggestionRequest(suggestion_id=suggestion_id, decision=decision, note=note),  # type: ignore[arg-type]
        metadata=metadata(tenant, caller="reviewer-1", roles=roles),
    )
    return response


async def history(tags: TagsClient, customer_id: str, *, tenant: str = "acme") -> list[T.TagHistoryEntry]:
    response = await tags.stub.ListTagHistory(
        T.ListTagHistoryRequest(customer_id=customer_id, page_size=200), metadata=metadata(tenant)
    )
    return list(response.entries)


async def publish_conversations(
    js: JetStreamContext, namespace: str, data: dict[str, Any], *, tenant: str = "acme"
) -> None:
    """Publish an ingest CloudEvent as a partner would, on <root>.in.<tenant>.conversations."""
    envelope = cloudevents.make_event(
        type="com.partner.call.v1", source="partner/callcenter", tenant=tenant, data=data
    )
    await bus.publish_event(js, f"{namespace}.in.{tenant}.conversations", envelope)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    """Poll `check` until it holds (the consumer works asynchronously); fail after `within` seconds."""
    async with asyncio.timeout(within):
        # Polling the public API, as a client would: there is no in-process event to wait on.
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)
