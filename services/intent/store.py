"""MongoDB access for the intent service's own database: raw signals and one aggregate per customer.

`signals`: one document per signal, keyed `<tenant>|<signal id>` so a re-sent id collides with the
stored one (counted as a duplicate, never added twice). Times are integer milliseconds (`at_ms`, the
scoring time; `occurred_ms`) so every range query is indexed on real MongoDB and on the stand-in alike;
`occurred_at` stays a date only for the retention TTL index. Signals are stored *after* the aggregate
write that adds them (module docstring of services/intent/engine.py: crash safety).

`scores`: one document per (tenant, customer): the decayed aggregates (services/intent/aggregate.py),
the stored score and level, the profile facts the model's fit and the call list use, the last contact,
the last surge, and `v`, a version every write bumps. Writes are compare-and-set on `v`, so two
replicas adding signals to one customer never lose each other's: the loser re-reads and re-applies.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from common.outbox import Pending, pending_set
from common.timeutil import to_ms
from services.intent.signals import Signal

SIGNALS = "signals"
SCORES = "scores"
HISTORY = "score_history"  # written by the outbox as pending inserts of the aggregate's write
DUPLICATE_KEY = 11000
RECENT_IDS = 200  # at most this many added-but-maybe-unstored signal ids per customer (engine.py)
# Signals per insert command. The stand-in runs one command at a time per database: a 4,000-signal insert
# held the next batch's reads back ~0.8 s, so the service's planning could not overlap it
# (bench/intent_ingest.py). Smaller commands let those reads through between them.
INSERT_CHUNK = 500
# Insert commands in flight at once: the next one is queued at the database while the service's event loop
# is busy with the next batch's CPU work, so the database does not wait on the service in between.
INSERT_WINDOW = 2


def key(tenant: str, item_id: str) -> str:
    return f"{tenant}|{item_id}"


def score_doc_id(tenant: str, customer_id: str) -> str:
    """The `_id` of a customer's `scores` document (where its pending events wait)."""
    return key(tenant, customer_id)


class IntentStore:
    """Signals and per-customer aggregates, always per tenant."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.signals: AsyncCollection[dict[str, Any]] = db[SIGNALS]
        self.scores: AsyncCollection[dict[str, Any]] = db[SCORES]
        self.history_entries: AsyncCollection[dict[str, Any]] = db[HISTORY]

    async def stored_ids(self, tenant: str, signal_ids: Sequence[str]) -> set[str]:
        """Which of these signal ids are stored already (re-sends: counted, never added again)."""
        if not signal_ids:
            return set()
        cursor = self.signals.find({"_id": {"$in": [key(tenant, i) for i in signal_ids]}}, {"signal_id": 1})
        return {doc["signal_id"] async for doc in cursor}

    async def insert_signals(self, tenant: str, signals: Sequence[Signal], *, received_at: datetime) -> int:
        """Store signals in one batch; returns how many were new (an id stored meanwhile is left as it is)."""
        received_ms = to_ms(received_at)
        docs = [
            {
                "_id": key(tenant, s.id),
                "tenant_id": tenant,
                "signal_id": s.id,
                "customer_id": s.customer_id,
                "type": s.type,
                "party": s.party,
                "topic": s.topic,
                "occurred_at": s.occurred_at,
                "occurred_ms": to_ms(s.occurred_at),
                "at_ms": min(to_ms(s.occurred_at), received_ms),
                "received_ms": received_ms,
                "properties": s.properties,
                "source": s.source,
                "matched_on": s.matched_on,
                "matched_value": s.matched_value,
            }
            for s in signals
        ]
        if not docs:
            return 0
        window = asyncio.Semaphore(INSERT_WINDOW)

        async def insert(chunk: list[dict[str, Any]]) -> int:
            async with window:
                try:
                    await self.signals.insert_many(chunk, ordered=False)
                except BulkWriteError as err:
                    errors = err.details.get("writeErrors", [])
                    if any(e.get("code") != DUPLICATE_KEY for e in errors):
                        raise
                    return len(chunk) - len(errors)
                return len(chunk)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(insert(docs[start : start + INSERT_CHUNK]))
                    for start in range(0, len(docs), INSERT_CHUNK)
                ]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return sum(task.result() for task in tasks)

    async def signal_documents(
        self, tenant: str, customer_id: str, *, since_ms: int, limit: int = 0
    ) -> list[dict[str, Any]]:
        """A customer's stored signals with scoring time ≥ since_ms, newest first (explanations, re-scores)."""
        cursor = self.signals.find(
            {"tenant_id": tenant, "customer_id": customer_id, "at_ms": {"$gte": since_ms}}
        ).sort("at_ms", -1)
        if limit:
            cursor = cursor.limit(limit)
        return [doc async for doc in cursor]

    async def history(
        self, tenant: str, customer_id: str, *, before: tuple[int, str] | None, limit: int
    ) -> list[dict[str, Any]]:
        """A customer's score history entries, newest first, strictly after the `before` (at_ms, id) key."""
        where: dict[str, Any] = {"tenant_id": tenant, "customer_id": customer_id}
        if before is not None:
            at, entry_id = before
            # `$and` around the `$or`: the stand-in drops fields standing next to a top-level `$or`.
            where = {
                "$and": [
                    where,
                    {"$or": [{"at_ms": {"$lt": at}}, {"at_ms": at, "_id": {"$lt": entry_id}}]},
                ]
            }
        cursor = self.history_entries.find(where).sort([("at_ms", -1), ("_id", -1)]).limit(limit)
        return [doc async for doc in cursor]

    async def aggregates(
        self, tenant: str, customer_ids: Sequence[str], *, for_read: bool = False
    ) -> dict[str, dict[str, Any]]:
        """The stored aggregate document of each customer that has one; `for_read` leaves out what only
        writers need (the recent signal ids and pending outbox items), a third of a busy document."""
        projection = {"recent_ids": 0, "outbox": 0} if for_read else None
        cursor = self.scores.find(
            {"_id": {"$in": [score_doc_id(tenant, c) for c in customer_ids]}}, projection
        )
        return {doc["customer_id"]: doc async for doc in cursor}

    async def write_aggregates(self, tenant: str, writes: Sequence[AggregateWrite]) -> set[str]:
        """Compare-and-set each customer's document on its version; returns the customers whose write won.

        A document never written before is inserted by an upsert whose filter asks for `v: null`; when
        another writer created it first, the upsert fails with a duplicate key and counts as lost.
        """
        ops = [
            UpdateOne(
                {"_id": score_doc_id(tenant, w.customer_id), "v": w.version},
                {"$set": {**w.changed_fields(tenant), **pending_set(w.pending, rev=w.token)}},
                upsert=w.version is None,
            )
            for w in writes
        ]
        if not ops:
            return set()
        lost: set[int] = set()
        try:
            result = await self.scores.bulk_write(ops, ordered=False)
            matched_all = result.matched_count + result.upserted_count == len(ops)
        except BulkWriteError as err:
            errors = err.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            lost = {e["index"] for e in errors}
            matched_all = False
        if not matched_all:
            # Which updates matched nothing is not reported per operation: re-read the versions.
            cursor = self.scores.find(
                {"_id": {"$in": [score_doc_id(tenant, w.customer_id) for w in writes]}},
                {"customer_id": 1, "v": 1, "rev_token": 1},
            )
            fresh = {doc["customer_id"]: doc async for doc in cursor}
            for i, w in enumerate(writes):
                doc = fresh.get(w.customer_id)
                if doc is None or doc.get("v") != (w.version or 0) + 1 or doc.get("rev_token") != w.token:
                    lost.add(i)
        return {w.customer_id for i, w in enumerate(writes) if i not in lost}


