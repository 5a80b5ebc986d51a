"""The one-off upgrade of intent data stored before the incremental engine: it would otherwise score 0.

Before the day-bucket aggregates (services/intent/aggregate.py), signals were stored with dates only
(`occurred_at`, `received_at`; no `at_ms`, so every window query of the new code misses them) and a
customer's `scores` document held just the last score (`score`, `level`, `computed_at`; no buckets, so
reads decay nothing to 0). After an upgrade every such customer would read 0 / LOW.

**What runs.** At service start (`schedule`, an `on_start` hook) the first replica to find no marker
schedules one `intent.migrate` timer per tenant that has signals (runtime.scheduler, so each tenant's
work runs on one replica at a time and survives restarts), then writes the marker: later starts do
nothing. Each firing works for up to `STEP_SECONDS`, then makes its timer due again:

1. **Signals**: batches of `SIGNAL_BATCH` signals without `at_ms` get `occurred_ms`, `received_ms` and
   `at_ms` = min(occurred, received) — exactly what `IntentStore.insert_signals` stores today.
2. **Aggregates**: the tenant's customers with signals, `BATCH` at a time in id order, are rebuilt from
   their stored signals through the model re-score's path (rescoring.window_signals, engine.rebuild,
   `IntentEngine.update(..., cause="model")`: the score, level, history entry and decay timer follow as
   for any write) when their document predates the engine (`computed_at` and no `migrated_ms`), is
   missing, or never had a signal added (`applied` 0). Rebuilt documents get `migrated_ms`.

**Resumable, idempotent.** Progress (phase, cursor, counts) is a document per tenant in
`intent_migrations`, advanced after each batch; a crash re-runs at most one batch, and re-running one
changes nothing (phase 1 only touches signals still without `at_ms`; phase 2 skips `migrated_ms`). A
customer whose document the new engine already changed (its `recent_ids`) is rebuilt only once those
signals are stored (they are stored right after their write), from a fresh read of its signals.

**Visible** as that progress document (`state` signals/aggregates/done, `signals_done`,
`customers_done`), to admins through GraphQL `intentDataMigration` (gRPC GetDataMigration), and as log
lines at each step and at the end (there is no metrics library in this code base).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.errors import Unavailable
from common.ids import is_valid_tenant
from common.scheduler import Scheduler, Timer
from common.timeutil import as_utc, to_ms, utcnow
from services.intent.aggregate import IntentState
from services.intent.model import IntentModel
from services.intent.rescoring import window_signals

if TYPE_CHECKING:  # the engine may import this module (an upgrade of old documents on ingest)
    from services.intent.engine import IntentEngine, StepResult

log = logging.getLogger(__name__)

MIGRATE_KIND = "intent.migrate"
VERSION = "aggregates-v1"  # a later migration takes another version (and its own marker)
MIGRATIONS = "intent_migrations"
MARKER = f"scheduled|{VERSION}"
PENDING, SIGNALS_PHASE, AGGREGATES_PHASE, DONE = "pending", "signals", "aggregates", "done"
SIGNAL_BATCH = 500
BATCH = 100  # customers per rebuild write, as the model re-score
STEP_SECONDS = 3.0  # well inside the scheduler's handler timeout


def migrated_fields(doc: dict[str, Any]) -> dict[str, int] | None:
    """The new-shape time fields of an old signal document (None when it has them already)."""
    if "at_ms" in doc:
        return None
    occurred = doc.get("occurred_at")
    received = doc.get("received_at")
    occurred_ms = to_ms(as_utc(occurred)) if isinstance(occurred, datetime) else 0
    received_ms = to_ms(as_utc(received)) if isinstance(received, datetime) else occurred_ms
    return {"occurred_ms": occurred_ms, "received_ms": received_ms, "at_ms": min(occurred_ms, received_ms)}


def predates_engine(doc: dict[str, Any] | None) -> bool:
    """A `scores` document written before the aggregates and not migrated yet (its buckets hold nothing)."""
    return (
        doc is not None and "computed_at" in doc and "migrated_ms" not in doc and not doc.get("merged_into")
    )


async def date_signals(signals: AsyncCollection[dict[str, Any]], query: dict[str, Any], *, limit: int) -> int:
    """Give up to `limit` old signals matching `query` their time fields; how many were changed."""
    cursor = signals.find({**query, "at_ms": {"$exists": False}})
    if limit:
        cursor = cursor.limit(limit)
    ops = []
    async for doc in cursor:
        fields = migrated_fields(doc)
        if fields is not None:
            ops.append(UpdateOne({"_id": doc["_id"], "at_ms": {"$exists": False}}, {"$set": fields}))
    if not ops:
        return 0
    result = await signals.bulk_write(ops, ordered=False)
    return max(result.modified_count, 1)  # another writer may have dated them: still progress


async def migrate_customer(
    engine: IntentEngine,
    tenant: str,
    customer_id: str,
    doc: dict[str, Any] | None,
    *,
    model: IntentModel,
    now_ms: int,
) -> tuple[IntentState, dict[str, Any]]:
    """One old customer upgraded on the spot, for a write that reaches it before the migration does
    (a profile or contact fact): its signals dated, its aggregates rebuilt, and the field saying so.
    Without it that write would plan from empty aggregates and announce a level drop to LOW."""
    await _require_stored(engine, tenant, customer_id, doc)
    await date_signals(engine.store.signals, {"tenant_id": tenant, "customer_id": customer_id}, limit=0)
    state = await engine.rebuild(tenant, customer_id, model=model, now_ms=now_ms)
    return state, {"migrated_ms": now_ms}


def needs_rebuild(doc: dict[str, Any] | None) -> bool:
    """Whether a customer with stored signals has an aggregate that does not hold them (module doc)."""
    if doc is None:
        return True
    if doc.get("merged_into") or "migrated_ms" in doc:
        return False  # a merged duplicate keeps its signals but not its intent; or done already
    return "computed_at" in doc or int(doc.get("applied", 0)) == 0


class Migration:
    """Schedules and steps the upgrade of one service's intent database (module docstring)."""

    def __init__(
        self,
        *,
        engine: IntentEngine,
        db: AsyncDatabase[dict[str, Any]],
        scheduler: Scheduler,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._signals = engine.store.signals
        self._records: AsyncCollection[dict[str, Any]] = db[MIGRATIONS]
        self._scheduler = scheduler
        self._clock = clock

    async def schedule(self) -> None:
        """At start: unless scheduled before, one timer per tenant with signals, then the marker.

        Timers first, marker second: a crash in between schedules them again at the next start (the
        same keys, so it moves them; the steps are idempotent)."""
        if await self._records.find_one({"_id": MARKER}) is not None:
            return
        found = await self._signals.distinct("tenant_id")
        tenants = sorted(t for t in found if isinstance(t, str) and is_valid_tenant(t))
        now = self._clock()
        await self._scheduler.schedule_many(
            [Timer(tenant=t, kind=MIGRATE_KIND, key=VERSION, due_at=now) for t in tenants]
        )
        with contextlib.suppress(DuplicateKeyError):  # another replica got here too
            await self._records.insert_one({"_id": MARKER, "tenants": len(tenants), "at_ms": to_ms(now)})
        if tenants:
            log.info("intent: migrating the stored data of %d tenant(s) to the aggregates", len(tenants))

    async def progress(self, tenant: str) -> dict[str, Any] | None:
        return await self._records.find_one({"_id": _record_id(tenant)})

    async def state(self, tenant: str) -> dict[str, Any] | None:
        """The tenant's progress record; `pending` while its timer waits; None: nothing to migrate."""
        record = await self.progress(tenant)
        if record is not None:
            return record
        if await self._scheduler.pending(tenant=tenant, kind=MIGRATE_KIND, key=VERSION) is not None:
            return {"state": PENDING}
        return None

    async def step(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """The timer's handler: batches for up to `STEP_SECONDS`, then the timer is due again."""
        record = await self._begin(tenant)
        deadline = time.monotonic() + STEP_SECONDS
        customers: list[str] | None = None  # the tenant's customers with signals, read once per firing
        while record["state"] != DONE:
            if record["state"] == SIGNALS_PHASE:
                record = await self._signal_batch(tenant, record)
                continue
            if customers is None:
                # One-off: the distinct ids of the tenant's signals (a scan on the stand-in).
                found = await self._signals.distinct("customer_id", {"tenant_id": tenant})
                customers = sorted(c for c in found if isinstance(c, str))
            record = await self._aggregate_batch(tenant, record, customers)
            if record["state"] != DONE and time.monotonic() >= deadline:
                log.info(
                    "intent migration of %s: %s, %d signals and %d customers so far",
                    tenant,
                    record["state"],
                    record["signals_done"],
                    record["customers_done"],
                    extra={"fields": {"tenant_id": tenant}},
                )
                await self._scheduler.schedule(
                    tenant=tenant, kind=MIGRATE_KIND, key=VERSION, due_at=self._clock()
                )
                return
        log.info(
            "intent migration of %s done: %d signals dated, %d customers rebuilt",
            tenant,
            record["signals_done"],
            record["customers_done"],
            extra={"fields": {"tenant_id": tenant}},
        )

    async def _begin(self, tenant: str) -> dict[str, Any]:
        fresh = {
            "tenant_id": tenant,
            "version": VERSION,
            "state": SIGNALS_PHASE,
            "cursor": "",
            "signals_done": 0,
            "customers_done": 0,
            "started_ms": to_ms(self._clock()),
        }
        with contextlib.suppress(DuplicateKeyError):
            await self._records.insert_one({"_id": _record_id(tenant), **fresh})
        record = await self.progress(tenant)
        assert record is not None
        return record

    async def _signal_batch(self, tenant: str, record: dict[str, Any]) -> dict[str, Any]:
        """Date one batch of old signals; the next phase once none is left."""
        dated = await date_signals(self._signals, {"tenant_id": tenant}, limit=SIGNAL_BATCH)
        if dated:
            return await self._advance(record, {"$inc": {"signals_done": dated}})
        return await self._advance(record, {"$set": {"state": AGGREGATES_PHASE, "cursor": ""}})

    async def _aggregate_batch(
        self, tenant: str, record: dict[str, Any], everyone: list[str]
    ) -> dict[str, Any]:
        """Rebuild those of the next `BATCH` customers with signals after the cursor that need it."""
        after = str(record.get("cursor", ""))
        customers = [c for c in everyone if c > after][:BATCH]
        docs = await self._engine.store.aggregates(tenant, customers)
        todo = [c for c in customers if needs_rebuild(docs.get(c))]
        rebuilt = 0
        if todo:
            model = await self._engine.models.current(tenant)
            now_ms = to_ms(self._clock())
            signals = await window_signals(
                self._signals, tenant, todo, window_days=model.window_days, now_ms=now_ms
            )
            plans = await self._engine.update(tenant, todo, self._rebuild(tenant, signals), cause="model")
            rebuilt = len(plans)
        changes: dict[str, Any] = {"cursor": customers[-1] if customers else after}
        if len(customers) < BATCH:
            changes.update(state=DONE, finished_ms=to_ms(self._clock()))
        return await self._advance(record, {"$set": changes, "$inc": {"customers_done": rebuilt}})

    def _rebuild(self, tenant: str, signals: dict[str, list[dict[str, Any]]]) -> Any:
        engine, clock = self._engine, self._clock

        async def rebuild(
            state: IntentState, doc: dict[str, Any] | None, model: IntentModel
        ) -> StepResult | None:
            if not needs_rebuild(doc):
                return None  # another replica, or a re-run after a crash, did it
            now_ms = to_ms(clock())
            docs = signals.pop(state.customer_id, None)
            if await _require_stored(engine, tenant, state.customer_id, doc):
                docs = None  # read afresh: the batch's read may predate them
            rebuilt = await engine.rebuild(tenant, state.customer_id, model=model, now_ms=now_ms, docs=docs)
            return rebuilt, [], {"migrated_ms": now_ms}

        return rebuild

    async def _advance(self, record: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        """Apply `change` if the record is still where this step read it (else: as another left it)."""
        doc = await self._records.find_one_and_update(
            {"_id": record["_id"], "state": record["state"], "cursor": record.get("cursor", "")},
            change,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            fresh = await self._records.find_one({"_id": record["_id"]})
            assert fresh is not None
            return fresh
        return doc


async def _require_stored(
    engine: IntentEngine, tenant: str, customer_id: str, doc: dict[str, Any] | None
) -> bool:
    """If the new engine added signals to this document since the upgrade (`recent_ids`), they must be
    stored before a rebuild from the stored signals can hold them — they are, right after their write:
    until then Unavailable (the timer or the message is retried). True if it had such signals."""
    recent = set((doc or {}).get("recent_ids") or [])
    if not recent:
        return False
    if len(await engine.store.stored_ids(tenant, list(recent))) < len(recent):
        raise Unavailable(f"signals of {customer_id} are still being stored; retry")
    return True


def _record_id(tenant: str) -> str:
    return f"{tenant}|{VERSION}"
