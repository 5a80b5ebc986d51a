"""Re-scoring every customer of a tenant after a new model version: in the background, resumable.

1. Storing version n (services/intent/model_admin.py) schedules the `intent.model_rescore` timer of
   the tenant (one timer per tenant: a newer version moves it), then stores the version, then
   creates the progress record (`intent_model_rescores`, state RUNNING, `total` customers) and marks
   older RUNNING records SUPERSEDED.
2. Each firing (`step`) takes the next `BATCH` customers of the tenant in id order after the record's
   `cursor` and re-scores them through `IntentEngine.update(..., cause="model")`: the aggregates are
   rebuilt from the customer's stored signals under the current model, so the level, its
   `level_changed`, the history entry (cause MODEL) and the decay timer follow as for any write.
   Then it advances the cursor with a guarded update and schedules the next batch, or marks DONE.

**Crashes and replicas.** The step always works on the tenant's *current* version (read fresh), so a
lost timer payload or a version whose insert failed never strands a re-score. A customer whose
aggregate already carries the current version is skipped, so re-running a batch after a crash (or a
second replica running it) re-scores nobody twice; the cursor moves only if it is where the step read
it, so `done` counts each batch once. Until the re-score reaches a customer, reads score its stored
aggregates with the version they were built with (`ModelSource.version`), so a score never mixes
models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from common.scheduler import Scheduler
from common.timeutil import to_ms, utcnow
from services.intent.aggregate import IntentState
from services.intent.engine import IntentEngine
from services.intent.model import IntentModel
from services.intent.model_store import ModelStore, version_id
from services.intent.store import IntentStore

RESCORE_MODEL_KIND = "intent.model_rescore"
TIMER_KEY = "model"
BATCH = 100  # customers per firing: well inside the scheduler's handler timeout on the stand-in
RESCORE_DELAY = timedelta(seconds=2)  # > the current-model cache TTL: every replica has the version
RUNNING, DONE, SUPERSEDED = "running", "done", "superseded"


@dataclass(frozen=True, kw_only=True)
class Progress:
    version: int
    state: str
    done: int
    total: int
    started_ms: int
    finished_ms: int = 0
    cursor: str = ""


class RescoreRunner:
    """Starts, steps and reports the re-score of a tenant's customers under its current model."""

    def __init__(
        self,
        *,
        engine: IntentEngine,
        store: IntentStore,
        models: ModelStore,
        scheduler: Scheduler,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._scores = store.scores
        self._models = models
        self._records: AsyncCollection[dict[str, Any]] = models.rescores
        self._scheduler = scheduler
        self._clock = clock

    async def schedule(self, tenant: str, version: int) -> None:
        """Before storing `version`: the timer that will re-score (harmless if the store fails)."""
        await self._scheduler.schedule(
            tenant=tenant,
            kind=RESCORE_MODEL_KIND,
            key=TIMER_KEY,
            due_at=self._clock() + RESCORE_DELAY,
            payload={"version": version},
        )

    async def begin(self, tenant: str, version: int) -> Progress:
        """After storing `version`: its progress record (created once), older re-scores superseded."""
        await self._records.update_many(
            {"tenant_id": tenant, "state": RUNNING, "version": {"$lt": version}},
            {"$set": {"state": SUPERSEDED, "finished_ms": to_ms(self._clock())}},
        )
        existing = await self.progress(tenant, version)
        if existing is not None:
            return existing
        total = await self._scores.count_documents({"tenant_id": tenant})  # once per version
        record = Progress(
            version=version, state=RUNNING, done=0, total=total, started_ms=to_ms(self._clock())
        )
        try:
            await self._records.insert_one(
                {"_id": version_id(tenant, version), "tenant_id": tenant, **record.__dict__}
            )
        except DuplicateKeyError:
            return await self.progress(tenant, version) or record
        return record

    async def progress(self, tenant: str, version: int) -> Progress | None:
        doc = await self._records.find_one({"_id": version_id(tenant, version)})
        return _progress(doc) if doc else None

    async def latest(self, tenant: str, versions: list[int]) -> dict[int, Progress]:
        """Progress of several versions in one query (the versions page)."""
        cursor = self._records.find({"_id": {"$in": [version_id(tenant, v) for v in versions]}})
        return {int(doc["version"]): _progress(doc) async for doc in cursor}

    async def step(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """The timer's handler: re-score the next batch of customers under the current version."""
        current = (await self._models.current_stored(tenant, fresh=True)).model
        if current.version == 0:
            return
        record = await self.begin(tenant, current.version)
        if record.state != RUNNING:
            return
        customers = await self._next_customers(tenant, after=record.cursor)
        if customers:
            await self._engine.update(tenant, customers, self._rebuild(tenant), cause="model")
        finished = len(customers) < BATCH
        changes: dict[str, Any] = {"cursor": customers[-1] if customers else record.cursor}
        if finished:
            changes.update(state=DONE, finished_ms=to_ms(self._clock()))
        moved = await self._records.update_one(
            {"_id": version_id(tenant, current.version), "state": RUNNING, "cursor": record.cursor},
            {"$set": changes, "$inc": {"done": len(customers)}},
        )
        if moved.modified_count and not finished:
            await self._scheduler.schedule(
                tenant=tenant,
                kind=RESCORE_MODEL_KIND,
                key=TIMER_KEY,
                due_at=self._clock(),
                payload={"version": current.version},
            )

    async def _next_customers(self, tenant: str, *, after: str) -> list[str]:
        cursor = (
            self._scores.find({"tenant_id": tenant, "customer_id": {"$gt": after}}, {"customer_id": 1})
            .sort("customer_id", 1)
            .limit(BATCH)
        )
        return [doc["customer_id"] async for doc in cursor]

    def _rebuild(self, tenant: str) -> Any:
        engine, clock = self._engine, self._clock

        async def rebuild(
            state: IntentState, doc: dict[str, Any] | None, model: IntentModel
        ) -> tuple[IntentState, list[Any]] | None:
            if doc is None or state.model_version == model.version:
                return None  # nothing stored, or already re-scored (a re-run after a crash)
            return await engine.rebuild(tenant, state.customer_id, model=model, now_ms=to_ms(clock())), []

        return rebuild


def _progress(doc: dict[str, Any]) -> Progress:
    done = int(doc.get("done", 0))
    return Progress(
        version=int(doc["version"]),
        state=str(doc.get("state", RUNNING)),
        done=done,
        total=max(int(doc.get("total", 0)), done),  # customers who arrived during the run count too
        started_ms=int(doc.get("started_ms", 0)),
        finished_ms=int(doc.get("finished_ms", 0)),
        cursor=str(doc.get("cursor", "")),
    )
