"""MongoDB access for the tags service's own database: definitions, customers' tags and history.

Concurrency model (see also `operations.py` and docs/conventions.md, "Writing a change and its events"):
- **One document per (tenant, customer)** in `tag_customers` holds every assignment of the customer
  (`tags`, keyed by the tag key with '.' written as ':'), a `version`, the id and time of the
  customer's last history entry, and the outbox items (`common/outbox.py`) of the write that made it.
  A change is read → planned (pure `assignment.plan`) → written with `$set`/`$unset` of the changed
  tags, `version + 1` and the pending items, guarded by the `version` it read. Two writers that read
  the same version cannot both land: the loser re-reads and plans again. So a customer's tags change
  in one serial order, and the history entries (pending inserts into `tag_history`) and the
  `assigned`/`removed` events (pending events) of each change are stored atomically with it.
- A customer with no document yet is written with `insert_one` (a concurrent insert of the same
  `_id` is a conflict like a version mismatch).
- **Definitions** carry a `version` too; a change is a replace guarded by it that keeps still-pending
  outbox items, with its `definition_changed` event pending in the same write.
- History documents are never updated or deleted (append-only); each is inserted by the outbox from
  the pending insert that the change carried, idempotently by `_id`.

Data of earlier versions: assignments used to be one document per (tenant, customer, tag) in
`tag_assignments`. A customer without a `tag_customers` document is read from there (one indexed
query), and the first write for that customer creates its aggregate from those assignments: a lazy,
one-time migration. Once the aggregate exists `tag_assignments` is never read for that customer again
(nothing writes it any more).

Every query here filters by tenant_id and is served by an index in `INDEXES`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.mongo import IndexSpec, epoch_ms, newest_first_after
from common.outbox import Pending, PendingEvent, pending_document, pending_set
from common.timeutil import as_utc
from services.tags.heard.store import CONVERSATION_INDEXES, pending_fields
from services.tags.model import Assignment, Evidence, Hints, HistoryEntry, TagDef, ValueHints

DEFINITIONS = "tag_definitions"
CUSTOMERS = "tag_customers"
LEGACY_ASSIGNMENTS = "tag_assignments"  # read-only: customers not yet migrated (see the docstring)
HISTORY = "tag_history"

INDEXES = [
    IndexSpec(DEFINITIONS, [("tenant_id", ASCENDING), ("key", ASCENDING)], {"unique": True}),
    IndexSpec(DEFINITIONS, [("tenant_id", ASCENDING), ("group", ASCENDING), ("key", ASCENDING)]),
    IndexSpec(CUSTOMERS, [("tenant_id", ASCENDING), ("customer_id", ASCENDING)], {"unique": True}),
    IndexSpec(
        LEGACY_ASSIGNMENTS,
        [("tenant_id", ASCENDING), ("customer_id", ASCENDING), ("tag_key", ASCENDING)],
        {"unique": True},
    ),
    IndexSpec(
        HISTORY,
        [("tenant_id", ASCENDING), ("customer_id", ASCENDING), ("at_ms", DESCENDING), ("seq", DESCENDING)],
    ),
    # Conversations, their suggestions and the tenants' conversation settings.
    *CONVERSATION_INDEXES,
]


@dataclass(frozen=True, kw_only=True)
class CustomerTags:
    """One customer's stored assignments (expired ones included) as of `version` (0: no document yet)."""

    tenant: str
    customer_id: str
    version: int
    assignments: dict[str, Assignment] = field(default_factory=dict)
    last_history_id: str = ""
    last_history_ms: int = 0
    number: int | None = None  # the dense customer number of the segment index (field `n`), once given
    # Saved segments the customer is recorded in (announced `segment_entered`, not yet `segment_left`):
    # segment id → entered at, epoch ms (field `segs`). Membership is judged against it (segments/membership.py).
    segments: dict[str, int] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return customer_doc_id(self.tenant, self.customer_id)


@dataclass(frozen=True, kw_only=True)
class StoredDefinition:
    """A definition as read, with what a guarded write of it needs."""

    definition: TagDef | None
    version: int | None  # None: no `version` field (written by an earlier release) or no document
    exists: bool
    raw: dict[str, Any] | None


def customer_doc_id(tenant: str, customer_id: str) -> str:
    return f"{tenant}/{customer_id}"


