"""MongoDB storage of saved segments, the per-tenant catalogue version, and membership history.

- `tag_segments`: one document per saved segment, `_id` the segment id (`seg_…`), always read with
  its `tenant_id` (another tenant's id finds nothing). `name_key` (the case-folded name) is unique per
  tenant. A change is a whole-document replace guarded by `version` that keeps still-pending outbox
  items (the stand-in stores a `$set` top-level datetime as a string, so no `$set` here). A deleted
  segment stays as a tombstone (`deleted: true`, `name_key` freed to `~deleted/<id>`) so its
  `segment_deleted` event can be relayed from it like any other (common/outbox.py); the
  `tags.segment_purge` timer removes it after a retention (`tombstones.py`).
- `tag_segment_catalogue`: one document per tenant whose `version` goes up after every change of the
  tenant's saved segments; replicas compare it to the version of their cached segments before
  judging membership (`catalogue.py`).
- `tag_segment_history`: append-only entered/left rows, inserted by the outbox from the pending
  inserts that the customer's tag write carried (`membership.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.errors import AlreadyExists
from common.mongo import IndexSpec, epoch_ms, newest_first_after
from common.outbox import FIELD, Pending, pending_document
from common.timeutil import as_utc
from services.tags.model import Evidence, HistoryEntry
from services.tags.segments import codec
from services.tags.segments.saved import MembershipChange, SavedSegment

SEGMENTS = "tag_segments"
CATALOGUE = "tag_segment_catalogue"
MEMBERSHIP = "tag_segment_history"

SAVED_SEGMENT_INDEXES = [
    IndexSpec(SEGMENTS, [("tenant_id", ASCENDING), ("name_key", ASCENDING)], {"unique": True}),
    IndexSpec(SEGMENTS, [("tenant_id", ASCENDING), ("deleted", ASCENDING), ("name_key", ASCENDING)]),
    # Tombstones of every tenant (few: each is purged after its retention), for the start-up hook.
    IndexSpec(
        SEGMENTS, [("deleted", ASCENDING)], {"partialFilterExpression": {"deleted": True}}, cross_tenant=True
    ),
    IndexSpec(
        MEMBERSHIP,
        [("tenant_id", ASCENDING), ("customer_id", ASCENDING), ("at_ms", DESCENDING), ("seq", DESCENDING)],
    ),
]


def name_key(name: str) -> str:
    return name.casefold()


class SavedSegmentStore:
    """Reads and writes the segment collections; every method takes the tenant it is scoped to."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._segments = db[SEGMENTS]
        self._catalogue = db[CATALOGUE]
        self._membership = db[MEMBERSHIP]

    async def get(self, tenant: str, segment_id: str) -> tuple[SavedSegment, dict[str, Any]] | None:
        """The live segment and its raw document (for a guarded replace), or None."""
        doc = await self._segments.find_one({"_id": segment_id, "tenant_id": tenant})
        if doc is None or doc.get("deleted"):
            return None
        return _segment(doc), doc

    async def live(self, tenant: str) -> list[SavedSegment]:
        """Every live segment of the tenant (tens, not thousands: a library of saved audiences)."""
        cursor = self._segments.find({"tenant_id": tenant, "deleted": False}).sort("name_key", ASCENDING)
        return [_segment(doc) async for doc in cursor]

    async def page(self, tenant: str, *, after_key: str | None, limit: int) -> list[SavedSegment]:
        """Live segments by name after `after_key`; ask for one more than a page to know if one follows."""
        query: dict[str, Any] = {"tenant_id": tenant, "deleted": False}
        if after_key is not None:
            query["name_key"] = {"$gt": after_key}
        cursor = self._segments.find(query).sort("name_key", ASCENDING).limit(limit)
        return [_segment(doc) async for doc in cursor]

    async def insert(self, segment: SavedSegment, *, events: list[Pending]) -> None:
        """Store a new segment; ALREADY_EXISTS when the tenant has one of that name."""
        try:
            await self._segments.insert_one({**_doc(segment), **pending_document(events)})
        except DuplicateKeyError:
            raise _name_taken(segment.name) from None

    async def replace(
        self,
        segment: SavedSegment,
        *,
        read: dict[str, Any],
        events: list[Pending],
        deleted: bool = False,
    ) -> bool:
        """Replace the segment read as `read` (guarded by its version); False when it changed meanwhile."""
        doc = {**_doc(segment, deleted=deleted), **pending_document(events, keep=read)}
        guard = {"_id": segment.id, "tenant_id": segment.tenant, "version": read["version"], "deleted": False}
        try:
            result = await self._segments.replace_one(guard, doc)
        except DuplicateKeyError:
            raise _name_taken(segment.name) from None
        return result.matched_count == 1

    async def purge_tombstone(self, tenant: str, segment_id: str) -> bool:
        """Remove a deleted segment whose outbox items are all out; False if none matched."""
        guard = {"_id": segment_id, "tenant_id": tenant, "deleted": True, FIELD: {"$exists": False}}
        result = await self._segments.delete_one(guard)
        return result.deleted_count == 1

    async def tombstone_pending(self, tenant: str, segment_id: str) -> bool:
        """Whether the segment is a tombstone still holding outbox items (its delete not yet announced)."""
        guard = {"_id": segment_id, "tenant_id": tenant, "deleted": True, FIELD: {"$exists": True}}
        return await self._segments.find_one(guard, {"_id": 1}) is not None

    async def tombstones(self) -> list[tuple[str, str, datetime]]:
        """(tenant, segment id, deleted at) of every tombstone, all tenants (for the purge timers)."""
        cursor = self._segments.find({"deleted": True}, {"tenant_id": 1, "updated_at": 1})
        return [(doc["tenant_id"], doc["_id"], as_utc(doc["updated_at"])) async for doc in cursor]

    async def catalogue_version(self, tenant: str) -> int:
        doc = await self._catalogue.find_one({"_id": tenant, "tenant_id": tenant})
        return int(doc["version"]) if doc else 0

    async def bump_catalogue(self, tenant: str) -> None:
        """Tell every replica's cache that the tenant's saved segments changed."""
        await self._catalogue.update_one(
            {"_id": tenant, "tenant_id": tenant}, {"$inc": {"version": 1}}, upsert=True
        )

    # ---- membership history ----

    def history_document(self, tenant: str, change: MembershipChange) -> dict[str, Any]:
        return {
            "_id": change.id,
            "seq": change.id,
            "tenant_id": tenant,
            "customer_id": change.customer_id,
            "segment_id": change.segment_id,
            "segment_name": change.segment_name,
            "segment_version": change.segment_version,
            "change": change.change,
            "causes": [_cause_doc(c) for c in change.causes],
            "actor": change.actor,
            "at": change.at,
            "at_ms": epoch_ms(change.at),
            "trigger": change.trigger,
        }

    async def history(
        self, tenant: str, customer_id: str, *, segment_id: str, before: tuple[int, str] | None, limit: int
    ) -> list[MembershipChange]:
        """A customer's membership changes newest first; `before` is (at_ms, id) of the previous page's last."""
        query: dict[str, Any] = {"tenant_id": tenant, "customer_id": customer_id}
        if segment_id:
            query["segment_id"] = segment_id
        if before is not None:
            at_ms, ident = before
            at = datetime.fromtimestamp(at_ms / 1000, tz=UTC)
            query = newest_first_after(query, ms_field="at_ms", at=at, tie_field="seq", tie=ident)
        cursor = self._membership.find(query).sort([("at_ms", DESCENDING), ("seq", DESCENDING)]).limit(limit)
        return [_change(doc) async for doc in cursor]


