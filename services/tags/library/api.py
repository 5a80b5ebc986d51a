"""The library part of the TagsService servicer (mixed into `services.tags.api.TagsServicer`).

Thin: decode, call `LibraryOperations` / `MergeRunner`, encode. Roles are checked per RPC before
any of this runs (`common.roles.RPC_ROLES`: EDIT_LIBRARY for every change).
"""

from __future__ import annotations

import grpc
from crm.tags.v1 import tags_pb2

from common.context import current_call
from common.errors import NotFound
from common.paging import cursor_text, decode_cursor, encode_cursor, page_size
from common.roles import is_platform
from services.tags import convert
from services.tags.library import convert as lc
from services.tags.library.merging import MergeRunner
from services.tags.library.operations import LibraryOperations
from services.tags.library.usage import require_unused_days


class LibraryServicerMixin:
    _library: LibraryOperations
    _merges: MergeRunner

    async def ListTagDefinitions(
        self, request: tags_pb2.ListTagDefinitionsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ListTagDefinitionsResponse:
        tenant = current_call().tenant
        size = page_size(request.page_size, default=100, maximum=500)
        cursor = decode_cursor(request.page_token)
        found = await self._library.store.list_definitions(
            tenant,
            after_key=cursor_text(cursor, "k") if cursor else None,
            group=request.group.strip(),
            include_archived=request.include_archived,
            category=convert.enum_name(convert._CATEGORY, request.category, field="category"),
            statuses=lc.statuses_from_proto(list(request.statuses)),
            text=request.text.strip()[:64],
            limit=size + 1,
        )
        page = found[:size]
        usage = await self._library.usage(tenant, [d.key for d in page])
        return tags_pb2.ListTagDefinitionsResponse(
            definitions=[convert.definition_to_proto(d) for d in page],
            next_page_token=encode_cursor({"k": page[-1].key}) if len(found) > size else "",
            usages=[lc.usage_to_proto(usage[d.key]) for d in page],
        )

    async def GetTag(
        self, request: tags_pb2.GetTagRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.TagDetail:
        definition, usage = await self._library.detail(current_call().tenant, request.key)
        return tags_pb2.TagDetail(
            definition=convert.definition_to_proto(definition), usage=lc.usage_to_proto(usage)
        )

    async def UpdateTag(
        self, request: tags_pb2.UpdateTagRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.TagDefinition:
        call = current_call()
        patch = lc.patch_from_proto(request)
        updated = await self._library.update(
            call.tenant, request.key.strip(), patch, by_platform=is_platform(call)
        )
        return convert.definition_to_proto(updated)

    async def SetTagStatus(
        self, request: tags_pb2.SetTagStatusRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.TagDefinition:
        call = current_call()
        status = lc.status_from_proto(request.status)
        changed = await self._library.set_status(
            call.tenant,
            request.key.strip(),
            status,
            by_platform=is_platform(call),
            actor=call.caller,
            reason=request.reason,
        )
        return convert.definition_to_proto(changed)

    async def ArchiveTags(
        self, request: tags_pb2.ArchiveTagsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ArchiveTagsResponse:
        call = current_call()
        archived, skipped = await self._library.archive_many(
            call.tenant,
            list(request.keys),
            by_platform=is_platform(call),
            actor=call.caller,
            reason=request.reason,
        )
        return tags_pb2.ArchiveTagsResponse(
            archived=[convert.definition_to_proto(d) for d in archived],
            skipped=[tags_pb2.ArchiveSkip(key=k, reason=r) for k, r in skipped],
        )

    async def ListDeadTags(
        self, request: tags_pb2.ListDeadTagsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.ListDeadTagsResponse:
        days = require_unused_days(request.unused_days)
        size = page_size(request.page_size, default=100, maximum=500)
        cursor = decode_cursor(request.page_token)
        after = cursor_text(cursor, "k") if cursor else ""
        report = await self._library.dead(current_call().tenant, unused_days=days)
        rest = [row for row in report if row[0].key > after]
        page = rest[:size]
        return tags_pb2.ListDeadTagsResponse(
            tags=[lc.dead_to_proto(*row) for row in page],
            next_page_token=encode_cursor({"k": page[-1][0].key}) if len(rest) > size else "",
            total=len(report),
        )

    async def MergeTags(
        self, request: tags_pb2.MergeTagsRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.TagMerge:
        call = current_call()
        record = await self._merges.start(
            call.tenant,
            request.source_key,
            request.target_key,
            lc.value_map_from_proto(list(request.value_map)),
            actor=call.caller,
            reason=request.reason,
        )
        return lc.merge_to_proto(record)

    async def GetTagMerge(
        self, request: tags_pb2.GetTagMergeRequest, context: grpc.aio.ServicerContext
    ) -> tags_pb2.TagMerge:
        record = await self._merges.get(current_call().tenant, request.source_key)
        if record is None:
            raise NotFound(f"tag {request.source_key!r} was never merged", field="source_key")
        return lc.merge_to_proto(record)
