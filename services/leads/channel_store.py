"""MongoDB access of channel analytics: the costs entered per channel and month, and the deals heard.

`channel_costs`: one document per (tenant, channel, month), `_id` "<tenant>|<channel>|<YYYY-MM>",
amount in integer minor units; setting it again replaces it. `deals`: one document per journey deal,
`_id` "<tenant>|<deal_id>", with the signed and the paid amount kept apart, so the same deal heard as
signed and then as paid counts once (paid wins), in whatever order the events arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from common.mongo import IndexSpec

COSTS = "channel_costs"
DEALS = "deals"
INDEXES = [
    IndexSpec(COSTS, [("tenant_id", 1), ("period", 1)]),
    IndexSpec(DEALS, [("tenant_id", 1), ("customer_id", 1)]),
]
Document = dict[str, Any]


class ChannelStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._costs = db[COSTS]
        self._deals = db[DEALS]
        self._customers = db["customers"]

    async def set_cost(self, tenant: str, doc: Document) -> None:
        doc_id = f"{tenant}|{doc['channel']}|{doc['period']}"
        await self._costs.replace_one(
            {"_id": doc_id}, {"_id": doc_id, "tenant_id": tenant, **doc}, upsert=True
        )

    async def costs(self, tenant: str, periods: Sequence[str], currency: str) -> dict[str, int]:
        """Minor units per channel over `periods`, in `currency`."""
        totals: dict[str, int] = {}
        cursor = self._costs.find(
            {"tenant_id": tenant, "period": {"$in": list(periods)}, "currency": currency}
        )
        async for doc in cursor:
            totals[doc["channel"]] = totals.get(doc["channel"], 0) + int(doc["amount_minor"])
        return totals

    async def record_deal(
        self, tenant: str, *, deal_id: str, customer_id: str, kind: str, amount_minor: int, currency: str
    ) -> None:
        doc_id = f"{tenant}|{deal_id}"
        await self._deals.update_one(
            {"_id": doc_id},
            {
                "$set": {
                    "tenant_id": tenant,
                    "customer_id": customer_id,
                    "currency": currency,
                    f"{kind}_minor": amount_minor,
                }
            },
            upsert=True,
        )

    async def rekey_deals(self, tenant: str, *, from_id: str, to_id: str) -> None:
        """A merged duplicate's deals count for its survivor."""
        await self._deals.update_many(
            {"tenant_id": tenant, "customer_id": from_id}, {"$set": {"customer_id": to_id}}
        )

    async def revenue(self, tenant: str, customer_ids: Sequence[str], currency: str) -> dict[str, int]:
        """Minor units per customer: each deal's paid amount, else its signed amount."""
        totals: dict[str, int] = {}
        for start in range(0, len(customer_ids), 500):
            chunk = list(customer_ids[start : start + 500])
            cursor = self._deals.find(
                {"tenant_id": tenant, "customer_id": {"$in": chunk}, "currency": currency}
            )
            async for doc in cursor:
                amount = doc["paid_minor"] if "paid_minor" in doc else doc.get("signed_minor", 0)
                totals[doc["customer_id"]] = totals.get(doc["customer_id"], 0) + int(amount)
        return totals

    async def cohort(self, tenant: str, start_ms: int, end_ms: int) -> list[Document]:
        """The customers created in [start_ms, end_ms), merged duplicates left out (their survivor counts)."""
        cursor = self._customers.find(
            {"tenant_id": tenant, "created_ms": {"$gte": start_ms, "$lt": end_ms}},
            {"source_channel": 1, "reached": 1, "status": 1, "merged_into": 1},
        )
        return [doc async for doc in cursor if not doc.get("merged_into")]
