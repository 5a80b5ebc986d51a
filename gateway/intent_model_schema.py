"""The tenant's intent scoring model in the schema: read it and its versions, change it (admin).

`gateway.schema` mixes these into its root types. The intent service merges, validates, versions
and re-scores (services/intent/model_admin.py); its field paths already use GraphQL spelling
(`input.surge.windowDays`), except the few top-level arguments renamed here.
"""

from __future__ import annotations

from typing import Any

import strawberry
from crm.intent.v1 import intent_pb2

from gateway.context import GatewayInfo
from gateway.errors import GatewayError
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.types.intent_model import (
    IntentDataMigration,
    IntentModel,
    IntentModelConnection,
    IntentModelEdge,
    IntentModelInput,
)
from gateway.types.pagination import PageInfo
from gateway.validation import require_page_size

DEFAULT_VERSIONS_PAGE = 20
MAX_VERSIONS_PAGE = 100  # a page of versions; the service's ceiling (200) covers a page plus its skip
_RENAMED = {"expected_version": "expectedVersion", "page_token": "after"}


async def call_intent(info: GatewayInfo, method: str, request: Any) -> Any:
    """Call the intent service, with the error's field paths in GraphQL spelling."""
    try:
        return await info.context.caller.call("intent", method, request)
    except GatewayError as err:
        for f in (err.extensions or {}).get("fields") or []:
            f["field"] = _RENAMED.get(f["field"], f["field"])
        raise


@strawberry.type
class IntentModelQuery:
    @strawberry.field(
        description="Your tenant's intent scoring model: the current one, or `version` (0: the house "
        "model); NOT_FOUND for a version never stored",
        extensions=requires("Query.intentModel"),
    )
    async def intent_model(self, info: GatewayInfo, version: int | None = None) -> IntentModel | None:
        request = intent_pb2.GetIntentModelRequest()
        if version is not None:
            request.version = version
        return IntentModel.from_proto(await call_intent(info, "GetIntentModel", request))

    @strawberry.field(
        description="Every stored version of your tenant's model, newest first (a Relay connection)",
        extensions=requires("Query.intentModelVersions"),
    )
    async def intent_model_versions(
        self, info: GatewayInfo, first: int = DEFAULT_VERSIONS_PAGE, after: str | None = None
    ) -> IntentModelConnection:
        first = require_page_size(first, maximum=min(info.context.settings.max_page_size, MAX_VERSIONS_PAGE))

        async def fetch(token: str, size: int) -> tuple[list[IntentModel], str]:
            request = intent_pb2.ListIntentModelVersionsRequest(page_size=size, page_token=token)
            reply = await call_intent(info, "ListIntentModelVersions", request)
            return [IntentModel.from_proto(v) for v in reply.versions], reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=MAX_VERSIONS_PAGE)
        return IntentModelConnection(
            edges=[IntentModelEdge(node=n, cursor=c) for n, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="How far the one-off upgrade of your tenant's intent data stored before the "
        "incremental scores is (admin; docs/intent-scoring.md)",
        extensions=requires("Query.intentDataMigration"),
    )
    async def intent_data_migration(self, info: GatewayInfo) -> IntentDataMigration:
        reply = await call_intent(info, "GetDataMigration", intent_pb2.GetDataMigrationRequest())
        return IntentDataMigration.from_proto(reply)


@strawberry.type
class IntentModelMutation:
    @strawberry.mutation(
        description="Change your tenant's intent model: only the fields sent change. It is stored as the "
        "next version (with you, the time and `note`) and every customer is re-scored in the background "
        "(`rescore`). `expectedVersion`: refuse with CONFLICT if someone saved another version meanwhile",
        extensions=requires("Mutation.updateIntentModel"),
    )
    async def update_intent_model(
        self,
        info: GatewayInfo,
        input: IntentModelInput,
        note: str = "",
        expected_version: int | None = None,
    ) -> IntentModel:
        request = intent_pb2.UpdateIntentModelRequest(input=input.to_proto(), note=note)
        if expected_version is not None:
            request.expected_version = expected_version
        return IntentModel.from_proto(await call_intent(info, "UpdateIntentModel", request))
