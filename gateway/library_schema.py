"""The governed tag library in the schema: query it, change it, merge tags, read usage and dead tags.

`gateway.schema` mixes these into its root types. Every change needs `admin` or `tag_admin`
(`EDIT_LIBRARY`, checked here and again by the tags service); the library's rules (statuses,
merges, partial updates) are the service's, whose errors map to `extensions.code`. Field paths in
errors are rewritten to GraphQL spelling (`definition.display_name` → `input.displayName`).
"""

from __future__ import annotations

import re
from typing import Any

import strawberry
from crm.tags.v1 import tags_pb2

from gateway.context import GatewayInfo
from gateway.errors import GatewayError
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.types.enums import TagCategory, TagStatus, to_proto_enum
from gateway.types.library import (
    ArchiveSkip,
    ArchiveSkipReason,
    ArchiveTagsPayload,
    DeadTag,
    DeadTagConnection,
    DeadTagEdge,
    DeadTagReason,
    LibraryTag,
    LibraryTagConnection,
    LibraryTagEdge,
    TagMerge,
    TagUsage,
    UpdateTagInput,
    ValueMappingInput,
    library_tag,
)
from gateway.types.pagination import PageInfo
from gateway.types.tags import TagAssignment, TagDefinition
from gateway.validation import require_customer_id, require_page_size

DEFAULT_LIBRARY_PAGE = 50


def graphql_path(field: str, *, prefix: str = "") -> str:
    """`definition.hints.values[0].value` → `input.hints.values[0].value`; snake_case → camelCase."""
    if field.startswith("definition."):
        field = "input." + field.removeprefix("definition.")
    elif prefix and not field.startswith(prefix):
        field = prefix + field
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field)


async def call_tags(info: GatewayInfo, method: str, request: Any, *, prefix: str = "") -> Any:
    """Call the tags service, with the error's field paths in GraphQL spelling."""
    try:
        return await info.context.caller.call("tags", method, request)
    except GatewayError as err:
        fields = (err.extensions or {}).get("fields")
        if fields:
            for f in fields:
                f["field"] = graphql_path(f["field"], prefix=prefix)
        raise


