"""MongoDB for the library's own records: merges (`tag_merges`, one document per source tag).

A tag is merged at most once (it ends archived, pointing at its target), so the document's `_id` is
`<tenant>/<source key>`: starting the same merge twice finds the first, and a merge's record is what
the resumable runner (`merging.py`) reads after a crash. Counts grow by `$inc` from the writer that
actually moved a customer, so a re-run never counts a customer twice. The `tag_merged` event rides
in the write that marks the merge done (`common/outbox.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.mongo import IndexSpec
from common.outbox import Pending, pending_set
from services.tags.library.usage import SegmentRef

MERGES = "tag_merges"
RUNNING, DONE = "running", "done"

LIBRARY_INDEXES = [
    IndexSpec(MERGES, [("tenant_id", ASCENDING), ("source", ASCENDING)], {"unique": True}),
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


class MergeStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._merges = db[MERGES]

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

    async def finish(self, tenant: str, source: str, *, finished_ms: int, items: list[Pending]) -> bool:
        """Mark the merge done with its pending event; False if it already was (another replica)."""
        result = await self._merges.update_one(
            {"_id": merge_doc_id(tenant, source), "tenant_id": tenant, "status": RUNNING},
            {"$set": {"status": DONE, "finished_ms": finished_ms, **pending_set(items)}},
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
