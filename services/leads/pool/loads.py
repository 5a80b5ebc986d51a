"""The per-rep limit of a pool: one counter document per (tenant, pool, rep) in `pool_loads`.

A claim first *reserves* a place: `update_one({count < limit, held.<lead> absent}, {$inc count, $set
held.<lead>})` — one document, so two concurrent reservations of the last place cannot both succeed
and a rep never exceeds the limit. Then the lead itself is claimed; if that loses, the reservation is
given back. A release gives its place back after the lead's write. The counter is therefore never
*lower* than what the rep holds; a crash between the two writes can only leave it higher, and `heal`
drops reservations older than `STALE_MS` whose lead the rep does not own (each guarded by its own
reservation time, so a heal never undoes a claim in flight).
"""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.leads.pool.store import POOL_LOADS, lead_key

STALE_MS = 30_000

Document = dict[str, Any]


def load_key(tenant: str, pool_id: str, rep: str) -> str:
    return f"{tenant}|{pool_id}|{rep}"


class LoadStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.loads = db[POOL_LOADS]
        self.leads = db["pool_leads"]

    async def reserve(
        self, tenant: str, pool_id: str, rep: str, customer_id: str, *, limit: int, now_ms: int
    ) -> bool:
        """Take one of the rep's places in the pool for `customer_id`; False at the limit."""
        key = load_key(tenant, pool_id, rep)
        with contextlib.suppress(DuplicateKeyError):  # the rep's first claim in this pool creates it
            await self.loads.insert_one(
                {"_id": key, "tenant_id": tenant, "pool_id": pool_id, "rep_id": rep, "count": 0, "held": {}}
            )
        result = await self.loads.update_one(
            {"_id": key, "count": {"$lt": limit}, f"held.{customer_id}": {"$exists": False}},
            {"$inc": {"count": 1}, "$set": {f"held.{customer_id}": now_ms}},
        )
        return result.modified_count == 1

    async def give_back(self, tenant: str, pool_id: str, rep: str, customer_id: str) -> None:
        """Return the rep's place held for `customer_id` (a lost claim or a release); once only."""
        await self.loads.update_one(
            {"_id": load_key(tenant, pool_id, rep), f"held.{customer_id}": {"$exists": True}},
            {"$inc": {"count": -1}, "$unset": {f"held.{customer_id}": ""}},
        )

    async def held(self, tenant: str, pool_id: str, rep: str) -> int:
        doc = await self.loads.find_one({"_id": load_key(tenant, pool_id, rep)}, {"count": 1})
        return int((doc or {}).get("count", 0))

    async def loads_of(self, tenant: str, pool_id: str, reps: list[str]) -> dict[str, int]:
        ids = [load_key(tenant, pool_id, r) for r in reps]
        return {d["rep_id"]: int(d["count"]) async for d in self.loads.find({"_id": {"$in": ids}})}

    async def in_flight(self, tenant: str, pool_id: str, rep: str) -> int:
        """Reservations of leads the rep does not own (yet): claims still deciding, or left by a crash."""
        doc = await self.loads.find_one({"_id": load_key(tenant, pool_id, rep)}, {"held": 1})
        held = list(((doc or {}).get("held") or {}).keys())
        if not held:
            return 0
        owned = self.leads.find(
            {"_id": {"$in": [lead_key(tenant, c) for c in held]}, "owner_id": rep, "pool_id": pool_id},
            {"_id": 1},
        )
        return len(held) - len([d async for d in owned])

    async def heal(self, tenant: str, pool_id: str, rep: str, *, now_ms: int) -> int:
        """Drop stale reservations of leads the rep does not own (left by a crash); returns how many."""
        key = load_key(tenant, pool_id, rep)
        doc = await self.loads.find_one({"_id": key})
        healed = 0
        for customer_id, at_ms in ((doc or {}).get("held") or {}).items():
            if now_ms - int(at_ms) < STALE_MS:
                continue
            lead = await self.leads.find_one(
                {"_id": lead_key(tenant, customer_id)}, {"owner_id": 1, "pool_id": 1}
            )
            if lead and lead.get("owner_id") == rep and lead.get("pool_id") == pool_id:
                continue
            result = await self.loads.update_one(
                {"_id": key, f"held.{customer_id}": at_ms},
                {"$inc": {"count": -1}, "$unset": {f"held.{customer_id}": ""}},
            )
            healed += result.modified_count
        return healed
