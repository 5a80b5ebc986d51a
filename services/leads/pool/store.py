"""MongoDB access of the lead pool: pools, pool leads, per-rep loads, owner history, follow-ups.

Atomicity without transactions (docs/lead-pool.md): every change of a lead is one conditional update
of its `pool_leads` document, guarded by its revision (`rev`) and, for a claim, by "unowned"; events,
owner-history entries, follow-ups and timers ride in that same write through the outbox. The per-rep
limit is a counter document per (tenant, pool, rep) in `pool_loads` whose reservation is guarded by
`count < limit` — see `LoadStore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.ids import new_id
from common.mongo import IndexSpec
from common.outbox import Pending, pending_document, pending_set
from services.leads.pool.rules import PoolRules

POOLS = "pools"
POOL_LEADS = "pool_leads"
POOL_LOADS = "pool_loads"
OWNER_SPANS = "owner_spans"
FOLLOW_UPS = "follow_ups"

INDEXES = [
    IndexSpec(POOLS, [("tenant_id", 1), ("name", 1)]),
    # A pool's leads, oldest first (equality prefix, then the sort field).
    IndexSpec(POOL_LEADS, [("tenant_id", 1), ("pool_id", 1), ("added_ms", 1)]),
    # A rep's leads, newest first (equality prefix, then the sort field of the keyset pages).
    IndexSpec(POOL_LEADS, [("tenant_id", 1), ("owner_id", 1), ("added_ms", 1)]),
    IndexSpec(OWNER_SPANS, [("tenant_id", 1), ("customer_id", 1)]),
    IndexSpec(FOLLOW_UPS, [("tenant_id", 1), ("customer_id", 1)]),
]

Document = dict[str, Any]


# A keyset position: (the integer ms sort field, the _id tie-breaker) of the last row of a page.
Position = tuple[int, str]


def keyset_after(query: Document, *, field: str, position: Position, ascending: bool) -> Document:
    """`query` narrowed to the rows after `position` in (field, _id) order.

    The `$or` goes inside an `$and` (the stand-in drops fields beside a top-level `$or`), and the
    field is integer ms (the stand-in compares datetimes at whole seconds): docs/mongo-standin.md.
    """
    op = "$gt" if ascending else "$lt"
    ms, tie = position
    return {"$and": [query, {"$or": [{field: {op: ms}}, {field: ms, "_id": {op: tie}}]}]}


def lead_key(tenant: str, customer_id: str) -> str:
    return f"{tenant}|{customer_id}"


def pool_to_document(tenant: str, rules: PoolRules, *, now_ms: int) -> Document:
    return {
        "_id": rules.id,
        "tenant_id": tenant,
        "name": rules.name,
        "team": rules.team,
        "region": rules.region,
        "claim_limit": rules.claim_limit,
        "cooldown_hours": rules.cooldown_hours,
        "follow_up_days": rules.follow_up_days,
        "callback_grace_hours": rules.callback_grace_hours,
        "lost_reasons": list(rules.lost_reasons),
        "assignment": rules.assignment,
        "members": list(rules.members),
        "updated_ms": now_ms,
    }


def pool_from_document(doc: Document) -> PoolRules:
    return PoolRules(
        id=doc["_id"],
        name=doc["name"],
        team=doc.get("team", ""),
        region=doc.get("region", ""),
        claim_limit=int(doc["claim_limit"]),
        cooldown_hours=int(doc["cooldown_hours"]),
        follow_up_days=int(doc["follow_up_days"]),
        callback_grace_hours=int(doc["callback_grace_hours"]),
        lost_reasons=tuple(doc.get("lost_reasons") or ()),
        assignment=doc.get("assignment", "none"),
        members=tuple(doc.get("members") or ()),
    )


class PoolStore:
    """Pools and their leads, every method scoped by tenant."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.pools = db[POOLS]
        self.leads = db[POOL_LEADS]
        self.spans = db[OWNER_SPANS]
        self.follow_ups = db[FOLLOW_UPS]

    async def save_pool(self, tenant: str, rules: PoolRules, *, now_ms: int) -> None:
        doc = pool_to_document(tenant, rules, now_ms=now_ms)
        # The round-robin turn survives a redefinition: it is not part of the rules.
        await self.pools.update_one({"_id": doc.pop("_id"), "tenant_id": tenant}, {"$set": doc}, upsert=True)

    async def pool(self, tenant: str, pool_id: str) -> PoolRules | None:
        doc = await self.pools.find_one({"_id": pool_id, "tenant_id": tenant})
        return pool_from_document(doc) if doc else None

    async def pools_of(self, tenant: str) -> list[PoolRules]:
        cursor = self.pools.find({"tenant_id": tenant}).sort("name", ASCENDING)
        return [pool_from_document(d) async for d in cursor]

    async def next_turn(self, tenant: str, pool_id: str) -> int:
        """The round-robin turn of one intake: an atomic counter, so two intakes never share a turn."""
        doc = await self.pools.find_one_and_update(
            {"_id": pool_id, "tenant_id": tenant}, {"$inc": {"turn": 1}}, projection={"turn": 1}
        )
        return int((doc or {}).get("turn", 0))

    async def lead(self, tenant: str, customer_id: str) -> Document | None:
        return await self.leads.find_one({"_id": lead_key(tenant, customer_id), "tenant_id": tenant})

    async def leads_of(self, tenant: str, customer_ids: Sequence[str]) -> dict[str, Document]:
        ids = [lead_key(tenant, c) for c in dict.fromkeys(customer_ids)]
        return {
            d["customer_id"]: d async for d in self.leads.find({"_id": {"$in": ids}, "tenant_id": tenant})
        }

    async def add(self, tenant: str, customer_id: str, pool_id: str, *, now_ms: int) -> bool:
        """Put a customer into a pool, unowned; False when it already is in one (left as it is)."""
        try:
            await self.leads.insert_one(
                {
                    "_id": lead_key(tenant, customer_id),
                    "tenant_id": tenant,
                    "customer_id": customer_id,
                    "pool_id": pool_id,
                    "owner_id": None,
                    "claim_id": None,
                    "claimed_ms": None,
                    "last_follow_up_ms": None,
                    "release_due_ms": None,
                    "last_reason": "",
                    "release_count": 0,
                    "cooldowns": [],
                    "added_ms": now_ms,
                    "rev": new_id("rev"),
                    "seq": 0,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def change(
        self, current: Document, fields: Document, items: Sequence[Pending], **guard: Any
    ) -> bool:
        """Set `fields` on a lead if it is still at the revision read, with its pending items; True if so."""
        query = {"_id": current["_id"], "tenant_id": current["tenant_id"], "rev": current["rev"], **guard}
        # `seq` orders the lead's states (the revision is random): the profile's owner follows only a
        # later state than the one it shows (services/leads/pool/owner.py).
        seq = int(current.get("seq") or 0) + 1
        update = {"$set": {**fields, "rev": new_id("rev"), "seq": seq, **pending_set(items)}}
        result = await self.leads.update_one(query, update)
        return result.modified_count == 1

    async def page(
        self, query: Document, *, after: Position | None, limit: int, newest: bool = False
    ) -> list[Document]:
        """Up to `limit` leads after `after` in (added_ms, _id) order: a keyset page, so a lead claimed
        or released between two pages shifts nothing (`added_ms` never changes)."""
        order = DESCENDING if newest else ASCENDING
        if after is not None:
            query = keyset_after(query, field="added_ms", position=after, ascending=not newest)
        cursor = self.leads.find(query).sort([("added_ms", order), ("_id", order)]).limit(limit)
        return [d async for d in cursor]

    async def history(
        self, tenant: str, customer_ids: Sequence[str]
    ) -> tuple[list[Document], list[Document]]:
        """Owner spans and follow-ups of several customers, newest first: two queries in all."""
        query = {"tenant_id": tenant, "customer_id": {"$in": list(customer_ids)}}
        spans = [d async for d in self.spans.find(query).sort("claimed_ms", DESCENDING)]
        follow_ups = [d async for d in self.follow_ups.find(query).sort("at_ms", DESCENDING)]
        return spans, follow_ups


__all__ = ["INDEXES", "PoolStore", "lead_key", "pending_document"]
