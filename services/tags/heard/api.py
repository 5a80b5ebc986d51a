"""The conversation RPCs of crm.tags.v1.TagsService, as a mixin of the servicer: decode, call, encode."""

from __future__ import annotations

import grpc
from crm.tags.v1 import tags_pb2

from common.context import current_call
from common.errors import InvalidArgument
from common.ids import require_customer_id, require_customer_ids
from common.paging import cursor_text, cursor_time, decode_cursor, encode_cursor, page_size
from services.tags import convert
from services.tags.heard import convert as cc
from services.tags.heard.listening import ConversationOperations, IngestOutcome
from services.tags.heard.suggestions import PENDING

MAX_BATCH_CUSTOMERS = 200
MAX_PER_CUSTOMER = 20
DEFAULT_PER_CUSTOMER = 5


class ConversationServicerMixin:
    """The ten conversation methods; the servicer that inherits them sets `_conversations`."""

    _conversations: ConversationOperations

    async def IngestConversation(
        self, request: tags_pb2.IngestConversationRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.IngestConversationResponse:
        raw = cc.input_from_proto(request.conversation)
        [outcome] = await self._conversations.ingest(current_call().tenant, [(raw, "conversation")])
        return _ingest_response(outcome)

    async def ReextractConversation(
        self, request: tags_pb2.ReextractConversationRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.IngestConversationResponse:
        outcome = await self._conversations.reextract(current_call().tenant, request.conversation_id)
        return _ingest_response(outcome)

    async def GetConversation(
        self, request: tags_pb2.GetConversationRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.Conversation:
        view, definitions = await self._conversations.conversation(
            current_call().tenant, request.conversation_id
        )
        return cc.conversation_to_proto(view, definitions)

    async def ListConversations(
        self, request: tags_pb2.ListConversationsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ListConversationsResponse:
        tenant = current_call().tenant
        customer_id = require_customer_id(request.customer_id)
        size = page_size(request.page_size, default=20, maximum=100)
        cursor = decode_cursor(request.page_token)
        before = (cursor_time(cursor), cursor_text(cursor, "id")) if cursor else None
        found = await self._conversations.store.customer_conversations(
            tenant, customer_id, before=before, limit=size + 1
        )
        page = found[:size]
        token = ""
        if len(found) > size:
            token = encode_cursor({"at": page[-1].started_at.isoformat(), "id": page[-1].id})
        views, definitions = await self._conversations.views(tenant, page)
        return tags_pb2.ListConversationsResponse(
            conversations=[cc.conversation_to_proto(v, definitions) for v in views], next_page_token=token
        )

    async def BatchListConversations(
        self, request: tags_pb2.BatchListConversationsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.BatchListConversationsResponse:
        tenant = current_call().tenant
        ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH_CUSTOMERS)
        per_customer = request.per_customer or DEFAULT_PER_CUSTOMER
        if not 1 <= per_customer <= MAX_PER_CUSTOMER:
            raise InvalidArgument(
                f"per_customer must be between 1 and {MAX_PER_CUSTOMER}, got {per_customer}",
                field="per_customer",
            )
        by_customer = await self._conversations.store.latest_conversations(
            tenant, list(dict.fromkeys(ids)), per_customer=per_customer
        )
        views, definitions = await self._conversations.views(
            tenant, [c for cs in by_customer.values() for c in cs]
        )
        by_id = {v.conversation.id: v for v in views}
        return tags_pb2.BatchListConversationsResponse(
            customers=[
                tags_pb2.CustomerConversations(
                    customer_id=cid,
                    conversations=[
                        cc.conversation_to_proto(by_id[c.id], definitions) for c in by_customer[cid]
                    ],
                )
                for cid in ids
            ]
        )

    async def ListSuggestions(
        self, request: tags_pb2.ListSuggestionsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ListSuggestionsResponse:
        tenant = current_call().tenant
        customer_id = require_customer_id(request.customer_id) if request.customer_id else ""
        status = cc.status_from_proto(request.status, field="status") or PENDING
        size = page_size(request.page_size, default=50, maximum=200)
        cursor = decode_cursor(request.page_token)
        before = (cursor_time(cursor), cursor_text(cursor, "id")) if cursor else None
        found = await self._conversations.store.list_suggestions(
            tenant,
            status=status,
            customer_id=customer_id,
            conversation_id=request.conversation_id.strip(),
            tag_key=request.tag_key.strip(),
            before=before,
            limit=size + 1,
        )
        page = found[:size]
        token = ""
        if len(found) > size:
            token = encode_cursor({"at": page[-1].created_at.isoformat(), "id": page[-1].id})
        definitions = await self._conversations.suggestion_definitions(tenant, page)
        return tags_pb2.ListSuggestionsResponse(
            suggestions=[cc.suggestion_to_proto(s, definitions.get(s.tag_key)) for s in page],
            next_page_token=token,
        )

    async def ReviewSuggestion(
        self, request: tags_pb2.ReviewSuggestionRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ReviewSuggestionResponse:
        call = current_call()
        outcome = await self._conversations.review(
            call.tenant,
            request.suggestion_id,
            cc.decision_from_proto(request.decision),
            request.note,
            roles=call.roles,
            actor=call.caller,
        )
        definition = outcome.definition
        return tags_pb2.ReviewSuggestionResponse(
            suggestion=cc.suggestion_to_proto(outcome.suggestion, definition),
            assigned=[convert.assignment_to_proto(a, definition) for a in outcome.assigned],
            removed=[convert.assignment_to_proto(a, definition) for a in outcome.removed],
        )

    async def GetTagPrecision(
        self, request: tags_pb2.GetTagPrecisionRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.GetTagPrecisionResponse:
        rows, definitions = await self._conversations.precision(current_call().tenant, list(request.tag_keys))
        return tags_pb2.GetTagPrecisionResponse(
            tags=[cc.precision_to_proto(r, definitions.get(r.tag_key)) for r in rows]
        )

    async def GetConversationSettings(
        self, request: tags_pb2.GetConversationSettingsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ConversationSettings:
        return cc.settings_to_proto(await self._conversations.settings(current_call().tenant))

    async def UpdateConversationSettings(
        self, request: tags_pb2.UpdateConversationSettingsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ConversationSettings:
        call = current_call()
        updated = await self._conversations.update_settings(
            call.tenant, cc.settings_from_proto(request.settings), roles=call.roles, actor=call.caller
        )
        return cc.settings_to_proto(updated)


def _ingest_response(outcome: IngestOutcome) -> tags_pb2.IngestConversationResponse:
    definitions = outcome.definitions
    return tags_pb2.IngestConversationResponse(
        conversation=cc.conversation_to_proto(outcome.view, definitions),
        duplicate=outcome.duplicate,
        applied=[convert.assignment_to_proto(a, definitions.get(a.tag_key)) for a in outcome.applied],
        suggested=[cc.suggestion_to_proto(s, definitions.get(s.tag_key)) for s in outcome.suggested],
        skipped=[convert.skipped_to_proto(s) for s in outcome.skipped],
    )
