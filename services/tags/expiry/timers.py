"""Tag expiry on the common scheduler: the `tags.expire` handler and the one-time sweep of old data.

How a timer comes to exist (docs/tag-expiry.md argues why nothing is lost):
- every write through `TagOperations._write` that stores a new `expires_at` carries the timer's
  document as a pending insert of the customer's outbox, in the same single-document write as the
  assignment: a crash after the write leaves the timer to the outbox relay, never lost;
- assignments stored before this release (no timer) are picked up once by `tags.expiry_sweep`
  timers, one per tenant, scheduled at start-up by whichever replica first finds the sweep undone.

`expire_due` re-reads the customer and removes what is expired *now* through the versioned write
path, so a timer that fires twice, on two replicas, or after its assignment was refreshed or removed
expires each assignment at most once; one that fires early (a replica's clock ahead) moves itself to
the stored expiry.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.ids import is_valid_tenant
from common.scheduler import Scheduler, Timer, TimerHandler
from common.timeutil import as_utc, utcnow
from services.tags.expiry import planning
from services.tags.operations import TagOperations
from services.tags.store import CUSTOMERS, LEGACY_ASSIGNMENTS

log = logging.getLogger(__name__)

SWEEP_KIND = "tags.expiry_sweep"
# Bump to sweep again (e.g. after a rolling upgrade whose old replicas kept writing without timers).
SWEEP_VERSION = "v1"
SWEEPS = "tag_expiry_sweeps"  # one document per sweep version that has been scheduled
SWEEP_PAGE = 500
PHASES = (CUSTOMERS, LEGACY_ASSIGNMENTS)


class ExpiryTimers:
    """The handlers of `tags.expire` and `tags.expiry_sweep`, and the start-up hook of the sweep."""

    def __init__(self, ops: TagOperations, scheduler: Scheduler, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._ops = ops
        self._scheduler = scheduler
        self._db = db

    def handlers(self) -> dict[str, TimerHandler]:
        return {planning.EXPIRE_KIND: self.expire_due, SWEEP_KIND: self.sweep_page}

    async def expire_due(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """Expire what is due for the timer's customer; keep a timer for the tag if it still expires later."""
        remaining = await self._ops.expire(tenant, str(payload["customer_id"]))
        left = remaining.get(str(payload["tag_key"]))
        if left is not None and left.expires_at is not None:
            # Fired before the stored expiry (clock skew between replicas) or for an older expiry whose
            # own timer was lost: (re)schedule the stored one; if that is this timer, it moves.
            await self._scheduler.schedule_many([planning.expiry_timer(tenant, left)])

    async def schedule_sweep(self) -> None:
        """At start-up: unless this sweep version was scheduled before, schedule one sweep per tenant.

        Timers first, marker second: a crash in between schedules them again at the next start (the
        same keys, so it moves them; the sweep is idempotent). Two replicas starting together may both
        schedule; the timers are the same and each runs on one replica at a time.
        """
        if await self._db[SWEEPS].find_one({"_id": SWEEP_VERSION}) is not None:
            return
        tenants: set[str] = set()
        for collection in PHASES:
            found = await self._db[collection].distinct("tenant_id")
            tenants.update(t for t in found if isinstance(t, str) and is_valid_tenant(t))
        now = utcnow()
        timers = [
            Timer(tenant=t, kind=SWEEP_KIND, key=SWEEP_VERSION, due_at=now, payload={"phase": 0, "after": ""})
            for t in sorted(tenants)
        ]
        await self._scheduler.schedule_many(timers)
        with contextlib.suppress(DuplicateKeyError):  # another replica got here too
            await self._db[SWEEPS].insert_one({"_id": SWEEP_VERSION, "tenants": len(timers), "at": now})
        if timers:
            log.info("tag expiry: sweeping %d tenant(s) for assignments stored without a timer", len(timers))

    async def sweep_page(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """Schedule the expiry timer of every expiring assignment in one page of the tenant's customers
        (then of not yet migrated assignments), then schedule the next page as this same timer."""
        phase = int(payload.get("phase", 0))
        after = str(payload.get("after", ""))
        if phase >= len(PHASES):
            return
        collection = PHASES[phase]
        query: dict[str, Any] = {"tenant_id": tenant}
        if after:
            query["_id"] = {"$gt": after}
        cursor = self._db[collection].find(query).sort("_id", 1).limit(SWEEP_PAGE)
        docs = [doc async for doc in cursor]
        timers: list[Timer] = []
        for doc in docs:
            stored = (doc.get("tags") or {}).values() if phase == 0 else [doc]
            timers += _expiring(tenant, stored)
        # Same keys as the writes' own timers: an existing one is moved to the same instant.
        await self._scheduler.schedule_many(timers)
        if len(docs) == SWEEP_PAGE:
            nxt = {"phase": phase, "after": str(docs[-1]["_id"])}
        elif phase + 1 < len(PHASES):
            nxt = {"phase": phase + 1, "after": ""}
        else:
            log.info("tag expiry sweep of %s done", tenant)
            return
        # Re-scheduling the running timer gives it a new version, so its completion leaves it in place.
        await self._scheduler.schedule(tenant=tenant, kind=SWEEP_KIND, key=key, due_at=utcnow(), payload=nxt)


def _expiring(tenant: str, stored: Iterable[dict[str, Any]]) -> list[Timer]:
    """The expiry timers of stored assignments (raw documents) that have an expiry."""
    timers = []
    for doc in stored:
        expires = doc.get("expires_at")
        customer_id, tag_key = doc.get("customer_id"), doc.get("tag_key")
        if isinstance(expires, datetime) and customer_id and tag_key:
            timers.append(planning.timer_for(tenant, str(customer_id), str(tag_key), as_utc(expires)))
    return timers
