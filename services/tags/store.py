"""MongoDB access for the tags service's own database: definitions, assignments and history.

One document per (tenant, customer, tag key) holds the active value, rather than an array of tags per
customer: indexed arrays misbehave on the local stand-in and single documents keep every write atomic.
Every query here filters by tenant_id and is served by an index in `INDEXES`; history documents
are never updated or deleted (append-only).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, DeleteOne, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from common.mongo import IndexSpec, epoch_ms, newest_first_after
from common.timeutil import as_utc
from services.tags.conversation_store import CONVERSATION_INDEXES
from services.tags.model import Assignment, Evidence, Hints, HistoryEntry, TagDef, ValueHints

DEFINITIONS = "tag_definitions"
ASSIGNMENTS = "tag_assignments"
HISTORY = "tag_history"

INDEXES = [
    IndexSpec(DEFINITIONS, [("tenant_id", ASCENDING), ("key", ASCENDING)], {"unique": True}),
    IndexSpec(DEFINITIONS, [("tenant_id", ASCENDING), ("group", ASCENDING), ("key", ASCENDING)]),
    IndexSpec(
        ASSIGNMENTS,
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


class TagStore:
    """Reads and writes one database; every method takes the tenant it is scoped to."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._definitions = db[DEFINITIONS]
        self._assignments = db[ASSIGNMENTS]
        self._history = db[HISTORY]

    async def definitions(self, tenant: str, keys: set[str]) -> dict[str, TagDef]:
        if not keys:
            return {}
        cursor = self._definitions.find({"tenant_id": tenant, "key": {"$in": sorted(keys)}})
        return {doc["key"]: _definition(doc) async for doc in cursor}

    async def definition(self, tenant: str, key: str) -> TagDef | None:
        doc = await self._definitions.find_one({"tenant_id": tenant, "key": key})
        return _definition(doc) if doc else None

    async def save_definition(self, tenant: str, definition: TagDef) -> None:
        doc = {"_id": f"{tenant}/{definition.key}", "tenant_id": tenant, **asdict(definition)}
        await self._definitions.replace_one({"tenant_id": tenant, "key": definition.key}, doc, upsert=True)

    async def list_definitions(
        self, tenant: str, *, after_key: str | None, group: str, include_archived: bool, limit: int
    ) -> list[TagDef]:
        """Definitions in key order after `after_key`; `limit` + 1 tells the caller if a page follows."""
        query: dict[str, Any] = {"tenant_id": tenant}
        if group:
            query["group"] = group
        if after_key is not None:
            query["key"] = {"$gt": after_key}
        if not include_archived:
            query["status"] = {"$ne": "archived"}
        cursor = self._definitions.find(query).sort("key", ASCENDING).limit(limit)
        return [_definition(doc) async for doc in cursor]

    async def assignments(self, tenant: str, customer_ids: list[str]) -> list[Assignment]:
        """Stored assignments of the customers, expired ones included (one `$in` query)."""
        query: dict[str, Any] = {"tenant_id": tenant}
        query["customer_id"] = customer_ids[0] if len(customer_ids) == 1 else {"$in": customer_ids}
        cursor = self._assignments.find(query).sort([("customer_id", ASCENDING), ("tag_key", ASCENDING)])
        return [_assignment(doc) async for doc in cursor]

    async def assignment(self, tenant: str, customer_id: str, tag_key: str) -> Assignment | None:
        doc = await self._assignments.find_one(
            {"tenant_id": tenant, "customer_id": customer_id, "tag_key": tag_key}
        )
        return _assignment(doc) if doc else None

    async def apply(
        self,
        tenant: str,
        *,
        upserts: list[Assignment],
        deletes: list[Assignment],
        history: list[HistoryEntry],
    ) -> None:
        """Write one request's outcome: the active values first, then the history that records them.

        Each assignment is its own document, so each write is atomic; the request as a whole is not
        (no multi-document transactions on the stand-in), which the up-front validation makes rare.
        """
        ops: list[ReplaceOne[dict[str, Any]] | DeleteOne] = [
            ReplaceOne(_assignment_key(tenant, a), _assignment_doc(tenant, a), upsert=True) for a in upserts
        ]
        ops.extend(DeleteOne(_assignment_key(tenant, a)) for a in deletes)
        if ops:
            await self._assignments.bulk_write(ops, ordered=True)
        if history:
            await self._history.insert_many([_history_doc(tenant, h) for h in history], ordered=True)

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


def _assignment_key(tenant: str, a: Assignment) -> dict[str, Any]:
    return {"tenant_id": tenant, "customer_id": a.customer_id, "tag_key": a.tag_key}


def _assignment_doc(tenant: str, a: Assignment) -> dict[str, Any]:
    return {"_id": f"{tenant}/{a.customer_id}/{a.tag_key}", "tenant_id": tenant, **asdict(a)}


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
