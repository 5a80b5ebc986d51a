"""The intent service's use cases: ingest signals and rescore, rescore on decay, read scores as of now.

Shared by the gRPC servicer, the NATS ingest consumer and the decay timer so every path validates,
stores, rescores and announces level changes the same way. A level move and its `level_changed`
event are one write (the event waits in the customer's `scores` document, common/outbox.py); a
customer whose level would fall with time alone has an `intent.rescore` timer at that instant
(common/scheduler.py, services/intent/decay.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from common.customers import KnownCustomers
from common.outbox import Outbox, PendingEvent
from common.scheduler import Scheduler, Timer
from common.timeutil import utcnow
from services.intent import events
from services.intent.config import IntentConfig
from services.intent.decay import RESCORE_KIND, next_level_change
from services.intent.scoring import (
    LOW,
    ScoreResult,
    ScoringModel,
    describe_reason,
    is_level_change,
    score_customer,
)
from services.intent.signals import RawSignal, Signal, validate_batch
from services.intent.store import SCORES, IntentStore, score_doc_id

log = logging.getLogger(__name__)
# A write that lost the race on a customer's level asks for a fresh rescore this soon.
LOST_RACE_RESCORE = timedelta(seconds=1)


@dataclass(frozen=True, kw_only=True)
class IngestOutcome:
    accepted: int
    duplicates: int
    signal_ids: list[str]  # in request order


class IntentEngine:
    """Validates, stores and scores signals for one service process (all tenants)."""

    def __init__(
        self,
        *,
        store: IntentStore,
        outbox: Outbox,
        scheduler: Scheduler,
        config: IntentConfig,
        model: ScoringModel,
        customers: KnownCustomers,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._scheduler = scheduler
        self._config = config
        self._model = model
        self._clock = clock
        self._customers = customers

    async def ingest_raw(self, tenant: str, raws: Sequence[RawSignal], field: str) -> IngestOutcome:
        """Validate the whole batch (bad input stores nothing), then store it and rescore its customers."""
        now = self._clock()
        signals = validate_batch(raws, now=now, config=self._config, field=field)
        # Facts about customers leads does not have in this tenant are refused (common/customers.py).
        where = "data.customer_id" if field == "data" else f"{field}[{{index}}].customer_id"
        await self._customers.require(tenant, [s.customer_id for s in signals], field=where)
        return await self.ingest(tenant, signals, now=now)

    async def ingest(self, tenant: str, signals: Sequence[Signal], *, now: datetime) -> IngestOutcome:
        """Store validated signals and rescore every customer they name.

        Customers whose signals were all duplicates are rescored too: a re-delivery after a crash
        between storing the signals and storing the score then completes the work.
        """
        accepted, duplicates = await self._store.insert_signals(tenant, signals, received_at=now)
        customers = list(dict.fromkeys(s.customer_id for s in signals))
        await self.rescore(tenant, customers, now=now)
        return IngestOutcome(accepted=accepted, duplicates=duplicates, signal_ids=[s.id for s in signals])

    async def rescore_due(self, tenant: str, customer_id: str, payload: dict[str, Any]) -> None:
        """The `intent.rescore` timer: the level may have decayed, so score as of now and record it."""
        await self.rescore(tenant, [customer_id])

    async def scores(
        self, tenant: str, customer_ids: Sequence[str], *, now: datetime | None = None
    ) -> list[ScoreResult]:
        """One score per requested id, in request order, from the signals in the window as of `now`."""
        now = now or self._clock()
        found = await self._signals(tenant, customer_ids, now=now)
        return [score_customer(cid, found[cid], model=self._model, now=now) for cid in customer_ids]

    async def rescore(self, tenant: str, customer_ids: Sequence[str], *, now: datetime | None = None) -> None:
        """Score customers as of `now`, store the results, announce level moves, set decay timers."""
        now = now or self._clock()
        found = await self._signals(tenant, customer_ids, now=now)
        results = [score_customer(cid, found[cid], model=self._model, now=now) for cid in customer_ids]
        changes_at = {cid: next_level_change(found[cid], model=self._model, now=now) for cid in customer_ids}
        # Timers go in before the score: a crash in between leaves a harmless early rescore, never
        # a stored HIGH with no timer to bring it down.
        await self._scheduler.schedule_many(
            [
                Timer(tenant=tenant, kind=RESCORE_KIND, key=cid, due_at=when)
                for cid, when in changes_at.items()
                if when is not None
            ]
        )
        previous = await self._store.stored_levels(tenant, customer_ids)
        pending = {
            r.customer_id: self._level_changed(tenant, r, previous.get(r.customer_id))
            for r in results
            if is_level_change(previous.get(r.customer_id), r.level)
        }
        won = await self._store.save_scores(tenant, results, previous=previous, events=pending)
        await asyncio.gather(
            *(
                self._outbox.publish(SCORES, score_doc_id(tenant, cid), [event])
                for cid, event in pending.items()
                if cid in won
            )
        )
        for cid, event in pending.items():
            if cid in won:
                log.info(
                    "intent level of %s moved %s -> %s",
                    cid,
                    previous.get(cid),
                    event.envelope["data"]["level"],
                    extra={"fields": {"tenant_id": tenant, "crm.customer.id": cid}},
                )
        await self._settle_timers(tenant, results, previous=previous, won=won, changes_at=changes_at)

    async def _settle_timers(
        self,
        tenant: str,
        results: Sequence[ScoreResult],
        *,
        previous: dict[str, str],
        won: set[str],
        changes_at: dict[str, datetime | None],
    ) -> None:
        # A customer now LOW needs no timer; one was expected only if the stored level was higher.
        # (A stray timer elsewhere costs one harmless rescore, which then cancels it.)
        settled_low = [
            r.customer_id
            for r in results
            if r.customer_id in won
            and changes_at[r.customer_id] is None
            and previous.get(r.customer_id, LOW) != LOW
        ]
        await self._scheduler.cancel_many(tenant=tenant, kind=RESCORE_KIND, keys=settled_low)
        # A write that lost the race read signals that may be stale: rescore from fresh data soon.
        lost = [r.customer_id for r in results if r.customer_id not in won]
        soon = self._clock() + LOST_RACE_RESCORE
        await self._scheduler.schedule_many(
            [Timer(tenant=tenant, kind=RESCORE_KIND, key=cid, due_at=soon) for cid in lost]
        )

    async def _signals(
        self, tenant: str, customer_ids: Sequence[str], *, now: datetime
    ) -> dict[str, list[Signal]]:
        found = await self._store.signals_since(tenant, customer_ids, since=now - self._model.window)
        return {cid: found.get(cid, []) for cid in customer_ids}

    def _level_changed(self, tenant: str, result: ScoreResult, previous: str | None) -> PendingEvent:
        data = events.level_changed_data(
            customer_id=result.customer_id,
            level=result.level,
            previous_level=previous,
            score=result.score,
            reason=describe_reason(result, model=self._model),
        )
        return self._outbox.event(
            tenant=tenant, event=events.LEVEL_CHANGED, data=data, subject_id=result.customer_id
        )
