"""Raw signal retention on the common scheduler (`intent.retention`), instead of a TTL index.

Signals older than `INTENT_RETENTION_DAYS` are refused on ingest (services/intent/signals.py) and
deleted here, per tenant, once an hour: one `delete_many` on the integer `occurred_ms`
(index `(tenant_id, occurred_ms)`). A TTL index would do the same on real MongoDB, but the MongoDB
stand-in purges a collection's TTL indexes on *every* read of that collection, so each ingest batch's
duplicate check paid a pass over all stored signals of every tenant, and one tenant's volume slowed
everyone's ingest (bench/intent_ingest.py). The index from earlier releases is dropped at start.

Each tenant's timer is ensured once per process, the first time it stores signals; the handler
deletes and schedules the next run as the same timer (so it repeats, exactly one replica at a time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from common.scheduler import Scheduler
from common.timeutil import to_ms, utcnow

log = logging.getLogger(__name__)
RETENTION_KIND = "intent.retention"
KEY = "signals"
EVERY = timedelta(hours=1)
OLD_TTL_FIELD = "occurred_at"


class Retention:
    """Deletes one tenant's expired signals every hour."""

    def __init__(
        self,
        signals: AsyncCollection[dict[str, Any]],
        scheduler: Scheduler,
        *,
        keep: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._signals = signals
        self._scheduler = scheduler
        self._keep = keep
        self._clock = clock
        self._ensured: set[str] = set()

    async def ensure(self, tenant: str) -> None:
        """Make sure `tenant` has its retention timer (once per process: one read, maybe one write)."""
        if tenant in self._ensured:
            return
        if await self._scheduler.pending(tenant=tenant, kind=RETENTION_KIND, key=KEY) is None:
            await self._scheduler.schedule(
                tenant=tenant, kind=RETENTION_KIND, key=KEY, due_at=self._clock() + EVERY, payload={}
            )
        self._ensured.add(tenant)

    async def due(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """The timer: delete what left the retention period, then come back in an hour."""
        now = self._clock()
        cutoff = to_ms(now - self._keep)
        result = await self._signals.delete_many({"tenant_id": tenant, "occurred_ms": {"$lt": cutoff}})
        if result.deleted_count:
            log.info("intent retention: deleted %d signals of %s", result.deleted_count, tenant)
        await self._scheduler.schedule(
            tenant=tenant, kind=RETENTION_KIND, key=KEY, due_at=now + EVERY, payload={}
        )

    async def drop_old_ttl_index(self) -> None:
        """Earlier releases kept a TTL index on `occurred_at`; this job replaces it."""
        for name, info in (await self._signals.index_information()).items():
            if "expireAfterSeconds" in info and info.get("key") == [(OLD_TTL_FIELD, 1)]:
                await self._signals.drop_index(name)
                log.info("intent retention: dropped the TTL index %s (the scheduler's job replaces it)", name)
