"""What each durable consumer has already applied: the idempotency record behind every consumer.

JetStream delivers at least once: a message is redelivered when its ack is lost, when the process dies
between handling and acking, or when a durable consumer is re-created and replays its stream. The
consumer runner (`common.bus.ConsumerRunner`) therefore records every event it applied in the consuming
service's own database, collection `consumed_events`, one document per applied event:

    {"_id": "<durable>|<tenant>|<event id>", "tenant_id": "<tenant>", "durable": "<durable>", "at": <datetime>}

and acknowledges a redelivered event that is already recorded without calling its handler again. A TTL
index on `at` forgets a record after the stream's `max_age` (7 days): a message cannot be redelivered
after the stream has discarded it, so a longer memory would buy nothing.

Lookups and inserts are made once per fetched batch (one `find` with `$in`, one `insert_many`), never
per message: the local stand-in answers ~1.2k single finds per second, which would halve ingest.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from common.timeutil import utcnow

COLLECTION = "consumed_events"
DUPLICATE_KEY = 11000
_MAX_ID_CHARS = 200  # longer event ids are hashed, so a hostile id cannot exceed MongoDB's index key limit


@dataclass(frozen=True)
class Applied:
    """One event a consumer applied: its record key and its tenant."""

    key: str
    tenant: str


def applied_key(durable: str, tenant: str, event_id: str) -> str:
    """`<durable>|<tenant>|<event id>`; an id longer than 200 characters is replaced by its SHA-256."""
    if len(event_id) > _MAX_ID_CHARS:
        event_id = "sha256:" + hashlib.sha256(event_id.encode(errors="replace")).hexdigest()
    return f"{durable}|{tenant}|{event_id}"


class Inbox:
    """The `consumed_events` collection of one service database."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], *, retention_seconds: int) -> None:
        self._events = db[COLLECTION]
        self._retention = retention_seconds

    async def ensure_index(self) -> None:
        """The TTL index that bounds the record to the stream's retention; idempotent."""
        await self._events.create_index([("at", 1)], expireAfterSeconds=self._retention)

    async def ping(self) -> None:
        """Raise unless the database answers within two seconds."""
        async with asyncio.timeout(2.0):
            await self._events.database.command("ping")

    async def applied(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` already recorded, in one query."""
        if not keys:
            return set()
        cursor = self._events.find({"_id": {"$in": list(set(keys))}}, {"_id": 1})
        return {str(doc["_id"]) async for doc in cursor}

    async def record(self, applied: Sequence[Applied], *, durable: str) -> None:
        """Record applied events in one unordered insert; a key recorded meanwhile (a concurrent replica
        handled a redelivery) is not an error."""
        if not applied:
            return
        at = utcnow()
        docs = [{"_id": a.key, "tenant_id": a.tenant, "durable": durable, "at": at} for a in applied]
        try:
            await self._events.insert_many(docs, ordered=False)
        except BulkWriteError as err:
            errors = err.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors) or not errors:
                raise
