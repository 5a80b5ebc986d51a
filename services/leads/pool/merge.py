"""A merge of duplicates moves the pool's side too: the lead, its claim history, follow-ups, call-backs.

`rekey(tenant, survivor, duplicate)` is idempotent and every step is one single-document (or
per-collection `update_many`) write that a rerun finds done, so a crash anywhere is completed by the
next run — the merge itself runs it (also on a retried merge that finds the profiles folded already)
and so does the leads service's own consumer of `customers_merged` (durable `leads-pool-merges`),
which completes it without anyone retrying:

1. the duplicate's owner spans, follow-ups and call-backs are re-keyed to the survivor, each labelled
   `merged_from` = the duplicate (shown as `mergedFrom`; the history is kept, not rewritten);
2. the duplicate's pool lead is folded into the survivor's:
   - the survivor has none: it gets the duplicate's (same pool, claim, timers) under its own key;
   - both are claimed: the survivor's claim wins; the duplicate's claim ends as an owner span with
     reason 合并 (its rep's place is given back, its auto-release timer cancelled);
   - only the duplicate is claimed: its claim carries over to the survivor's lead;
   a rep's place held for the duplicate becomes one held for the survivor (or is given back when the
   same rep held both), and the auto-release timer now names the survivor;
3. the duplicate's lead is deleted (last, so a rerun still finds what is left to do), which takes the
   merged id off every pool list; then the survivor's profile owner follows its lead (owner.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.bus import Consumer
from common.errors import Contended
from common.ids import require_customer_id
from common.outbox import DUE_MS, FIELD, REV
from common.scheduler import Scheduler
from common.timeutil import from_ms
from services.leads.pool.callbacks import CALLBACKS
from services.leads.pool.claims import AUTO_RELEASE, Claims
from services.leads.pool.loads import load_key
from services.leads.pool.store import FOLLOW_UPS, OWNER_SPANS, lead_key

MERGED_REASON = "合并"
DURABLE = "leads-pool-merges"
CLAIM_FIELDS = ("owner_id", "claim_id", "claimed_ms", "last_follow_up_ms", "release_due_ms")
MAX_ATTEMPTS = 6
# The outbox's bookkeeping of the duplicate's lead: its pending events are its own, not the copy's.
OUTBOX_FIELDS = frozenset({FIELD, DUE_MS, REV})

Document = dict[str, Any]


class PoolMerges:
    def __init__(self, claims: Claims, db: AsyncDatabase[Document], scheduler: Scheduler) -> None:
        self._claims = claims
        self._store = claims.store
        self._db = db
        self._scheduler = scheduler

    async def rekey(self, tenant: str, survivor_id: str, duplicate_id: str) -> None:
        """Move the duplicate's pool side to the survivor (see the module); safe to run again."""
        moved = {"tenant_id": tenant, "customer_id": duplicate_id}
        for collection in (OWNER_SPANS, FOLLOW_UPS, CALLBACKS):
            # An entry merged in earlier keeps the label of the duplicate it was recorded on.
            await self._db[collection].update_many(
                {**moved, "merged_from": {"$exists": False}},
                {"$set": {"customer_id": survivor_id, "merged_from": duplicate_id}},
            )
            await self._db[collection].update_many(moved, {"$set": {"customer_id": survivor_id}})
        for attempt in range(MAX_ATTEMPTS):
            duplicate = await self._store.lead(tenant, duplicate_id)
            if duplicate is None:
                break
            # Deleted only with no event of its own still pending (the relay publishes those first).
            gone = {"_id": duplicate["_id"], "rev": duplicate["rev"], FIELD: {"$exists": False}}
            if (
                await self._fold(tenant, survivor_id, duplicate)
                and (await self._store.leads.delete_one(gone)).deleted_count
            ):
                break
            await asyncio.sleep(0.05 * (attempt + 1))
        else:
            raise Contended(f"the pool lead of {duplicate_id} kept changing during its merge")
        await self._claims.owner_changed(tenant, survivor_id)

    async def _fold(self, tenant: str, survivor_id: str, duplicate: Document) -> bool:
        """The duplicate's lead folded into the survivor's; False when a write lost a race (rerun)."""
        duplicate_id, claim = duplicate["customer_id"], duplicate.get("claim_id")
        survivor = await self._store.lead(tenant, survivor_id)
        if survivor is None:
            copy = {k: v for k, v in duplicate.items() if k not in OUTBOX_FIELDS}
            copy.update(_id=lead_key(tenant, survivor_id), customer_id=survivor_id, merged_ids=[duplicate_id])
            with contextlib.suppress(DuplicateKeyError):  # a rerun: it is there already
                await self._store.leads.insert_one(copy)
            survivor = await self._store.lead(tenant, survivor_id)
            if survivor is None:
                return False
        fields: Document = {}
        if duplicate_id not in survivor.get("merged_ids", []):
            fields["merged_ids"] = sorted({*survivor.get("merged_ids", []), duplicate_id})
            fields["release_count"] = int(survivor.get("release_count", 0)) + int(
                duplicate.get("release_count", 0)
            )
            fields["cooldowns"] = [*survivor.get("cooldowns", []), *duplicate.get("cooldowns", [])]
        if claim and survivor.get("claim_id") != claim:
            if survivor.get("owner_id"):  # both claimed: the survivor's claim wins
                await self._end_claim(tenant, duplicate, survivor_id)
            else:  # only the duplicate's: it carries over
                fields.update({k: duplicate.get(k) for k in CLAIM_FIELDS})
                fields["owner_actor"] = duplicate.get("owner_actor") or ""
                fields["owner_reason"] = f"merged from {duplicate_id}"
        if fields and not await self._store.change(survivor, fields, []):
            return False
        if claim and claim in (fields.get("claim_id"), survivor.get("claim_id")):
            await self._move_claim(tenant, duplicate, survivor_id)
        return True

    async def _move_claim(self, tenant: str, duplicate: Document, survivor_id: str) -> None:
        """The duplicate's claim now belongs to the survivor: the rep's place and the timer follow."""
        owner, claim = duplicate.get("owner_id"), duplicate.get("claim_id")
        if not owner or not claim:
            return
        key, old = load_key(tenant, duplicate["pool_id"], owner), duplicate["customer_id"]
        load = await self._claims.loads.loads.find_one({"_id": key}) or {}
        at = (load.get("held") or {}).get(old)
        if at is not None:
            if survivor_id in (load.get("held") or {}):
                await self._claims.loads.give_back(tenant, duplicate["pool_id"], owner, old)
            else:
                await self._claims.loads.loads.update_one(
                    {"_id": key, f"held.{old}": at},
                    {"$set": {f"held.{survivor_id}": at}, "$unset": {f"held.{old}": ""}},
                )
        due = duplicate.get("release_due_ms")
        if due:
            await self._scheduler.schedule(
                tenant=tenant,
                kind=AUTO_RELEASE,
                key=str(claim),
                due_at=from_ms(int(due)),
                payload={"customer_id": survivor_id},
            )

    async def _end_claim(self, tenant: str, duplicate: Document, survivor_id: str) -> None:
        """Both were claimed: the duplicate's claim ends as a span labelled 合并, its place given back."""
        span = {
            "_id": duplicate["claim_id"],
            "tenant_id": tenant,
            "customer_id": survivor_id,
            "pool_id": duplicate["pool_id"],
            "owner_id": duplicate["owner_id"],
            "claimed_ms": duplicate["claimed_ms"],
            "released_ms": _now_ms(),
            "reason": MERGED_REASON,
            "note": f"merged into {survivor_id}, whose owner kept the lead",
            "automatic": True,
            "merged_from": duplicate["customer_id"],
        }
        with contextlib.suppress(DuplicateKeyError):  # a rerun ended it already
            await self._db[OWNER_SPANS].insert_one(span)
        await self._claims.loads.give_back(
            tenant, duplicate["pool_id"], duplicate["owner_id"], duplicate["customer_id"]
        )
        await self._scheduler.cancel(tenant=tenant, kind=AUTO_RELEASE, key=str(duplicate["claim_id"]))


def pool_merges_consumer(merges: PoolMerges) -> Consumer:
    """Leads' own `customers_merged`: completes a pool re-key a crash interrupted (idempotent)."""

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        survivor = require_customer_id(str(data.get("survivor_id", "")), field="data.survivor_id")
        duplicate = require_customer_id(str(data.get("merged_id", "")), field="data.merged_id")
        await merges.rekey(tenant, survivor, duplicate)

    return Consumer(
        durable=DURABLE, stream_kind="evt", filter_subject="evt.*.leads.customers_merged", handler=handle
    )


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
