"""MongoDB access for the intent service's own database: signals and the last known score per customer.

Documents are keyed `<tenant>|<id>` so a re-sent signal id collides with the stored one (counted as a
duplicate, not stored twice) and a customer has exactly one `scores` document per tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from common.outbox import PendingEvent, pending_set
from common.timeutil import as_utc
from services.intent.scoring import ScoreResult
from services.intent.signals import Signal

SIGNALS = "signals"
SCORES = "scores"
DUPLICATE_KEY = 11000
_SIGNAL_FIELDS = {
    "signal_id": 1,
    "customer_id": 1,
    "type": 1,
    "party": 1,
    "topic": 1,
    "occurred_at": 1,
    "properties": 1,
    "source": 1,
}


def _key(tenant: str, item_id: str) -> str:
    return f"{tenant}|{item_id}"


def score_doc_id(tenant: str, customer_id: str) -> str:
    """The `_id` of a customer's `scores` document (where its pending `level_changed` waits)."""
    return _key(tenant, customer_id)


class IntentStore:
    """Signals (one document per signal) and scores (one document per customer), always per tenant."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._signals: AsyncCollection[dict[str, Any]] = db[SIGNALS]
        self._scores: AsyncCollection[dict[str, Any]] = db[SCORES]

    async def insert_signals(
        self, tenant: str, signals: Sequence[Signal], *, received_at: datetime
    ) -> tuple[int, int]:
        """Store new signals in one batch; returns (accepted, duplicates). Known ids are left as they are."""
        docs = [
            {
                "_id": _key(tenant, s.id),
                "tenant_id": tenant,
                "signal_id": s.id,
                "customer_id": s.customer_id,
                "type": s.type,
                "party": s.party,
                "topic": s.topic,
                "occurred_at": s.occurred_at,
                "properties": s.properties,
                "source": s.source,
                "received_at": received_at,
            }
            for s in signals
        ]
        try:
            result = await self._signals.insert_many(docs, ordered=False)
        except BulkWriteError as err:
            errors = err.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return len(docs) - len(errors), len(errors)
        return len(result.inserted_ids), 0

    async def signals_since(
        self, tenant: str, customer_ids: Sequence[str], *, since: datetime
    ) -> dict[str, list[Signal]]:
        """Every customer's signals at or after `since`, in one indexed query for all of them."""
        out: dict[str, list[Signal]] = {cid: [] for cid in customer_ids}
        cursor = self._signals.find(
            {"tenant_id": tenant, "customer_id": {"$in": list(out)}, "occurred_at": {"$gte": since}},
            _SIGNAL_FIELDS,
        )
        async for doc in cursor:
            out.setdefault(doc["customer_id"], []).append(
                Signal(
                    id=doc["signal_id"],
                    customer_id=doc["customer_id"],
                    type=doc["type"],
                    party=doc.get("party", "first"),
                    topic=doc.get("topic", ""),
                    occurred_at=as_utc(doc["occurred_at"]),
                    properties=dict(doc.get("properties") or {}),
                    source=doc.get("source", ""),
                )
            )
        return out

    async def stored_levels(self, tenant: str, customer_ids: Sequence[str]) -> dict[str, str]:
        """The last stored level of each customer that has one."""
        cursor = self._scores.find(
            {"tenant_id": tenant, "customer_id": {"$in": list(customer_ids)}}, {"customer_id": 1, "level": 1}
        )
        return {doc["customer_id"]: doc["level"] async for doc in cursor}

    async def save_scores(
        self,
        tenant: str,
        results: Sequence[ScoreResult],
        *,
        previous: dict[str, str],
        events: dict[str, PendingEvent],
    ) -> set[str]:
        """Store each result, guarded by the level read earlier; returns the customers whose write won.

        The filter names the previous level (null for a customer never scored), so when two ingests
        race on one customer only one of them moves the level, and only that one announces it.
        A customer's `level_changed` event (in `events`) is written into the same document by the
        same update (common/outbox.py): the level move and the intent to announce it are one atomic
        write, and the outbox relay publishes it even if this process dies right after.
        A lost race surfaces as a duplicate-key error of the upsert and is simply skipped.
        """
        ops = [
            UpdateOne(
                {
                    "_id": _key(tenant, r.customer_id),
                    "tenant_id": tenant,
                    "customer_id": r.customer_id,
                    "level": previous.get(r.customer_id),
                },
                {
                    "$set": {
                        "score": r.score,
                        "level": r.level,
                        "computed_at": r.computed_at,
                        **pending_set([events[r.customer_id]] if r.customer_id in events else []),
                    }
                },
                upsert=True,
            )
            for r in results
        ]
        if not ops:
            return set()
        lost: set[int] = set()
        try:
            await self._scores.bulk_write(ops, ordered=False)
        except BulkWriteError as err:
            errors = err.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            lost = {e["index"] for e in errors}
        return {r.customer_id for i, r in enumerate(results) if i not in lost}
