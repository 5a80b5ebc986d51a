"""The gRPC servicer of crm.tags.v1.TagsService: decode, call the operations, encode.

Who may call each RPC is checked before it runs (`common.roles.RPC_ROLES`, in the interceptor); here
the servicer only tells the use cases whether the caller is the platform (`acting_roles` is None),
which may define system tags and claim machine provenance, or a person, who may not.
"""

from __future__ import annotations

import grpc
from crm.tags.v1 import tags_pb2, tags_pb2_grpc

from common.context import current_call
from common.customers import KnownCustomers
from common.errors import InvalidArgument
from common.ids import require_customer_id, require_customer_ids
from common.paging import cursor_text, cursor_time, decode_cursor, encode_cursor, page_size
from common.roles import acting_roles, is_platform
from services.tags import convert
from services.tags.assignments import values
from services.tags.heard.api import ConversationServicerMixin
from services.tags.heard.listening import ConversationOperations
from services.tags.library.api import LibraryServicerMixin
from services.tags.library.merging import MergeRunner
from services.tags.library.operations import LibraryOperations
from services.tags.operations import TagOperations

MAX_BATCH_CUSTOMERS = 200


class TagsServicer(LibraryServicerMixin, ConversationServicerMixin, tags_pb2_grpc.TagsServiceServicer):
    def __init__(
        self,
        ops: TagOperations,
        conversations: ConversationOperations,
        *,
        customers: KnownCustomers,
        library: LibraryOperations,
        merges: MergeRunner,
    ) -> None:
        self._ops = ops
        self._conversations = conversations
        self._customers = customers
        self._library = library  # the governed library's RPCs: services/tags/library/api.py
        self._merges = merges

    async def DefineTag(
        self, request: tags_pb2.DefineTagRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.TagDefinition:
        call = current_call()
        candidate = convert.definition_from_proto(request.definition)
        definition = await self._ops.define_tag(call.tenant, candidate, by_platform=is_platform(call))
        return convert.definition_to_proto(definition)

    async def AssignTags(
        self, request: tags_pb2.AssignTagsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.AssignTagsResponse:
        call = current_call()
        customer_id = require_customer_id(request.customer_id)
        items = convert.inputs_from_proto(request)
        roles = acting_roles(call)
        if roles is not None:
            values.check_person_provenance(items)
        # Tags go only on customers leads has in this tenant (common/customers.py).
        await self._customers.require(call.tenant, [customer_id], field="customer_id")
        result, definitions = await self._ops.assign(
            call.tenant, customer_id, items, roles=roles, actor=call.caller
        )
        return tags_pb2.AssignTagsResponse(
            assigned=[convert.assignment_to_proto(a, definitions.get(a.tag_key)) for a in result.assigned],
            replaced=[convert.assignment_to_proto(a, definitions.get(a.tag_key)) for a in result.replaced],
            skipped=[convert.skipped_to_proto(s) for s in result.skipped],
        )

    async def RemoveTag(
        self, request: tags_pb2.RemoveTagRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.RemoveTagResponse:
        call = current_call()
        customer_id = require_customer_id(request.customer_id)
        tag_key = request.tag_key.strip()
        if not tag_key:
            raise InvalidArgument("tag_key is required", field="tag_key")
        removed, definition = await self._ops.remove(
            call.tenant,
            customer_id,
            tag_key,
            roles=acting_roles(call),
            actor=call.caller,
            reason=request.reason,
        )
        return tags_pb2.RemoveTagResponse(removed=convert.assignment_to_proto(removed, definition))

    async def ListCustomerTags(
        self, request: tags_pb2.ListCustomerTagsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ListCustomerTagsResponse:
        customer_id = require_customer_id(request.customer_id)
        by_customer, definitions = await self._ops.active_tags(current_call().tenant, [customer_id])
        return tags_pb2.ListCustomerTagsResponse(
            tags=[
                convert.assignment_to_proto(a, definitions.get(a.tag_key)) for a in by_customer[customer_id]
            ]
        )

    async def BatchListCustomerTags(
        self, request: tags_pb2.BatchListCustomerTagsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.BatchListCustomerTagsResponse:
        ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH_CUSTOMERS)
        by_customer, definitions = await self._ops.active_tags(current_call().tenant, ids)
        return tags_pb2.BatchListCustomerTagsResponse(
            customers=[
                tags_pb2.CustomerTags(
                    customer_id=cid,
                    tags=[
                        convert.assignment_to_proto(a, definitions.get(a.tag_key)) for a in by_customer[cid]
                    ],
                )
                for cid in ids
            ]
        )

    async def ListTagHistory(
        self, request: tags_pb2.ListTagHistoryRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ListTagHistoryResponse:
        customer_id = require_customer_id(request.customer_id)
        size = page_size(request.page_size, default=50, maximum=200)
        cursor = decode_cursor(request.page_token)
        before = (cursor_time(cursor), cursor_text(cursor, "id")) if cursor else None
        found = await self._ops.store.history(
            current_call().tenant, customer_id, before=before, limit=size + 1
        )
        page = found[:size]
        token = ""
        if len(found) > size:
            last = page[-1]
            token = encode_cursor({"at": last.at.isoformat(), "id": last.id})
        return tags_pb2.ListTagHistoryResponse(
            entries=[convert.history_to_proto(e) for e in page], next_page_token=token
        )