def _field(tag_key: str) -> str:
    # Tag keys may hold '.', which a dotted update path would read as nesting; ':' is not allowed in keys.
    return tag_key.replace(".", ":")


class TagStore:
    """Reads and writes one database; every method takes the tenant it is scoped to."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._definitions = db[DEFINITIONS]
        self._customers = db[CUSTOMERS]
        self._legacy = db[LEGACY_ASSIGNMENTS]
        self._history = db[HISTORY]

    # ---- definitions ----

    async def definitions(self, tenant: str, keys: set[str]) -> dict[str, TagDef]:
        if not keys:
            return {}
        cursor = self._definitions.find({"tenant_id": tenant, "key": {"$in": sorted(keys)}})
        return {doc["key"]: _definition(doc) async for doc in cursor}

    async def definition(self, tenant: str, key: str) -> TagDef | None:
        doc = await self._definitions.find_one({"tenant_id": tenant, "key": key})
        return _definition(doc) if doc else None

    async def stored_definition(self, tenant: str, key: str) -> StoredDefinition:
        doc = await self._definitions.find_one({"tenant_id": tenant, "key": key})
        if doc is None:
            return StoredDefinition(definition=None, version=None, exists=False, raw=None)
        version = doc.get("version")
        return StoredDefinition(
            definition=_definition(doc),
            version=int(version) if version is not None else None,
            exists=True,
            raw=doc,
        )

    async def save_definition(
        self, tenant: str, definition: TagDef, *, read: StoredDefinition, events: list[PendingEvent]
    ) -> bool:
        """Write `definition` with its pending events if it is still as `read`; False on a conflict."""
        version = (read.version or 0) + 1
        doc = {
            "_id": f"{tenant}/{definition.key}",
            "tenant_id": tenant,
            **asdict(definition),
            "version": version,
            **pending_document(events, keep=read.raw),
        }
        if not read.exists:
            try:
                await self._definitions.insert_one(doc)
            except DuplicateKeyError:
                return False
            return True
        guard: dict[str, Any] = {"tenant_id": tenant, "key": definition.key}
        guard["version"] = read.version if read.version is not None else {"$exists": False}
        result = await self._definitions.replace_one(guard, doc)
        return result.matched_count == 1

    async def list_definitions(
        self,
        tenant: str,
        *,
        after_key: str | None,
        group: str,
        include_archived: bool,
        limit: int,
        category: str = "",
        statuses: tuple[str, ...] = (),
        text: str = "",
    ) -> list[TagDef]:
        """Definitions in key order after `after_key`; `limit` + 1 tells the caller if a page follows.

        `statuses` (when given) replaces `include_archived`; `text` is a case-insensitive substring of
        the key or the display name (an escaped `$regex`, inside `$and` for the stand-in's `$or` gap).
        """
        query: dict[str, Any] = {"tenant_id": tenant}
        if group:
            query["group"] = group
        if category:
            query["category"] = category
        if after_key is not None:
            query["key"] = {"$gt": after_key}
        if statuses:
            query["status"] = statuses[0] if len(statuses) == 1 else {"$in": list(statuses)}
        elif not include_archived:
            query["status"] = {"$ne": "archived"}
        if text:
            pattern = {"$regex": re.escape(text), "$options": "i"}
            query = {"$and": [query, {"$or": [{"key": pattern}, {"display_name": pattern}]}]}
        cursor = self._definitions.find(query).sort("key", ASCENDING).limit(limit)
        return [_definition(doc) async for doc in cursor]

    async def customers_with_tag(self, tenant: str, tag_key: str, *, limit: int) -> list[str]:
        """Up to `limit` customers whose aggregate holds a value of `tag_key` (a merge's next batch).

        Served by the (tenant_id, customer_id) index prefix plus an `$exists` on the tag's field: a
        scan of the tenant's aggregates, acceptable for a background merge, never for a request path.
        """
        query = {"tenant_id": tenant, f"tags.{_field(tag_key)}": {"$exists": True}}
        cursor = self._customers.find(query, {"customer_id": 1}).sort("customer_id", ASCENDING).limit(limit)
        return [doc["customer_id"] async for doc in cursor]

    # ---- customers' tags ----

    async def customers(self, tenant: str, customer_ids: list[str]) -> dict[str, CustomerTags]:
        """The stored tags of each customer (one `$in` query, plus one for customers not yet migrated)."""
        ids = list(dict.fromkeys(customer_ids))
        found: dict[str, CustomerTags] = {}
        query: dict[str, Any] = {"tenant_id": tenant}
        query["_id"] = (
            customer_doc_id(tenant, ids[0])
            if len(ids) == 1
            else {"$in": [customer_doc_id(tenant, c) for c in ids]}
        )
        async for doc in self._customers.find(query):
            found[doc["customer_id"]] = _customer(tenant, doc)
        missing = [c for c in ids if c not in found]
        if missing:
            legacy: dict[str, dict[str, Assignment]] = {c: {} for c in missing}
            lquery: dict[str, Any] = {"tenant_id": tenant}
            lquery["customer_id"] = missing[0] if len(missing) == 1 else {"$in": missing}
            async for doc in self._legacy.find(lquery):
                a = _assignment(doc)
                legacy[a.customer_id][a.tag_key] = a
            for c in missing:
                found[c] = CustomerTags(tenant=tenant, customer_id=c, version=0, assignments=legacy[c])
        return {c: found[c] for c in ids}

    async def customer(self, tenant: str, customer_id: str) -> CustomerTags:
        return (await self.customers(tenant, [customer_id]))[customer_id]

    async def assignments(self, tenant: str, customer_ids: list[str]) -> list[Assignment]:
        """Stored assignments of the customers, expired ones included, by customer then tag key."""
        stored = await self.customers(tenant, customer_ids)
        return [a for cid in sorted(stored) for _, a in sorted(stored[cid].assignments.items())]

    async def assignment(self, tenant: str, customer_id: str, tag_key: str) -> Assignment | None:
        return (await self.customer(tenant, customer_id)).assignments.get(tag_key)

    async def write_customer(
        self,
        read: CustomerTags,
        final: dict[str, Assignment],
        *,
        history: list[HistoryEntry],
        items: list[Pending],
        number: int | None = None,
        segments: Mapping[str, int | None] | None = None,
    ) -> bool:
        """Store the customer's tags as `final` with the pending `items`, if still at `read.version`.

        False when another write got there first (nothing written): the caller plans again.
        `number`: the customer's dense number (segments/numbers), stored as `n` if it has none yet.
        `segments`: recorded saved-segment membership to change with it (id → entered ms; None: left).
        """
        tenant = read.tenant
        last = history[-1] if history else None
        marks: dict[str, Any] = {"version": read.version + 1}
        if number is not None and read.number is None:
            marks["n"] = number
        if last is not None:
            marks.update(last_history_id=last.id, last_history_ms=epoch_ms(last.at))
        if read.version == 0:  # first write: create the aggregate (migrating any earlier assignments)
            doc = {
                "_id": read.doc_id,
                "tenant_id": tenant,
                "customer_id": read.customer_id,
                "tags": {_field(k): _assignment_doc(a) for k, a in final.items()},
                "segs": {k: ms for k, ms in (segments or {}).items() if ms is not None},
                **marks,
                **pending_fields(items),
            }
            try:
                await self._customers.insert_one(doc)
            except DuplicateKeyError:
                return False
            return True
        changes: dict[str, Any] = {
            f"tags.{_field(k)}": _assignment_doc(a) for k, a in final.items() if read.assignments.get(k) != a
        }
        joined = {f"segs.{k}": ms for k, ms in (segments or {}).items() if ms is not None}
        update: dict[str, Any] = {"$set": {**changes, **joined, **marks, **pending_set(items)}}
        gone = {f"tags.{_field(k)}": "" for k in read.assignments if k not in final}
        gone.update({f"segs.{k}": "" for k, ms in (segments or {}).items() if ms is None})
        if gone:
            update["$unset"] = gone
        guard: dict[str, Any] = {"_id": read.doc_id, "tenant_id": tenant, "version": read.version}
        if "n" in marks:  # a number is given once: a rebuild numbering this document meanwhile wins
            guard["n"] = {"$exists": False}
        result = await self._customers.update_one(guard, update)
        return result.matched_count == 1

    # ---- history ----

    def history_document(self, tenant: str, entry: HistoryEntry) -> dict[str, Any]:
        return _history_doc(tenant, entry)

    async def history(
        self, tenant: str, customer_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[HistoryEntry]:
        """History newest first by (at, id); `before` is the last entry of the previous page."""
        query: dict[str, Any] = {"tenant_id": tenant, "customer_id": customer_id}
        if before is not None:
            at, ident = before
            query = newest_first_after(query, ms_field="at_ms", at=at, tie_field="seq", tie=ident)
        cursor = self._history.find(query).sort([("at_ms", DESCENDING), ("seq", DESCENDING)]).limit(limit)
        return [_history(doc) async for doc in cursor]


def _customer(tenant: str, doc: dict[str, Any]) -> CustomerTags:
    assignments = [_assignment(d) for d in (doc.get("tags") or {}).values()]
    return CustomerTags(
        tenant=tenant,
        customer_id=doc["customer_id"],
        version=int(doc.get("version", 0)),
        assignments={a.tag_key: a for a in assignments},
        last_history_id=doc.get("last_history_id", ""),
        last_history_ms=int(doc.get("last_history_ms", 0)),
        number=int(doc["n"]) if doc.get("n") is not None else None,
        segments={k: int(ms) for k, ms in (doc.get("segs") or {}).items()},
    )


def _assignment_doc(a: Assignment) -> dict[str, Any]:
    return asdict(a)


def _history_doc(tenant: str, h: HistoryEntry) -> dict[str, Any]:
    doc = asdict(h)
    ident = doc.pop("id")
    # `seq` repeats the id because the stand-in cannot index `_id` inside a compound index, and the
    # (at, id) sort that keeps pages from skipping must be served by an index.
    return {"_id": ident, "seq": ident, "at_ms": epoch_ms(h.at), "tenant_id": tenant, **doc}


def _evidence(doc: dict[str, Any] | None) -> Evidence:
    doc = doc or {}
    return Evidence(
        rule_id=doc.get("rule_id", ""),
        channel_code=doc.get("channel_code", ""),
        conversation_id=doc.get("conversation_id", ""),
        quote=doc.get("quote", ""),
        event_ids=tuple(doc.get("event_ids") or ()),
        note=doc.get("note", ""),
    )


def _time(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _definition(doc: dict[str, Any]) -> TagDef:
    hints = doc.get("hints") or {}
    return TagDef(
        key=doc["key"],
        display_name=doc["display_name"],
        description=doc.get("description", ""),
        group=doc.get("group", ""),
        category=doc["category"],
        value_type=doc["value_type"],
        allowed_values=tuple(doc.get("allowed_values") or ()),
        exclusive=bool(doc.get("exclusive", False)),
        update_cycle=doc.get("update_cycle", "realtime"),
        ttl_days=int(doc.get("ttl_days", 0)),
        assign_roles=tuple(doc.get("assign_roles") or ()),
        status=doc.get("status", "active"),
        hints=Hints(
            keywords=tuple(hints.get("keywords") or ()),
            synonyms=tuple(hints.get("synonyms") or ()),
            patterns=tuple(hints.get("patterns") or ()),
            values=tuple(
                ValueHints(
                    value=v["value"],
                    keywords=tuple(v.get("keywords") or ()),
                    patterns=tuple(v.get("patterns") or ()),
                )
                for v in hints.get("values") or ()
            ),
        ),
        created_at=_time(doc.get("created_at")),
        updated_at=_time(doc.get("updated_at")),
        merged_into=doc.get("merged_into", ""),
    )


def _assignment(doc: dict[str, Any]) -> Assignment:
    return Assignment(
        customer_id=doc["customer_id"],
        tag_key=doc["tag_key"],
        value=doc["value"],
        source=doc["source"],
        confidence=float(doc["confidence"]),
        evidence=_evidence(doc.get("evidence")),
        actor=doc.get("actor", ""),
        assigned_at=as_utc(doc["assigned_at"]),
        expires_at=_time(doc.get("expires_at")),
        status=doc.get("status", "active"),
    )


def _history(doc: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=doc["_id"],
        customer_id=doc["customer_id"],
        tag_key=doc["tag_key"],
        action=doc["action"],
        value=doc.get("value", ""),
        previous_value=doc.get("previous_value", ""),
        source=doc.get("source", ""),
        confidence=float(doc.get("confidence", 0.0)),
        evidence=_evidence(doc.get("evidence")),
        actor=doc.get("actor", ""),
        reason=doc.get("reason", ""),
        at=as_utc(doc["at"]),
    )
