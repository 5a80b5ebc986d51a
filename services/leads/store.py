"""MongoDB access of the leads service: customers and the identity keys that keep them unique.

`customers` holds one document per customer (`_id` = customer id, `tenant_id`). `identities` holds
one document per contact point (`_id` = "<tenant>|<kind>|<value>" → `customer_id`); the unique `_id`
is what makes identity resolution race-free without transactions (which the local stand-in does not
isolate): a create claims every key with an insert before it inserts the customer, and exactly one
of two concurrent claims of the same key can succeed.

What a crash of `create` at each point leaves behind, and how it is completed:
- while claiming keys: some identity keys without a customer; a later create of the same contact
  point takes such an orphan over after `ORPHAN_AFTER`. No customer, no event: the caller's retry
  creates it.
- after the customer insert: the customer with `customer_created` pending inside it (one insert, so
  never one without the other); the outbox relay publishes it after its grace period.
- after publishing, before marking it sent: the relay publishes it again with the same
  `Nats-Msg-Id`, which JetStream drops as a duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.errors import AlreadyExists
from common.mongo import IndexSpec, epoch_ms, newest_first_after
from common.outbox import Pending, PendingEvent, pending_document, pending_set
from common.timeutil import as_utc, utcnow
from services.leads.listing import PagePosition
from services.leads.profiles import IdentityKey

CUSTOMERS = "customers"
IDENTITIES = "identities"
# Who changed which field of a profile when (services/leads/updates.py); written through the outbox
# as a pending insert of the change's own write, so an entry exists exactly when its change does.
HISTORY = "profile_history"

INDEXES = [
    # List walks customers newest first. Get/BatchGet filter by the unique _id (plus tenant_id), which
    # the built-in _id index serves; the stand-in rejects compound indexes that contain _id.
    IndexSpec(CUSTOMERS, [("tenant_id", 1), ("created_ms", -1)]),
    # Finding every key of a customer (merges, deletes) without scanning the tenant.
    IndexSpec(IDENTITIES, [("tenant_id", 1), ("customer_id", 1)]),
    IndexSpec(HISTORY, [("tenant_id", 1), ("customer_id", 1)]),
]

# A key whose customer never appeared is left over from a create that died between claiming and
# inserting; after this long it is taken over rather than blocking that email or phone forever.
ORPHAN_AFTER = timedelta(seconds=30)
# How long a conflicting create waits for an in-flight one to insert its customer or roll back.
SETTLE_WAIT = 2.0
_POLL = 0.02

Document = dict[str, Any]


class CustomerStore:
    """Customers and identity keys of every tenant; every method is scoped by `tenant`."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.database = db
        self._customers = db[CUSTOMERS]
        self._identities = db[IDENTITIES]
        self._history = db[HISTORY]

    async def create(
        self, document: Document, keys: Sequence[IdentityKey], *, events: Sequence[PendingEvent] = ()
    ) -> Document:
        """Insert a new customer after claiming its identity keys; raises AlreadyExists on a duplicate.

        `events` (e.g. `customer_created`) are stored in the customer document by the same insert, so
        the customer and the intent to announce it exist together or not at all (common/outbox.py).

        Keys are claimed in the given order. If one belongs to another customer, the keys claimed by
        this call are released and nothing is written. The error names the existing customer in its
        metadata (`existing_customer_id`, `identity`), which callers use to be idempotent.
        """
        tenant, customer_id = document["tenant_id"], document["_id"]
        claimed: list[str] = []
        try:
            for key in keys:
                owner = await self._claim(tenant, key, customer_id, now=document["created_at"])
                if owner is not None:
                    raise AlreadyExists(
                        f"{key.kind} {key.value} already belongs to customer {owner}",
                        field=f"customer.{key.kind}",
                        metadata={"existing_customer_id": owner, "identity": key.kind},
                    )
                claimed.append(key.storage_id(tenant))
            await self._customers.insert_one(
                {**document, "created_ms": epoch_ms(document["created_at"]), **pending_document(events)}
            )
        except BaseException:
            # Also on cancellation: a half-claimed set of keys would block these contacts until orphaned.
            if claimed:
                await self._identities.delete_many({"_id": {"$in": claimed}, "customer_id": customer_id})
            raise
        return document

    async def _claim(self, tenant: str, key: IdentityKey, customer_id: str, *, now: datetime) -> str | None:
        """Claim one key for `customer_id`; None on success, else the id of the customer that holds it."""
        storage_id = key.storage_id(tenant)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_WAIT
        while True:
            try:
                await self._identities.insert_one(
                    {
                        "_id": storage_id,
                        "tenant_id": tenant,
                        "kind": key.kind,
                        "value": key.value,
                        "customer_id": customer_id,
                        "claimed_at": now,
                    }
                )
                return None
            except DuplicateKeyError:
                pass
            holder = await self._identities.find_one({"_id": storage_id})
            if holder is None:
                continue  # released between our insert and our read: try again
            owner = str(holder["customer_id"])
            if await self._customers.find_one({"_id": owner, "tenant_id": tenant}, {"_id": 1}):
                return owner
            if utcnow() - as_utc(holder["claimed_at"]) > ORPHAN_AFTER:
                # Guarded by the old owner, so two creates cannot both take the same orphan over.
                await self._identities.delete_one({"_id": storage_id, "customer_id": owner})
                continue
            if loop.time() >= deadline:
                # Still being created by someone else; report it, it is the customer this one duplicates.
                return owner
            await asyncio.sleep(_POLL)

    async def get(self, tenant: str, customer_id: str) -> Document | None:
        return await self._customers.find_one({"_id": customer_id, "tenant_id": tenant})

    async def get_many(self, tenant: str, customer_ids: Sequence[str]) -> dict[str, Document]:
        """The tenant's customers among `customer_ids`, by id, in one query."""
        cursor = self._customers.find(
            {"tenant_id": tenant, "_id": {"$in": list(dict.fromkeys(customer_ids))}}
        )
        return {doc["_id"]: doc async for doc in cursor}

    async def list_newest_first(
        self, tenant: str, *, after: PagePosition | None, limit: int
    ) -> list[Document]:
        """Up to `limit` customers created before `after` (from the newest when None), newest first.

        Sorted by (created_at, _id) descending, a total order, so pages neither skip nor repeat.
        """
        query: Document = {"tenant_id": tenant}
        if after is not None:
            query = newest_first_after(
                query, ms_field="created_ms", at=after.created_at, tie_field="_id", tie=after.customer_id
            )
        cursor = (
            self._customers.find(query).sort([("created_ms", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        )
        return [doc async for doc in cursor]

    # ---- changes to existing profiles (services/leads/updates.py, status.py, merging.py) ----

    async def claim_keys(self, tenant: str, customer_id: str, keys: Sequence[IdentityKey]) -> list[str]:
        """Claim new identity keys for an existing customer; all or none, AlreadyExists names the holder.

        A key this customer already holds (e.g. a retried update) counts as claimed.
        """
        claimed: list[str] = []
        try:
            for key in keys:
                owner = await self._claim(tenant, key, customer_id, now=utcnow())
                if owner is not None and owner != customer_id:
                    raise AlreadyExists(
                        f"{key.kind} {key.value} already belongs to customer {owner}",
                        field=f"customer.{key.kind}",
                        metadata={"existing_customer_id": owner, "identity": key.kind},
                    )
                claimed.append(key.storage_id(tenant))
        except BaseException:
            if claimed:
                await self._identities.delete_many({"_id": {"$in": claimed}, "customer_id": customer_id})
            raise
        return claimed

    async def release_keys(self, tenant: str, customer_id: str, keys: Sequence[IdentityKey]) -> None:
        """Free keys the customer no longer has (guarded by the holder, so another's claim is safe)."""
        if keys:
            ids = [k.storage_id(tenant) for k in keys]
            await self._identities.delete_many({"_id": {"$in": ids}, "customer_id": customer_id})

    async def move_keys(self, tenant: str, *, from_id: str, to_id: str) -> int:
        """Re-point every identity key of `from_id` to `to_id` (a merge); returns how many moved."""
        result = await self._identities.update_many(
            {"tenant_id": tenant, "customer_id": from_id}, {"$set": {"customer_id": to_id}}
        )
        return int(result.modified_count)

    async def keys_of(self, tenant: str, customer_id: str) -> list[Document]:
        cursor = self._identities.find({"tenant_id": tenant, "customer_id": customer_id})
        return [doc async for doc in cursor]

    async def history_of(self, tenant: str, customer_id: str) -> list[Document]:
        """The customer's profile history, newest first."""
        cursor = self._history.find({"tenant_id": tenant, "customer_id": customer_id})
        rows = [doc async for doc in cursor]
        return sorted(rows, key=lambda h: (int(h.get("at_ms") or 0), str(h["_id"])), reverse=True)

    async def write_guarded(self, read: Document, update: Document, *, items: Sequence[Pending] = ()) -> bool:
        """Apply `update` ($set fields) to the customer as `read`, if no one changed it since.

        One single-document write carries the change and its pending history inserts and events (the
        outbox), guarded by the document's version; False when another write came first (re-read, retry).
        """
        version = int(read.get("version", 0))
        guard: Document = {"_id": read["_id"], "tenant_id": read["tenant_id"]}
        guard["version"] = version if "version" in read else {"$exists": False}
        change: Document = {"$set": {**update, "version": version + 1, **pending_set(items)}}
        result = await self._customers.update_one(guard, change)
        return bool(result.modified_count)
