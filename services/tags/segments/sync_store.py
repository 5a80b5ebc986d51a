"""MongoDB storage of membership syncs: one progress document per saved segment.

`tag_segment_syncs`, `_id` `<tenant>/<segment id>`: which expression version of the segment is being
(or was last) announced, the customer id the sync has checked up to (`after`), and its counts. Every
change is a single-document update guarded by the version and the cursor it read, so two runs of
the same batch (a timer re-run after a crash, the lease passing to another replica) count it once.
The customers themselves are read from `tag_customers` in customer-id order (its unique
`(tenant_id, customer_id)` index serves the range query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.tags.store import CUSTOMERS

SYNCS = "tag_segment_syncs"
PENDING = "pending"
RUNNING = "running"
DONE = "done"


@dataclass(frozen=True, kw_only=True)
class SyncState:
    """Progress of announcing one segment's members (state pending: nothing stored yet)."""

    segment_id: str
    segment_version: int
    state: str
    after: str = ""
    done: int = 0
    total: int = 0
    entered: int = 0
    left: int = 0
    started_ms: int = 0
    finished_ms: int = 0

    @property
    def started_at(self) -> datetime | None:
        return _time(self.started_ms)

    @property
    def finished_at(self) -> datetime | None:
        return _time(self.finished_ms)


def sync_doc_id(tenant: str, segment_id: str) -> str:
    return f"{tenant}/{segment_id}"


class SyncStore:
    """Reads and writes sync progress; every method takes the tenant it is scoped to."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._syncs = db[SYNCS]
        self._customers = db[CUSTOMERS]

    async def get(self, tenant: str, segment_id: str) -> SyncState | None:
        doc = await self._syncs.find_one({"_id": sync_doc_id(tenant, segment_id), "tenant_id": tenant})
        return _state(doc) if doc else None

    async def many(self, tenant: str, segment_ids: list[str]) -> dict[str, SyncState]:
        """The progress of several segments in one query (a page of segments)."""
        if not segment_ids:
            return {}
        ids = [sync_doc_id(tenant, s) for s in dict.fromkeys(segment_ids)]
        cursor = self._syncs.find({"_id": {"$in": ids}, "tenant_id": tenant})
        return {doc["segment_id"]: _state(doc) async for doc in cursor}

    async def begin(
        self, tenant: str, segment_id: str, version: int, *, total: int, now_ms: int
    ) -> SyncState:
        """The sync of `version`: started now unless it (or a newer one) already is; returns it."""
        fresh = {
            "tenant_id": tenant,
            "segment_id": segment_id,
            "segment_version": version,
            "state": RUNNING,
            "after": "",
            "done": 0,
            "total": total,
            "entered": 0,
            "left": 0,
            "started_ms": now_ms,
            "finished_ms": 0,
        }
        doc_id = sync_doc_id(tenant, segment_id)
        for _ in range(3):
            current = await self.get(tenant, segment_id)
            if current is not None and current.segment_version >= version:
                return current
            if current is None:
                try:
                    await self._syncs.insert_one({"_id": doc_id, **fresh})
                except DuplicateKeyError:
                    continue
            else:
                guard = {"_id": doc_id, "tenant_id": tenant, "segment_version": current.segment_version}
                await self._syncs.update_one(guard, {"$set": fresh})
        found = await self.get(tenant, segment_id)
        assert found is not None, "a sync document once written is never deleted"
        return found

    async def advance(
        self, tenant: str, read: SyncState, *, after: str, checked: int, entered: int, left: int
    ) -> bool:
        """Record one batch done, if nobody recorded it meanwhile (guarded by version and cursor)."""
        guard = {
            "_id": sync_doc_id(tenant, read.segment_id),
            "tenant_id": tenant,
            "segment_version": read.segment_version,
            "after": read.after,
            "state": RUNNING,
        }
        update = {"$set": {"after": after}, "$inc": {"done": checked, "entered": entered, "left": left}}
        result = await self._syncs.update_one(guard, update)
        return result.matched_count == 1

    async def finish(self, tenant: str, read: SyncState, *, now_ms: int) -> None:
        guard = {
            "_id": sync_doc_id(tenant, read.segment_id),
            "tenant_id": tenant,
            "segment_version": read.segment_version,
            "state": RUNNING,
        }
        await self._syncs.update_one(guard, {"$set": {"state": DONE, "finished_ms": now_ms}})

    async def customers_after(self, tenant: str, after: str, *, limit: int) -> list[str]:
        """The tenant's next `limit` customers (that have tags) after the customer id `after`."""
        query: dict[str, Any] = {"tenant_id": tenant, "customer_id": {"$gt": after}}
        cursor = self._customers.find(query, {"customer_id": 1}).sort("customer_id", ASCENDING).limit(limit)
        return [doc["customer_id"] async for doc in cursor]


def _time(ms: int) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms else None


def _state(doc: dict[str, Any]) -> SyncState:
    return SyncState(
        segment_id=doc["segment_id"],
        segment_version=int(doc["segment_version"]),
        state=doc.get("state", RUNNING),
        after=doc.get("after", ""),
        done=int(doc.get("done", 0)),
        total=int(doc.get("total", 0)),
        entered=int(doc.get("entered", 0)),
        left=int(doc.get("left", 0)),
        started_ms=int(doc.get("started_ms", 0)),
        finished_ms=int(doc.get("finished_ms", 0)),
    )
