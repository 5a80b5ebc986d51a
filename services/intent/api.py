"""The IntentService gRPC servicer: thin — decode, call the engine, encode."""

from __future__ import annotations

import grpc
from crm.intent.v1 import intent_pb2, intent_pb2_grpc

from common.context import current_call
from common.errors import InvalidArgument
from common.ids import require_customer_id, require_customer_ids
from common.paging import decode_cursor, encode_cursor, page_size
from common.timeutil import from_ms, to_timestamp
from services.intent import call_convert, calllist, convert
from services.intent.call_reads import CallLists, owners_for
from services.intent.engine import IntentEngine
from services.intent.migration_api import DataMigrationApi
from services.intent.migrations import Migration
from services.intent.model_admin import ModelAdmin
from services.intent.model_api import IntentModelApi

MAX_BATCH_GET = 200


class IntentApi(IntentModelApi, DataMigrationApi, intent_pb2_grpc.IntentServiceServicer):
    """Serves IngestSignals, GetScore and BatchGetScores (and the model RPCs) for the caller's tenant."""

    def __init__(
        self,
        engine: IntentEngine,
        *,
        models: ModelAdmin,
        calls: CallLists | None = None,
        migration: Migration | None = None,
    ) -> None:
        self._engine = engine
        self._models = models
        self._calls = calls
        self._migration = migration

    async def IngestSignals(
        self, request: intent_pb2.IngestSignalsRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.IngestSignalsResponse:
        raws = [convert.raw_signal(s) for s in request.signals]
        outcome = await self._engine.ingest_raw(current_call().tenant, raws, "signals")
        return intent_pb2.IngestSignalsResponse(
            accepted=outcome.accepted, duplicates=outcome.duplicates, signal_ids=outcome.signal_ids
        )

    async def GetScore(
        self, request: intent_pb2.GetScoreRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.IntentScore:
        customer_id = require_customer_id(request.customer_id)
        tenant = current_call().tenant
        [(result, doc)] = await self._engine.scored(tenant, [customer_id])
        surges = (
            await self._calls.surges(tenant, [customer_id], docs={customer_id: doc}) if self._calls else {}
        )
        return call_convert.with_surge(convert.intent_score(result), surges.get(customer_id))

    async def BatchGetScores(
        self, request: intent_pb2.BatchGetScoresRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.BatchGetScoresResponse:
        ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH_GET)
        tenant = current_call().tenant
        scored = await self._engine.scored(tenant, ids)
        docs = {r.customer_id: doc for r, doc in scored}
        surges = await self._calls.surges(tenant, ids, docs=docs) if self._calls else {}
        return intent_pb2.BatchGetScoresResponse(
            scores=[
                call_convert.with_surge(convert.intent_score(r), surges.get(r.customer_id)) for r, _ in scored
            ]
        )

    async def ListScoreHistory(
        self, request: intent_pb2.ListScoreHistoryRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.ListScoreHistoryResponse:
        customer_id = require_customer_id(request.customer_id)
        size = page_size(request.page_size, default=50, maximum=200)
        cursor = decode_cursor(request.page_token)
        before = None
        if cursor is not None:
            at, entry_id = cursor.get("at"), cursor.get("id")
            if not isinstance(at, int) or not isinstance(entry_id, str):
                raise InvalidArgument("page_token is malformed", field="page_token")
            before = (at, entry_id)
        found = await self._engine.store.history(
            current_call().tenant, customer_id, before=before, limit=size + 1
        )
        page = found[:size]
        token = encode_cursor({"at": page[-1]["at_ms"], "id": page[-1]["_id"]}) if len(found) > size else ""
        return intent_pb2.ListScoreHistoryResponse(
            entries=[convert.history_entry(e) for e in page], next_page_token=token
        )

    async def ListCallList(
        self, request: intent_pb2.ListCallListRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.ListCallListResponse:
        assert self._calls is not None
        call = current_call()
        owners = owners_for(call, list(request.owner_ids), all_owners=request.all_owners)
        size = page_size(request.page_size)
        got = await self._calls.page(
            call.tenant, owners=owners, cursor=decode_cursor(request.page_token), size=size
        )
        token = (
            encode_cursor(calllist.cursor_of(got.entries[-1], as_of_ms=got.as_of_ms))
            if got.has_next and got.entries
            else ""
        )
        return intent_pb2.ListCallListResponse(
            entries=[call_convert.call_entry(e) for e in got.entries],
            next_page_token=token,
            as_of=to_timestamp(from_ms(got.as_of_ms)),
            candidates_truncated=got.truncated,
        )
