"""The model RPCs of IntentService (GetIntentModel, ListIntentModelVersions, UpdateIntentModel).

A mixin of `IntentApi`, kept apart so the servicer stays thin and the model's wire shape is in one
place. Roles are checked by the interceptor (`common.roles.RPC_ROLES`): reads for everyone, the
update for `admin` only.
"""

from __future__ import annotations

import grpc
from crm.intent.v1 import intent_pb2

from common.context import current_call
from common.timeutil import from_ms, to_timestamp
from services.intent.model_admin import ModelAdmin, ModelView
from services.intent.model_convert import model_to_proto
from services.intent.rescoring import DONE, RUNNING, SUPERSEDED, Progress

_STATE = {
    RUNNING: intent_pb2.MODEL_RESCORE_STATE_RUNNING,
    DONE: intent_pb2.MODEL_RESCORE_STATE_DONE,
    SUPERSEDED: intent_pb2.MODEL_RESCORE_STATE_SUPERSEDED,
}


class IntentModelApi:
    _models: ModelAdmin

    async def GetIntentModel(
        self, request: intent_pb2.GetIntentModelRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.IntentModelVersion:
        version = request.version if request.HasField("version") else None
        return model_version(await self._models.get(current_call().tenant, version))

    async def ListIntentModelVersions(
        self, request: intent_pb2.ListIntentModelVersionsRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.ListIntentModelVersionsResponse:
        views, token = await self._models.versions(
            current_call().tenant, size=request.page_size, token=request.page_token
        )
        return intent_pb2.ListIntentModelVersionsResponse(
            versions=[model_version(v) for v in views], next_page_token=token
        )

    async def UpdateIntentModel(
        self, request: intent_pb2.UpdateIntentModelRequest, context: grpc.aio.ServicerContext
    ) -> intent_pb2.IntentModelVersion:
        call = current_call()
        view = await self._models.update(
            call.tenant,
            request.input,
            actor=call.caller,
            note=request.note,
            expected_version=request.expected_version if request.HasField("expected_version") else None,
        )
        return model_version(view)


def model_version(view: ModelView) -> intent_pb2.IntentModelVersion:
    stored = view.stored
    return intent_pb2.IntentModelVersion(
        model=model_to_proto(stored.model),
        actor=stored.actor,
        note=stored.note,
        created_at=to_timestamp(from_ms(stored.created_ms)) if stored.created_ms else None,
        rescore=_rescore(view.rescore) if view.rescore else None,
        known_signal_types=view.known_types,
        current=view.current,
    )


def _rescore(p: Progress) -> intent_pb2.ModelRescore:
    return intent_pb2.ModelRescore(
        state=_STATE[p.state],
        done=p.done,
        total=p.total,
        started_at=to_timestamp(from_ms(p.started_ms)),
        finished_at=to_timestamp(from_ms(p.finished_ms)) if p.finished_ms else None,
    )
