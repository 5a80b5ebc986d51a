"""MongoDB access for deals: one document per deal, holding its qualification, history and outbox.

The deal document is the aggregate: a change is one `update_one` guarded by the `version` that was
read, carrying the new fields, the history entry and the event(s) in its outbox (common/outbox.py);
a deal is created with a plain insert (version 1), never an upsert. Times compared or ranged are
integer epoch milliseconds (`signed_ms`, `paid_ms`, `created_ms`), as the stand-in needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.mongo import IndexSpec
from common.outbox import Pending, pending_document, pending_set
from services.journey.deals import deal_key

DEALS = "deals"
# A customer's deals are few; more than this are not listed on the customer (the newest are).
MAX_PER_CUSTOMER = 100

DEAL_INDEXES = (
    IndexSpec(DEALS, (("tenant_id", 1), ("customer_id", 1), ("created_ms", -1))),
    # Revenue sums range over when deals were signed and paid.
    IndexSpec(DEALS, (("tenant_id", 1), ("signed_ms", 1))),
    IndexSpec(DEALS, (("tenant_id", 1), ("paid_ms", 1))),
)


class DealStore:
    """Deals of every tenant, always read and written by (tenant, id)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._deals = db[DEALS]

    async def get(self, tenant: str, deal_id: str) -> dict[str, Any] | None:
        return await self._deals.find_one({"_id": deal_key(tenant, deal_id), "tenant_id": tenant})

    async def insert(self, doc: dict[str, Any], items: Sequence[Pending]) -> bool:
        """Insert a new deal with its pending events; False when the id exists already."""
        try:
            await self._deals.insert_one({**doc, **pending_document(items)})
        except DuplicateKeyError:
            return False
        return True

    async def update(
        self, tenant: str, deal_id: str, *, version: int, updates: dict[str, Any], items: Sequence[Pending]
    ) -> bool:
        """Apply `updates` as version + 1 if nobody wrote since `version` was read."""
        result = await self._deals.update_one(
            {"_id": deal_key(tenant, deal_id), "tenant_id": tenant, "version": version},
            {"$set": {**updates, "version": version + 1, **pending_set(items)}},
        )
        return result.modified_count == 1

    async def of_customers(self, tenant: str, customer_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Each customer's deals, newest first (one indexed query for the whole batch)."""
        found: dict[str, list[dict[str, Any]]] = {cid: [] for cid in customer_ids}
        query = {"tenant_id": tenant, "customer_id": {"$in": list(found)}}
        async for doc in self._deals.find(query).sort([("created_ms", -1), ("id", -1)]):
            deals = found.setdefault(doc["customer_id"], [])
            if len(deals) < MAX_PER_CUSTOMER:
                deals.append(doc)
        return found

    async def move_customer(self, tenant: str, from_customer: str, to_customer: str) -> int:
        """Give every deal of `from_customer` to `to_customer` (a merge): owner, amounts, qualification
        and history unchanged, `merged_from` recorded, `version` bumped so a writer that read the deal
        before re-reads it. No event: nothing about the deal changed. A repeat moves nothing."""
        result = await self._deals.update_many(
            {"tenant_id": tenant, "customer_id": from_customer},
            {"$set": {"customer_id": to_customer, "merged_from": from_customer}, "$inc": {"version": 1}},
        )
        return result.modified_count

    async def won_between(
        self, tenant: str, *, won: str, from_ms: int, to_ms: int, owner_id: str = ""
    ) -> list[dict[str, Any]]:
        """Deals signed (`won="signed"`) or paid within [from_ms, to_ms), optionally of one owner."""
        query: dict[str, Any] = {"tenant_id": tenant, f"{won}_ms": {"$gte": from_ms, "$lt": to_ms}}
        if owner_id:
            query["owner_id"] = owner_id
        projection = {"owner_id": 1, won: 1, f"{won}_ms": 1}
        return [doc async for doc in self._deals.find(query, projection)]