def _name_taken(name: str) -> AlreadyExists:
    return AlreadyExists(
        f"a segment named {name!r} already exists; pick another name", field="name", metadata={"name": name}
    )


def _doc(segment: SavedSegment, *, deleted: bool = False) -> dict[str, Any]:
    return {
        "_id": segment.id,
        "tenant_id": segment.tenant,
        "name": segment.name,
        "name_key": f"~deleted/{segment.id}" if deleted else name_key(segment.name),
        "description": segment.description,
        "expression": segment.expression,
        "tree": codec.to_doc(segment.tree),
        "owner": segment.owner,
        "version": segment.version,
        "expression_version": segment.expression_version or segment.version,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "deleted": deleted,
    }


def _segment(doc: dict[str, Any]) -> SavedSegment:
    return SavedSegment(
        id=doc["_id"],
        tenant=doc["tenant_id"],
        name=doc["name"],
        description=doc.get("description", ""),
        expression=doc["expression"],
        tree=codec.from_doc(doc["tree"]),
        owner=doc.get("owner", ""),
        version=int(doc["version"]),
        expression_version=int(doc.get("expression_version") or doc["version"]),
        created_at=as_utc(doc["created_at"]),
        updated_at=as_utc(doc["updated_at"]),
    )


def _cause_doc(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "history_id": entry.id,
        "tag_key": entry.tag_key,
        "action": entry.action,
        "value": entry.value,
        "previous_value": entry.previous_value,
        "source": entry.source,
        "actor": entry.actor,
        "at": entry.at,
    }


def _change(doc: dict[str, Any]) -> MembershipChange:
    at = as_utc(doc["at"])
    return MembershipChange(
        id=doc["_id"],
        customer_id=doc["customer_id"],
        segment_id=doc["segment_id"],
        segment_name=doc.get("segment_name", ""),
        segment_version=int(doc.get("segment_version", 0)),
        change=doc["change"],
        causes=tuple(
            HistoryEntry(
                id=c.get("history_id", ""),
                customer_id=doc["customer_id"],
                tag_key=c.get("tag_key", ""),
                action=c.get("action", ""),
                value=c.get("value", ""),
                previous_value=c.get("previous_value", ""),
                source=c.get("source", ""),
                confidence=0.0,
                evidence=Evidence(),
                actor=c.get("actor", ""),
                reason="",
                at=as_utc(c["at"]) if c.get("at") else at,
            )
            for c in doc.get("causes") or ()
        ),
        actor=doc.get("actor", ""),
        at=at,
        trigger=doc.get("trigger", "tag_change"),
    )
