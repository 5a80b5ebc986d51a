"""MongoDB for the segment index: dense customer numbers, usage marks, and the bulk reads of a rebuild.

- `tag_numbers`: one counter document per tenant (`_id` = tenant, `next`); a block of numbers is
  taken with one atomic `$inc` (an upsert with `$inc` works on the stand-in, unlike `$setOnInsert`
  in `find_one_and_update`). Numbers are never reused: a number taken by a write that then lost its
  race is a gap, which costs one bit.
- A customer's number lives in its `tag_customers` document (`n`), written with its first write, or
  at a rebuild for documents written before numbers existed (`$set` guarded by `n` missing, so two
  replicas rebuilding at once agree on one number).
- `tag_usage`: one document per (tenant, tag) with `last_assigned_ms` / `last_removed_ms`, only ever
  raised with `$max` (so replicas flushing the same marks, in any order, converge).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from common.mongo import IndexSpec
from services.tags.store import CUSTOMERS, LEGACY_ASSIGNMENTS

NUMBERS = "tag_numbers"
USAGE = "tag_usage"

INDEXES = [IndexSpec(USAGE, [("tenant_id", ASCENDING), ("tag_key", ASCENDING)])]


class SegmentStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._numbers = db[NUMBERS]
        self._usage = db[USAGE]
        self._customers = db[CUSTOMERS]
        self._legacy = db[LEGACY_ASSIGNMENTS]

    async def take_numbers(self, tenant: str, count: int) -> int:
        """The first of `count` fresh consecutive numbers of the tenant (numbers start at 1)."""
        doc = await self._numbers.find_one_and_update(
            {"_id": tenant}, {"$inc": {"next": count}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        assert doc is not None
        return int(doc["next"]) - count + 1

    async def give_number(self, doc_id: str, number: int) -> int | None:
        """Store `number` as the document's `n` unless it has one; the number it ends up with."""
        result = await self._customers.update_one(
            {"_id": doc_id, "n": {"$exists": False}}, {"$set": {"n": number}}
        )
        if result.matched_count == 1:
            return number
        doc = await self._customers.find_one({"_id": doc_id}, {"n": 1})
        return int(doc["n"]) if doc is not None and doc.get("n") is not None else None

    async def customer_documents(self, batch: int) -> AsyncIterator[list[dict[str, Any]]]:
        """Every `tag_customers` document of every tenant, in batches (a rebuild's one pass)."""
        projection = {"tenant_id": 1, "customer_id": 1, "version": 1, "n": 1, "tags": 1}
        docs: list[dict[str, Any]] = []
        async for doc in self._customers.find({}, projection, batch_size=batch):
            docs.append(doc)
            if len(docs) >= batch:
                yield docs
                docs = []
        if docs:
            yield docs

    async def legacy_customers(self, batch: int) -> AsyncIterator[list[tuple[str, str]]]:
        """(tenant, customer) of every customer with earlier per-tag documents, in batches."""
        seen: set[tuple[str, str]] = set()
        found: list[tuple[str, str]] = []
        async for doc in self._legacy.find({}, {"tenant_id": 1, "customer_id": 1}, batch_size=batch):
            key = (doc["tenant_id"], doc["customer_id"])
            if key not in seen:
                seen.add(key)
                found.append(key)
                if len(found) >= batch:
                    yield found
                    found = []
        if found:
            yield found

    async def existing(self, doc_ids: list[str]) -> set[str]:
        """Which of these `tag_customers` documents exist."""
        cursor = self._customers.find({"_id": {"$in": doc_ids}}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}

    async def usage_marks(self) -> AsyncIterator[tuple[str, str, int, int]]:
        async for doc in self._usage.find({}):
            yield (
                doc["tenant_id"],
                doc["tag_key"],
                int(doc.get("last_assigned_ms", 0)),
                int(doc.get("last_removed_ms", 0)),
            )

    async def raise_marks(self, marks: list[tuple[str, str, int, int]]) -> None:
        for tenant, tag, assigned, removed in marks:
            await self._usage.update_one(
                {"_id": f"{tenant}/{tag}"},
                {
                    "$max": {"last_assigned_ms": assigned, "last_removed_ms": removed},
                    "$set": {"tenant_id": tenant, "tag_key": tag},
                },
                upsert=True,
            )
