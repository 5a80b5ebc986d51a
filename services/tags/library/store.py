"""MongoDB for the library's own records: merges (`tag_merges`, one document per source tag).

A tag is merged at most once (it ends archived, pointing at its target), so the document's `_id` is
`<tenant>/<source key>`: starting the same merge twice finds the first, and a merge's record is what
the resumable runner (`merging.py`) reads after a crash. While the merge runs, counts grow by `$inc`
from the writer that actually moved a customer, so they never count a customer twice, but a crash
between a batch's moves and its `$inc` leaves them short. So each move also records its outcome in
`tag_merge_moves` (one document per tenant, source and customer, `_id` = `<tenant>/<source>/<customer>`),
as a pending insert in the customer's own write: it exists exactly when the move does, once. The
write that marks the merge done sets the counts recounted from those outcomes (exact), with the
`tag_merged` event in the same write (`common/outbox.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.mongo import IndexSpec
from common.outbox import DUE_MS, Pending, pending_set
from services.tags.library.usage import SegmentRef
from services.tags.store import CUSTOMERS

MERGES = "tag_merges"
MOVES = "tag_merge_moves"
RUNNING, DONE = "running", "done"
MOVED, KEPT = "moved", "kept"

LIBRARY_INDEXES = [
    IndexSpec(MERGES, [("tenant_id", ASCENDING), ("source", ASCENDING)], {"unique": True}),
    # Merges still running, all tenants at once: a starting replica resumes them (merging.resume).
    IndexSpec(MERGES, [("status", ASCENDING)], cross_tenant=True),
    IndexSpec(MOVES, [("tenant_id", ASCENDING), ("source", ASCENDING), ("outcome", ASCENDING)]),
]


@dataclass(frozen=True, kw_only=True)
class MergeRecord:
    source: str
    target: str
    value_map: dict[str, str]
    status: str
    moved: int
    kept_target: int
    actor: str
    reason: str
    started_ms: int
    finished_ms: int
    segments: tuple[SegmentRef, ...]

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.started_ms / 1000, tz=UTC)

    @property
    def finished_at(self) -> datetime | None:
        return datetime.fromtimestamp(self.finished_ms / 1000, tz=UTC) if self.finished_ms else None


def merge_doc_id(tenant: str, source: str) -> str:
    return f"{tenant}/{source}"


def move_document(tenant: str, source: str, customer_id: str, *, outcome: str, at_ms: int) -> dict[str, Any]:
    """One customer's outcome of a merge, stored as a pending insert of the move's own write:
    its `_id` makes a re-applied insert (relay after a crash) a no-op, so each customer counts once."""
    return {
        "_id": f"{tenant}/{source}/{customer_id}",
        "tenant_id": tenant,
        "source": source,
        "customer_id": customer_id,
        "outcome": outcome,
        "at_ms": at_ms,
    }


class MergeStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._merges = db[MERGES]
        self._moves = db[MOVES]
        self._customers = db[CUSTOMERS]

    async def start(self, tenant: str, record: MergeRecord) -> MergeRecord:
        """Insert the record; if the source's merge exists already, that one (the caller compares)."""
        doc = {
            "_id": merge_doc_id(tenant, record.source),
            "tenant_id": tenant,
            "source": record.source,
            "target": record.target,
            "value_map": [[k, v] for k, v in record.value_map.items()],  # values may hold "." or "$"
            "status": RUNNING,
            "moved": 0,
            "kept_target": 0,
            "actor": record.actor,
            "reason": record.reason,
            "started_ms": record.started_ms,
            "finished_ms": 0,
            "segments": [{"id": s.id, "name": s.name} for s in record.segments],
        }
        try:
            await self._merges.insert_one(doc)
        except DuplicateKeyError:
            existing = await self.get(tenant, record.source)
            assert existing is not None
            return existing
        return _record(doc)

    async def get(self, tenant: str, source: str) -> MergeRecord | None:
        doc = await self._merges.find_one({"_id": merge_doc_id(tenant, source), "tenant_id": tenant})
        return _record(doc) if doc else None

    async def count(self, tenant: str, source: str, *, moved: int, kept_target: int) -> None:
        if moved or kept_target:
            await self._merges.update_one(
                {"_id": merge_doc_id(tenant, source), "tenant_id": tenant},
                {"$inc": {"moved": moved, "kept_target": kept_target}},
            )

    async def outcomes(self, tenant: str, source: str) -> tuple[int, int]:
        """(moved, kept) recounted from the per-customer outcomes: exact once every move's pending
        insert is applied. Counted once per merge, at its end, never on a hot path."""
        query = {"tenant_id": tenant, "source": source}
        moved = await self._moves.count_documents({**query, "outcome": MOVED})
        kept = await self._moves.count_documents({**query, "outcome": KEPT})
        return moved, kept

    async def customers_with_pending_items(self, tenant: str) -> list[str]:
        """Ids of the tenant's `tag_customers` documents that still hold outbox items (a writer died
        before its fast path, and the relay's grace period has not run out yet)."""
        query = {DUE_MS: {"$gte": 0}, "tenant_id": tenant}
        return [doc["_id"] async for doc in self._customers.find(query, {"_id": 1})]

    async def running(self, *, limit: int = 1000) -> list[tuple[str, str]]:
        """(tenant, source) of merges not done yet, in every tenant (for resuming at start)."""
        cursor = self._merges.find({"status": RUNNING}, {"tenant_id": 1, "source": 1}).limit(limit)
        return [(doc["tenant_id"], doc["source"]) async for doc in cursor]

    async def finish(
        self,
        tenant: str,
        source: str,
        *,
        finished_ms: int,
        moved: int,
        kept_target: int,
        items: list[Pending],
    ) -> bool:
        """Mark the merge done with its exact counts and pending event; False if it already was."""
        result = await self._merges.update_one(
            {"_id": merge_doc_id(tenant, source), "tenant_id": tenant, "status": RUNNING},
            {
                "$set": {
                    "status": DONE,
                    "finished_ms": finished_ms,
                    "moved": moved,
                    "kept_target": kept_target,
                    **pending_set(items),
                }
            },
        )
        return result.matched_count == 1


def _record(doc: dict[str, Any]) -> MergeRecord:
    return MergeRecord(
        source=doc["source"],
        target=doc["target"],
        value_map={k: v for k, v in doc.get("value_map") or ()},
        status=doc["status"],
        moved=int(doc.get("moved", 0)),
        kept_target=int(doc.get("kept_target", 0)),
        actor=doc.get("actor", ""),
        reason=doc.get("reason", ""),
        started_ms=int(doc["started_ms"]),
        finished_ms=int(doc.get("finished_ms", 0)),
        segments=tuple(SegmentRef(id=s["id"], name=s["name"]) for s in doc.get("segments") or ()),
    )
