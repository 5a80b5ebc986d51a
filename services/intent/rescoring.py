"""Re-scoring every customer of a tenant after a new model version: in the background, resumable.

1. Storing version n (services/intent/model_admin.py) schedules the `intent.model_rescore` timer of
   the tenant (one timer per tenant: a newer version moves it), then stores the version, then
   creates the progress record (`intent_model_rescores`, state RUNNING, `total` customers) and marks
   older RUNNING records SUPERSEDED.
2. Each firing (`step`) takes batches of `BATCH` customers of the tenant in id order after the
   record's `cursor` (for up to `STEP_SECONDS`, then the timer is due again) and re-scores them through `IntentEngine.update(..., cause="model")`: the aggregates are
   rebuilt from the customer's stored signals under the current model, so the level, its
   `level_changed`, the history entry (cause MODEL) and the decay timer follow as for any write.
   The batch's signals are read in one query (per-customer reads scan on the stand-in). Then it
   advances the cursor with a guarded update, or marks DONE after the last batch.

**Crashes and replicas.** The step always works on the tenant's *current* version (read fresh), so a
lost timer payload or a version whose insert failed never strands a re-score. A customer whose
aggregate already carries the current version is skipped, so re-running a batch after a crash (or a
second replica running it) re-scores nobody twice; the cursor moves only if it is where the step read
it, so `done` counts each batch once. Until the re-score reaches a customer, reads score its stored
aggregates with the version they were built with (`ModelSource.version`), so a score never mixes
models.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from common.scheduler import Scheduler
from common.timeutil import to_ms, utcnow
from services.intent.aggregate import IntentState
from services.intent.model import DAY_MS, IntentModel
from services.intent.model_store import ModelStore, version_id
from services.intent.store import IntentStore

if TYPE_CHECKING:  # the engine may import migrations.py, which imports this module: no cycle
    from services.intent.engine import IntentEngine

RESCORE_MODEL_KIND = "intent.model_rescore"
TIMER_KEY = "model"
BATCH = 100  # customers per write (one signal read, one bulk write)
STEP_SECONDS = 3.0  # batches per firing until this long: well inside the scheduler's 10 s handler timeout
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
        self._signals = store.signals
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
        """The timer's handler: re-score batches of customers under the current version for up to
        `STEP_SECONDS`, then leave the rest to the next firing (another replica may take it)."""
        current = (await self._models.current_stored(tenant, fresh=True)).model
        if current.version == 0:
            return
        record = await self.begin(tenant, current.version)
        deadline = time.monotonic() + STEP_SECONDS
        while record.state == RUNNING:
            advanced = await self._batch(tenant, current, record)
            if advanced is None or advanced.state != RUNNING:
                return  # finished, or another runner moved the cursor first: it carries on
            record = advanced
            if time.monotonic() >= deadline:
                await self._scheduler.schedule(
                    tenant=tenant,
                    kind=RESCORE_MODEL_KIND,
                    key=TIMER_KEY,
                    due_at=self._clock(),
                    payload={"version": current.version},
                )
                return

    async def _batch(self, tenant: str, current: IntentModel, record: Progress) -> Progress | None:
        """Re-score the next `BATCH` customers after the cursor; the record as advanced, or None."""
        customers = await self._next_customers(tenant, after=record.cursor)
        if customers:
            signals = await self._signals_of(tenant, customers, window_days=current.window_days)
            await self._engine.update(tenant, customers, self._rebuild(tenant, signals), cause="model")
        finished = len(customers) < BATCH
        changes: dict[str, Any] = {"cursor": customers[-1] if customers else record.cursor}
        if finished:
            changes.update(state=DONE, finished_ms=to_ms(self._clock()))
        doc = await self._records.find_one_and_update(
            {"_id": version_id(tenant, current.version), "state": RUNNING, "cursor": record.cursor},
            {"$set": changes, "$inc": {"done": len(customers)}},
            return_document=ReturnDocument.AFTER,
        )
        return _progress(doc) if doc else None

    async def _next_customers(self, tenant: str, *, after: str) -> list[str]:
        cursor = (
            self._scores.find({"tenant_id": tenant, "customer_id": {"$gt": after}}, {"customer_id": 1})
            .sort("customer_id", 1)
            .limit(BATCH)
        )
        return [doc["customer_id"] async for doc in cursor]

    async def _signals_of(
        self, tenant: str, customers: list[str], *, window_days: int
    ) -> dict[str, list[dict[str, Any]]]:
        return await window_signals(
            self._signals, tenant, customers, window_days=window_days, now_ms=to_ms(self._clock())
        )

    def _rebuild(self, tenant: str, signals: dict[str, list[dict[str, Any]]]) -> Any:
        engine, clock = self._engine, self._clock

        async def rebuild(
            state: IntentState, doc: dict[str, Any] | None, model: IntentModel
        ) -> tuple[IntentState, list[Any]] | None:
            if doc is None or state.model_version == model.version:
                return None  # nothing stored, or already re-scored (a re-run after a crash)
            # A retry of the write (another replica changed the customer) reads the signals afresh.
            docs = signals.pop(state.customer_id, None)
            now_ms = to_ms(clock())
            return await engine.rebuild(tenant, state.customer_id, model=model, now_ms=now_ms, docs=docs), []

        return rebuild


async def window_signals(
    signals: AsyncCollection[dict[str, Any]],
    tenant: str,
    customers: list[str],
    *,
    window_days: int,
    now_ms: int,
) -> dict[str, list[dict[str, Any]]]:
    """A batch of customers' stored signals in the window, newest first per customer, in ONE query: on
    the stand-in a per-customer read costs a scan of the tenant's signals (bench/intent_rescore.py).
    Shared by the model re-score and the upgrade migration (services/intent/migrations.py)."""
    since = (now_ms // DAY_MS - window_days + 1) * DAY_MS
    cursor = signals.find({"tenant_id": tenant, "customer_id": {"$in": customers}, "at_ms": {"$gte": since}})
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in customers}
    async for doc in cursor:
        out[doc["customer_id"]].append(doc)
    for docs in out.values():
        docs.sort(key=lambda d: int(d["at_ms"]), reverse=True)
    return out


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
