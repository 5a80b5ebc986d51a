"""The intent service's use cases: ingest signals and rescore, and read scores as of now.

Shared by the gRPC servicer and the NATS ingest consumer so both paths validate, store, rescore and
announce level changes the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from common.bus import EventPublisher
from common.timeutil import utcnow
from services.intent import events
from services.intent.config import IntentConfig
from services.intent.scoring import (
    ScoreResult,
    ScoringModel,
    describe_reason,
    is_level_change,
    score_customer,
)
from services.intent.signals import RawSignal, Signal, validate_batch
from services.intent.store import IntentStore

log = logging.getLogger(__name__)


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
        publisher: EventPublisher,
        config: IntentConfig,
        model: ScoringModel,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._config = config
        self._model = model
        self._clock = clock

    async def ingest_raw(self, tenant: str, raws: Sequence[RawSignal], field: str) -> IngestOutcome:
        """Validate the whole batch (bad input stores nothing), then store it and rescore its customers."""
        now = self._clock()
        signals = validate_batch(raws, now=now, config=self._config, field=field)
        return await self.ingest(tenant, signals, now=now)

    async def ingest(self, tenant: str, signals: Sequence[Signal], *, now: datetime) -> IngestOutcome:
        """Store validated signals and rescore every customer they name.

        Customers whose signals were all duplicates are rescored too: a re-delivery after a crash
        between storing and announcing then completes the announcement.
        """
        accepted, duplicates = await self._store.insert_signals(tenant, signals, received_at=now)
        customers = list(dict.fromkeys(s.customer_id for s in signals))
        results = await self.scores(tenant, customers, now=now)
        await self._record_levels(tenant, results)
        return IngestOutcome(accepted=accepted, duplicates=duplicates, signal_ids=[s.id for s in signals])

    async def scores(
        self, tenant: str, customer_ids: Sequence[str], *, now: datetime | None = None
    ) -> list[ScoreResult]:
        """One score per requested id, in request order, from the signals in the window as of `now`."""
        now = now or self._clock()
        found = await self._store.signals_since(tenant, customer_ids, since=now - self._model.window)
        return [score_customer(cid, found.get(cid, []), model=self._model, now=now) for cid in customer_ids]

    async def _record_levels(self, tenant: str, results: Sequence[ScoreResult]) -> None:
        previous = await self._store.stored_levels(tenant, [r.customer_id for r in results])
        won = await self._store.save_scores(tenant, results, previous=previous)
        changed = [
            r
            for r in results
            if r.customer_id in won and is_level_change(previous.get(r.customer_id), r.level)
        ]
        if not changed:
            return
        outcomes = await asyncio.gather(
            *(self._announce(tenant, r, previous.get(r.customer_id)) for r in changed), return_exceptions=True
        )
        failures = [(r, o) for r, o in zip(changed, outcomes, strict=True) if isinstance(o, BaseException)]
        for result, _ in failures:
            # Put the old level back so a retry (re-delivery or re-sent RPC) announces the change again.
            await self._store.restore_level(
                tenant, result.customer_id, level=result.level, previous=previous.get(result.customer_id)
            )
        if failures:
            raise failures[0][1]

    async def _announce(self, tenant: str, result: ScoreResult, previous: str | None) -> None:
        data = events.level_changed_data(
            customer_id=result.customer_id,
            level=result.level,
            previous_level=previous,
            score=result.score,
            reason=describe_reason(result, model=self._model),
        )
        await events.publish_level_changed(self._publisher, tenant=tenant, data=data)
        log.info(
            "intent level of %s moved %s -> %s",
            result.customer_id,
            previous,
            result.level,
            extra={"fields": {"tenant_id": tenant, "crm.customer.id": result.customer_id}},
        )
