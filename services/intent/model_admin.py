"""The tenant's model as people use it: read the current one or any version, list versions, change it.

A change is a patch merged onto the current model (services/intent/model_convert.py), validated as a
whole (`validate_model`, with the tenant's known signal types) before anything is stored, then stored
as the next version with who, when and why, and re-scored in the background (rescoring.py). Two
admins saving at once both land, one after the other: the loser of the version number merges its
patch onto the winner's model and tries again — unless it asked for `expected_version`, which then
fails with FAILED_PRECONDITION rather than overwrite a change its author never saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crm.intent.v1 import intent_pb2

from common.errors import Contended, FailedPrecondition, InvalidArgument, NotFound
from common.paging import decode_cursor, encode_cursor, page_size
from common.timeutil import to_ms, utcnow
from services.intent.model import validate_model
from services.intent.model_convert import merge_patch
from services.intent.model_store import ModelStore, StoredModel
from services.intent.rescoring import Progress, RescoreRunner

MAX_NOTE = 500
MAX_ATTEMPTS = 5


@dataclass(frozen=True, kw_only=True)
class ModelView:
    """One version with what a reader needs beside it: its re-score and the types a model may name."""

    stored: StoredModel
    rescore: Progress | None
    known_types: list[str]
    current: bool


class ModelAdmin:
    def __init__(
        self, *, models: ModelStore, rescores: RescoreRunner, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._models = models
        self._rescores = rescores
        self._clock = clock

    async def get(self, tenant: str, version: int | None) -> ModelView:
        """The current model (`version` None) or one version; NOT_FOUND for a version never stored."""
        current = await self._models.current_stored(tenant, fresh=True)
        if version is None:
            stored: StoredModel | None = current
        elif version < 0:
            raise InvalidArgument("version must be 0 (the house model) or above", field="version")
        else:
            stored = await self._models.stored(tenant, version)
        if stored is None:
            raise NotFound(f"the intent model has no version {version}", field="version")
        return await self._view(tenant, stored, current=stored.model.version == current.model.version)

    async def versions(self, tenant: str, *, size: int, token: str) -> tuple[list[ModelView], str]:
        """Stored versions newest first, a page at a time (the house model, version 0, is implied)."""
        size = page_size(size, default=20, maximum=200)
        cursor = decode_cursor(token)
        below = cursor.get("below") if cursor else None
        if below is not None and not isinstance(below, int):
            raise InvalidArgument("page_token is malformed", field="page_token")
        rows = await self._models.page(tenant, below=below, limit=size + 1)
        more, rows = len(rows) > size, rows[:size]
        progress = await self._rescores.latest(tenant, [r.model.version for r in rows])
        newest = (await self._models.current_stored(tenant, fresh=True)).model.version
        views = [
            ModelView(
                stored=r,
                rescore=progress.get(r.model.version),
                known_types=[],
                current=r.model.version == newest,
            )
            for r in rows
        ]
        next_token = encode_cursor({"below": rows[-1].model.version}) if more and rows else ""
        return views, next_token

    async def update(
        self,
        tenant: str,
        patch: intent_pb2.IntentModelPatch,
        *,
        actor: str,
        note: str,
        expected_version: int | None,
    ) -> ModelView:
        """Merge, validate, store as the next version, start the re-score; bad input stores nothing."""
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise InvalidArgument(f"note is longer than {MAX_NOTE} characters", field="note")
        known = await self._models.known_types(tenant)
        for _ in range(MAX_ATTEMPTS):
            current = await self._models.current_stored(tenant, fresh=True)
            if expected_version is not None and expected_version != current.model.version:
                raise FailedPrecondition(
                    f"the model is at version {current.model.version}, not {expected_version}: "
                    "someone changed it meanwhile; read it again",
                    field="expected_version",
                    metadata={"current_version": str(current.model.version)},
                )
            version = current.model.version + 1
            checked, model = merge_patch(current.model, patch, version=version)
            validate_model(checked, known_types=known, field="input")
            await self._rescores.schedule(tenant, version)
            stored = StoredModel(model=model, actor=actor, note=note, created_ms=to_ms(self._clock()))
            if await self._models.insert(tenant, stored):
                progress = await self._rescores.begin(tenant, version)
                return ModelView(stored=stored, rescore=progress, known_types=known, current=True)
        raise Contended("the intent model kept changing under this update; retry")

    async def _view(self, tenant: str, stored: StoredModel, *, current: bool) -> ModelView:
        version = stored.model.version
        rescore = await self._rescores.progress(tenant, version) if version else None
        return ModelView(
            stored=stored,
            rescore=rescore,
            known_types=await self._models.known_types(tenant),
            current=current,
        )
