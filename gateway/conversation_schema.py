"""The conversation ("heard" tags) part of the schema: queries, mutations and the suggestion feed.

`gateway.schema` mixes these into its root types. Like the rest of the gateway, resolvers check what
they can without a backend (ids, page sizes, batch sizes) and leave the rules of conversations (turn
limits, thresholds, who may review) to the tags service, whose errors map to `extensions.code`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import strawberry
from crm.tags.v1 import tags_pb2

from gateway.clients import BackendCaller
from gateway.context import GatewayInfo
from gateway.errors import SERVICE_UNAVAILABLE, GatewayError, bad_user_input
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.subscriptions import domain_events
from gateway.types.conversations import Conversation, IngestConversationPayload
from gateway.types.enums import ReviewDecision, SuggestionStatus, to_proto_enum
from gateway.types.inputs import ConversationSettingsInput, IngestConversationInput
from gateway.types.pagination import PageInfo
from gateway.types.suggestions import (
    ConversationSettings,
    ReviewSuggestionPayload,
    TagPrecision,
    TagSuggestion,
    TagSuggestionConnection,
    TagSuggestionEdge,
)
from gateway.validation import require_batch, require_customer_id, require_page_size

SUGGESTED_EVENT = "crm.tags.suggested.v1"
DEFAULT_SUGGESTIONS = 20
# ListSuggestions' own ceiling: one page is enough to find a just-announced suggestion.
SUGGESTION_LOOKUP_PAGE = 200


@strawberry.type
class ConversationQuery:
    @strawberry.field(
        description="One conversation of your tenant with its facts and suggestions",
        extensions=requires("Query.conversation"),
    )
    async def conversation(self, info: GatewayInfo, id: strawberry.ID) -> Conversation | None:
        request = tags_pb2.GetConversationRequest(conversation_id=str(id))
        return Conversation.from_proto(await info.context.caller.call("tags", "GetConversation", request))

    @strawberry.field(
        description="Conversation suggestions, newest first; pending ones unless `status` says",
        extensions=requires("Query.conversationSuggestions"),
    )
    async def conversation_suggestions(
        self,
        info: GatewayInfo,
        customer_id: strawberry.ID | None = None,
        conversation_id: strawberry.ID | None = None,
        tag_key: str | None = None,
        status: SuggestionStatus = SuggestionStatus.PENDING,
        first: int = DEFAULT_SUGGESTIONS,
        after: str | None = None,
    ) -> TagSuggestionConnection:
        context = info.context
        maximum = context.settings.max_page_size
        cid = require_customer_id(str(customer_id), field="customerId") if customer_id is not None else ""
        first = require_page_size(first, maximum=maximum)

        async def fetch(token: str, size: int) -> tuple[list[tags_pb2.Suggestion], str]:
            request = tags_pb2.ListSuggestionsRequest(
                customer_id=cid,
                conversation_id=str(conversation_id or ""),
                tag_key=tag_key or "",
                status=to_proto_enum(status),  # type: ignore[arg-type]
                page_size=size,
                page_token=token,
            )
            reply = await context.caller.call("tags", "ListSuggestions", request)
            return list(reply.suggestions), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return TagSuggestionConnection(
            edges=[TagSuggestionEdge(node=TagSuggestion.from_proto(s), cursor=c) for s, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="Per tag: accepted and rejected suggestions and the precision that follows",
        extensions=requires("Query.tagPrecision"),
    )
    async def tag_precision(self, info: GatewayInfo, tag_keys: list[str] | None = None) -> list[TagPrecision]:
        if tag_keys:
            require_batch(tag_keys, maximum=info.context.settings.max_batch, field="tagKeys")
        request = tags_pb2.GetTagPrecisionRequest(tag_keys=tag_keys or [])
        reply = await info.context.caller.call("tags", "GetTagPrecision", request)
        return [TagPrecision.from_proto(t) for t in reply.tags]

    @strawberry.field(
        description="How your tenant's conversations are listened to",
        extensions=requires("Query.conversationSettings"),
    )
    async def conversation_settings(self, info: GatewayInfo) -> ConversationSettings:
        request = tags_pb2.GetConversationSettingsRequest()
        return ConversationSettings.from_proto(
            await info.context.caller.call("tags", "GetConversationSettings", request)
        )


@strawberry.type
class ConversationMutation:
    @strawberry.mutation(
        description="Store a conversation (once per id), apply the tags heard for sure, suggest the rest",
        extensions=requires("Mutation.ingestConversation"),
    )
    async def ingest_conversation(
        self, info: GatewayInfo, input: IngestConversationInput
    ) -> IngestConversationPayload:
        cid = require_customer_id(str(input.customer_id), field="input.customerId")
        message = input.to_proto()
        await info.context.loaders.require_customers([cid])
        request = tags_pb2.IngestConversationRequest(conversation=message)
        reply = await info.context.caller.call("tags", "IngestConversation", request)
        return IngestConversationPayload.from_proto(reply)

    @strawberry.mutation(
        description="Accept or reject a suggestion; the decision is final for that customer and value",
        extensions=requires("Mutation.reviewSuggestion"),
    )
    async def review_suggestion(
        self, info: GatewayInfo, id: strawberry.ID, decision: ReviewDecision, note: str = ""
    ) -> ReviewSuggestionPayload:
        request = tags_pb2.ReviewSuggestionRequest(
            suggestion_id=str(id),
            decision=to_proto_enum(decision),  # type: ignore[arg-type]
            note=note,
        )
        reply = await info.context.caller.call("tags", "ReviewSuggestion", request)
        return ReviewSuggestionPayload.from_proto(reply)

    @strawberry.mutation(
        description="Listen to a stored conversation again with the current tag library; reviews stand",
        extensions=requires("Mutation.reextractConversation"),
    )
    async def reextract_conversation(self, info: GatewayInfo, id: strawberry.ID) -> IngestConversationPayload:
        request = tags_pb2.ReextractConversationRequest(conversation_id=str(id))
        reply = await info.context.caller.call("tags", "ReextractConversation", request)
        return IngestConversationPayload.from_proto(reply)

    @strawberry.mutation(
        description="Change the auto-apply threshold or time zone (admin only)",
        extensions=requires("Mutation.updateConversationSettings"),
    )
    async def update_conversation_settings(
        self, info: GatewayInfo, input: ConversationSettingsInput
    ) -> ConversationSettings:
        caller = info.context.caller
        if input.auto_apply_threshold is None and input.time_zone is None:
            message = "give autoApplyThreshold, timeZone or both"
            raise bad_user_input(message, fields=[{"field": "input", "message": message}])
        current = tags_pb2.ConversationSettings()
        if input.auto_apply_threshold is None or input.time_zone is None:
            # The RPC replaces the whole record: keep what the caller did not mention.
            current = await caller.call(
                "tags", "GetConversationSettings", tags_pb2.GetConversationSettingsRequest()
            )
        request = tags_pb2.UpdateConversationSettingsRequest(settings=input.merged_onto(current))
        return ConversationSettings.from_proto(
            await caller.call("tags", "UpdateConversationSettings", request)
        )


@strawberry.type
class ConversationSubscription:
    @strawberry.subscription(
        description="New conversation suggestions of your tenant, optionally one customer's",
        extensions=requires("Subscription.suggestionAdded"),
    )
    async def suggestion_added(
        self, info: GatewayInfo, customer_id: strawberry.ID | None = None
    ) -> AsyncGenerator[TagSuggestion, None]:
        principal = info.context.authenticated()
        cid = require_customer_id(str(customer_id), field="customerId") if customer_id is not None else None
        nc = info.context.services.nats
        if nc is None:
            raise GatewayError("event streaming is unavailable", code=SERVICE_UNAVAILABLE, service="nats")
        caller = info.context.caller
        events = domain_events(
            nc, root=info.context.settings.subject_root, tenant=principal.tenant, customer_id=cid
        )
        async with aclosing(events):
            async for event in events:
                if event.get("type") == SUGGESTED_EVENT and isinstance(event.get("data"), dict):
                    yield await announced_suggestion(caller, event["data"])


async def announced_suggestion(caller: BackendCaller, data: dict[str, Any]) -> TagSuggestion:
    """The full record of an announced suggestion, or what the event says when it cannot be had.

    The event carries the quote but not the span, display name or group; one ListSuggestions call
    (filtered to the conversation and tag) fetches them. If the suggestion was reviewed in between,
    or the tags service is down, subscribers still get the event's own fields.
    """
    request = tags_pb2.ListSuggestionsRequest(
        conversation_id=str(data.get("conversation_id", "")),
        tag_key=str(data.get("tag_key", "")),
        status=tags_pb2.SUGGESTION_STATUS_PENDING,
        page_size=SUGGESTION_LOOKUP_PAGE,
    )
    try:
        reply = await caller.call("tags", "ListSuggestions", request)
    except GatewayError:
        return TagSuggestion.from_event_data(data)
    wanted = str(data.get("suggestion_id", ""))
    match = next((s for s in reply.suggestions if s.id == wanted), None)
    return TagSuggestion.from_proto(match) if match is not None else TagSuggestion.from_event_data(data)