@strawberry.type
class LibraryQuery:
    @strawberry.field(
        description="Your tenant's tag library with usage, filtered, in key order (a Relay connection). "
        "`search` is a case-insensitive substring of the key or display name; `status` defaults to "
        "ACTIVE and DEPRECATED",
        extensions=requires("Query.tagDefinitions"),
    )
    async def tag_definitions(
        self,
        info: GatewayInfo,
        first: int = DEFAULT_LIBRARY_PAGE,
        after: str | None = None,
        group: str | None = None,
        category: TagCategory | None = None,
        status: list[TagStatus] | None = None,
        search: str | None = None,
    ) -> LibraryTagConnection:
        maximum = info.context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)

        async def fetch(token: str, size: int) -> tuple[list[LibraryTag], str]:
            request = tags_pb2.ListTagDefinitionsRequest(
                page_size=size,
                page_token=token,
                group=group or "",
                category=to_proto_enum(category),  # type: ignore[arg-type]
                statuses=[to_proto_enum(s) for s in status or []],  # type: ignore[misc]
                text=search or "",
            )
            reply = await call_tags(info, "ListTagDefinitions", request)
            tags = [library_tag(d, u) for d, u in zip(reply.definitions, reply.usages, strict=True)]
            return tags, reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return LibraryTagConnection(
            edges=[LibraryTagEdge(node=n, cursor=c) for n, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="One tag of your library with its usage; NOT_FOUND if there is none",
        extensions=requires("Query.tag"),
    )
    async def tag(self, info: GatewayInfo, key: str) -> LibraryTag | None:
        reply = await call_tags(info, "GetTag", tags_pb2.GetTagRequest(key=key))
        return library_tag(reply.definition, reply.usage)

    @strawberry.field(
        description="Tags nobody uses: never assigned, or (unusedDays > 0) no active value and no change "
        "for that many days. System and archived tags are not listed",
        extensions=requires("Query.deadTags"),
    )
    async def dead_tags(
        self,
        info: GatewayInfo,
        unused_days: int = 0,
        first: int = DEFAULT_LIBRARY_PAGE,
        after: str | None = None,
    ) -> DeadTagConnection:
        maximum = info.context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)
        total = 0

        async def fetch(token: str, size: int) -> tuple[list[DeadTag], str]:
            nonlocal total
            request = tags_pb2.ListDeadTagsRequest(unused_days=unused_days, page_size=size, page_token=token)
            reply = await call_tags(info, "ListDeadTags", request)
            total = reply.total
            rows = [
                DeadTag(
                    definition=TagDefinition.from_proto(t.definition),
                    usage=TagUsage.from_proto(t.usage),
                    reason=DeadTagReason(t.reason),
                )
                for t in reply.tags
            ]
            return rows, reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return DeadTagConnection(
            edges=[DeadTagEdge(node=n, cursor=c) for n, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=total,
        )

    @strawberry.field(
        description="The merge of a tag into another, by the merged (source) tag's key",
        extensions=requires("Query.tagMerge"),
    )
    async def tag_merge(self, info: GatewayInfo, source_key: str) -> TagMerge | None:
        request = tags_pb2.GetTagMergeRequest(source_key=source_key)
        return TagMerge.from_proto(await call_tags(info, "GetTagMerge", request))


async def _set_status(info: GatewayInfo, key: str, status: int, reason: str) -> TagDefinition:
    request = tags_pb2.SetTagStatusRequest(key=key, status=status, reason=reason)  # type: ignore[arg-type]
    return TagDefinition.from_proto(await call_tags(info, "SetTagStatus", request))


@strawberry.type
class LibraryMutation:
    @strawberry.mutation(
        description="Change only the fields given (absent fields, hints above all, keep their value)",
        extensions=requires("Mutation.updateTag"),
    )
    async def update_tag(self, info: GatewayInfo, key: str, input: UpdateTagInput) -> TagDefinition:
        request = input.to_proto(key)
        return TagDefinition.from_proto(await call_tags(info, "UpdateTag", request, prefix="input."))

    @strawberry.mutation(
        description="Rename a tag's display name (its key never changes)",
        extensions=requires("Mutation.renameTag"),
    )
    async def rename_tag(self, info: GatewayInfo, key: str, display_name: str) -> TagDefinition:
        request = tags_pb2.UpdateTagRequest(key=key, display_name=display_name)
        try:
            return TagDefinition.from_proto(await call_tags(info, "UpdateTag", request))
        except GatewayError as err:
            for f in (err.extensions or {}).get("fields") or []:
                f["field"] = f["field"].replace("input.displayName", "displayName")
            raise

    @strawberry.mutation(
        description="Deprecate a tag: people can no longer assign it; existing values stay",
        extensions=requires("Mutation.deprecateTag"),
    )
    async def deprecate_tag(self, info: GatewayInfo, key: str, reason: str = "") -> TagDefinition:
        return await _set_status(info, key, tags_pb2.TAG_STATUS_DEPRECATED, reason)

    @strawberry.mutation(
        description="Archive a tag: nobody can assign it, it leaves the default library views; history stays",
        extensions=requires("Mutation.archiveTag"),
    )
    async def archive_tag(self, info: GatewayInfo, key: str, reason: str = "") -> TagDefinition:
        return await _set_status(info, key, tags_pb2.TAG_STATUS_ARCHIVED, reason)

    @strawberry.mutation(
        description="Restore a deprecated or archived tag to active (not a merged one)",
        extensions=requires("Mutation.restoreTag"),
    )
    async def restore_tag(self, info: GatewayInfo, key: str, reason: str = "") -> TagDefinition:
        return await _set_status(info, key, tags_pb2.TAG_STATUS_ACTIVE, reason)

    @strawberry.mutation(
        description="Archive several tags (e.g. the dead-tag report's); tags saved segments use are skipped",
        extensions=requires("Mutation.archiveTags"),
    )
    async def archive_tags(self, info: GatewayInfo, keys: list[str], reason: str = "") -> ArchiveTagsPayload:
        request = tags_pb2.ArchiveTagsRequest(keys=keys, reason=reason)
        reply = await call_tags(info, "ArchiveTags", request)
        return ArchiveTagsPayload(
            archived=[TagDefinition.from_proto(d) for d in reply.archived],
            skipped=[ArchiveSkip(key=s.key, reason=ArchiveSkipReason(s.reason)) for s in reply.skipped],
        )

    @strawberry.mutation(
        description="Merge the source tag into the target: every value moves with its provenance, the "
        "history records it, the source ends archived. Large merges finish in the background (tagMerge)",
        extensions=requires("Mutation.mergeTags"),
    )
    async def merge_tags(
        self,
        info: GatewayInfo,
        source_key: str,
        target_key: str,
        value_map: list[ValueMappingInput] | None = None,
        reason: str = "",
    ) -> TagMerge:
        request = tags_pb2.MergeTagsRequest(
            source_key=source_key,
            target_key=target_key,
            value_map=[tags_pb2.ValueMapping(to=v.to, **{"from": v.from_value}) for v in value_map or []],
            reason=reason,
        )
        return TagMerge.from_proto(await call_tags(info, "MergeTags", request))

    @strawberry.mutation(
        description="Remove one tag from one customer (recorded in the history, announced as removed)",
        extensions=requires("Mutation.removeTag"),
    )
    async def remove_tag(
        self, info: GatewayInfo, customer_id: strawberry.ID, key: str, reason: str = ""
    ) -> TagAssignment:
        cid = require_customer_id(str(customer_id), field="customerId")
        await info.context.loaders.require_customers([cid])
        request = tags_pb2.RemoveTagRequest(customer_id=cid, tag_key=key, reason=reason)
        reply = await call_tags(info, "RemoveTag", request)
        return TagAssignment.from_proto(reply.removed)
