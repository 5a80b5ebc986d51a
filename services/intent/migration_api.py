"""The GetDataMigration RPC: how far the upgrade of the tenant's pre-aggregate data is.

A mixin of `IntentApi`, like the model RPCs (services/intent/model_api.py). Admin only (common.roles):
it is an operator's view of a one-off upgrade (services/intent/migrations.py).
"""

from __future__ import annotations

import grpc
from crm.intent.v1 import intent_pb2

from common.context import current_call
from common.timeutil import from_ms, to_timestamp
from services.intent.migrations import AGGREGATES_PHASE, DONE, PENDING, SIGNALS_PHASE, VERSION, Migration

_STATE = {
    PENDING: intent_pb2.DATA_MIGRATION_STATE_PENDING,
    SIGNALS_PHASE: intent_pb2.DATA_MIGRATION_STATE_SIGNALS,
    AGGREGATES_PHASE: intent_pb2.DATA_MIGRATION_STATE_AGGREGATES,
    DONE: intent_pb2.DATA_MIGRATION_STATE_DONE,
}


class DataMigrationApi:
    _migration: Migration | None

    async def GetDataMigration(
        self, request: intent_pb2.GetDataMigrationRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.DataMigration:
        record = await self._migration.state(current_call().tenant) if self._migration else None
        if record is None:
            return intent_pb2.DataMigration(version=VERSION, state=intent_pb2.DATA_MIGRATION_STATE_NONE)
        started, finished = int(record.get("started_ms", 0)), int(record.get("finished_ms", 0))
        return intent_pb2.DataMigration(
            version=VERSION,
            state=_STATE.get(record["state"], intent_pb2.DATA_MIGRATION_STATE_UNSPECIFIED),
            signals_done=int(record.get("signals_done", 0)),
            customers_done=int(record.get("customers_done", 0)),
            started_at=to_timestamp(from_ms(started)) if started else None,
            finished_at=to_timestamp(from_ms(finished)) if finished else None,
        )