class AggregateWrite:
    """One customer's compare-and-set write: the fields to set, events/inserts to store with them."""

    __slots__ = ("before", "customer_id", "fields", "pending", "token", "version")

    def __init__(
        self,
        *,
        customer_id: str,
        version: int | None,
        fields: dict[str, Any],
        pending: Sequence[Pending],
        token: str,
        before: Mapping[str, Any] | None = None,
    ) -> None:
        self.customer_id = customer_id
        self.version = version
        self.fields = {**fields, "rev_token": token}
        self.pending = list(pending)
        self.token = token
        self.before = before  # the document as read, at `version`

    def changed_fields(self, tenant: str) -> dict[str, Any]:
        """`stored_fields` without those the document (as read, at `version`) already holds.

        The compare-and-set on `v` means the stored document is the one read, so an equal field need not
        be sent: the stand-in's update costs grow with each field set (~25 % of an aggregate write here).
        """
        fields = self.stored_fields(tenant)
        if self.before is None or self.version is None:
            return fields
        before = self.before
        return {k: v for k, v in fields.items() if k not in before or before[k] != v}

    def stored_fields(self, tenant: str) -> dict[str, Any]:
        """What the write sets besides its pending events (and what the document then holds)."""
        return {
            "tenant_id": tenant,
            "customer_id": self.customer_id,
            "v": (self.version or 0) + 1,
            **self.fields,
        }


# --- issue 9 (intentcall): the call list's read, and the facts reads attach to a score ---

# What the call list needs of a customer's document: the aggregates to score it now, and its call facts.
CALL_FIELDS = {
    "customer_id": 1,
    "owner_id": 1,
    "model_version": 1,
    "buckets": 1,
    "top": 1,
    "last_signal_ms": 1,
    "applied": 1,
    "profile": 1,
    "surge": 1,
    "last_surge_ms": 1,
    "last_contact_ms": 1,
    "score": 1,
}


async def call_candidates(
    scores: AsyncCollection[dict[str, Any]], tenant: str, *, owner_ids: Sequence[str] | None, limit: int
) -> list[dict[str, Any]]:
    """Customers flagged `call_open` (of these owners; None: every owner), highest stored score first,
    at most `limit` (the index on (tenant_id, call_open, owner_id, score) serves it)."""
    query: dict[str, Any] = {"tenant_id": tenant, "call_open": True}
    if owner_ids is not None:
        query["owner_id"] = {"$in": list(owner_ids)}
    cursor = scores.find(query, CALL_FIELDS).sort("score", -1).limit(limit)
    return [doc async for doc in cursor]


async def call_facts(
    scores: AsyncCollection[dict[str, Any]], tenant: str, customer_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Each customer's surge and last contact (one read by `_id`), for reads that show the surge."""
    cursor = scores.find(
        {"_id": {"$in": [score_doc_id(tenant, c) for c in customer_ids]}},
        {"customer_id": 1, "surge": 1, "last_contact_ms": 1},
    )
    return {doc["customer_id"]: doc async for doc in cursor}
