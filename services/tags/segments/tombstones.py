"""Purging deleted saved segments: the tombstone goes once everyone could have seen the delete.

A deleted segment stays as a tombstone (`saved_store.py`) because its `segment_deleted` event is
relayed from it (common/outbox.py). Nothing reads a tombstone after that: `get`, `live` and `page`
skip it, replicas' catalogues reload live segments only (`catalogue.py`), and membership history rows
carry the segment's id and name themselves. So the tombstone is removed on the common scheduler
(`tags.segment_purge`, one timer per segment) after a retention:

- The timer is stored as a pending insert in the delete's own write (like tag expiry timers), so a
  crash right after the delete cannot leave a tombstone without its purge.
- The purge never removes a tombstone that still holds outbox items: the delete's event has not gone
  out yet (NATS away longer than the retention). It looks again later instead.
- Retention, 7 days by default (`TAGS_SEGMENT_TOMBSTONE_RETENTION_SECONDS`): the relay needs
  seconds, the JetStream duplicate window is 10 minutes, a replica's catalogue cache lives 30 s; the
  rest is for people — an operator who must find out what a segment deleted by mistake said (its
  expression, owner and time of deletion) has a working week to read it back from the database.
- Tombstones from before this release have no timer: `schedule_existing` (at start) schedules one
  for each, at its deletion time plus the retention. Scheduling again only moves a timer to the same
  time, and a purge that runs twice deletes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from common.scheduler import Scheduler, Timer, timer_document
from common.timeutil import utcnow
from services.tags.segments.saved_store import SavedSegmentStore

PURGE_KIND = "tags.segment_purge"
DEFAULT_RETENTION = timedelta(days=7)
# A tombstone whose event is still pending is looked at again after this long (at most).
RECHECK = timedelta(minutes=5)


def purge_timer(tenant: str, segment_id: str, *, deleted_at: datetime, retention: timedelta) -> Timer:
    """The purge timer of one deleted segment, due `retention` after its deletion."""
    return Timer(tenant=tenant, kind=PURGE_KIND, key=segment_id, due_at=deleted_at + retention)


def purge_timer_document(
    tenant: str, segment_id: str, *, deleted_at: datetime, retention: timedelta
) -> dict[str, Any]:
    """The stored timer, for a pending insert in the delete's own write."""
    return timer_document(purge_timer(tenant, segment_id, deleted_at=deleted_at, retention=retention))


class TombstonePurge:
    """The `tags.segment_purge` handler and the start-up hook that covers older tombstones."""

    def __init__(self, store: SavedSegmentStore, scheduler: Scheduler, *, retention: timedelta) -> None:
        self._store = store
        self._scheduler = scheduler
        self.retention = retention

    async def purge(self, tenant: str, segment_id: str, payload: dict[str, Any]) -> None:
        """Remove the tombstone unless its events are still pending (then look again later)."""
        if await self._store.purge_tombstone(tenant, segment_id):
            return
        if await self._store.tombstone_pending(tenant, segment_id):
            later = utcnow() + min(self.retention, RECHECK)
            await self._scheduler.schedule(tenant=tenant, kind=PURGE_KIND, key=segment_id, due_at=later)

    async def schedule_existing(self) -> None:
        """At start: a purge timer for every tombstone (moving existing ones to the same due time)."""
        timers = [
            purge_timer(tenant, segment_id, deleted_at=deleted_at, retention=self.retention)
            for tenant, segment_id, deleted_at in await self._store.tombstones()
        ]
        for start in range(0, len(timers), 500):
            await self._scheduler.schedule_many(timers[start : start + 500])
