"""MongoDB access for tasks: one document per task with its status, due time and pending items.

A change is one `update_one` guarded by the version read (reminders write a batch of such guarded
updates in one `bulk_write`, `update_many`); the reminder timers a new due time needs and the
reminder events ride in the same write as outbox items (common/outbox.py). Due times are
integer epoch milliseconds (`due_ms`), indexed for the owner's list and the customer's tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from common.mongo import IndexSpec
from common.outbox import Pending, pending_document, pending_set
from services.journey.tasks import ACTIVE, task_key

TASKS = "tasks"
# A customer's tasks shown on the customer: active ones first, then the latest closed, at most this many.
MAX_PER_CUSTOMER = 50

TASK_INDEXES = (
    IndexSpec(TASKS, (("tenant_id", 1), ("owner_id", 1), ("due_ms", 1), ("id", 1))),
    IndexSpec(TASKS, (("tenant_id", 1), ("due_ms", 1), ("id", 1))),
    IndexSpec(TASKS, (("tenant_id", 1), ("customer_id", 1), ("due_ms", 1))),
)


@dataclass(frozen=True, kw_only=True)
class TaskChange:
    """One guarded `update` of a batch (`TaskStore.update_many`)."""

    tenant: str
    task_id: str
    version: int
    updates: dict[str, Any]
    items: Sequence[Pending]
    # The outbox revision the write stamps (`pending_set(rev=...)`); None for a fresh one.
    rev: str | None = None


class TaskStore:
    """Tasks of every tenant, always read and written by (tenant, id)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._tasks = db[TASKS]

    async def get(self, tenant: str, task_id: str) -> dict[str, Any] | None:
        return await self._tasks.find_one({"_id": task_key(tenant, task_id), "tenant_id": tenant})

    async def get_many(self, tenant: str, task_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The tasks of `tenant` among `task_ids`, by task id (unknown ones are absent): one query."""
        query = {"_id": {"$in": [task_key(tenant, t) for t in task_ids]}, "tenant_id": tenant}
        return {doc["id"]: doc async for doc in self._tasks.find(query)}

    async def insert(self, doc: dict[str, Any], items: Sequence[Pending]) -> bool:
        try:
            await self._tasks.insert_one({**doc, **pending_document(items)})
        except DuplicateKeyError:
            return False
        return True

    async def update(
        self, tenant: str, task_id: str, *, version: int, updates: dict[str, Any], items: Sequence[Pending]
    ) -> bool:
        result = await self._tasks.update_one(
            {"_id": task_key(tenant, task_id), "tenant_id": tenant, "version": version},
            {"$set": {**updates, "version": version + 1, **pending_set(items)}},
        )
        return result.modified_count == 1

    async def update_many(self, changes: Sequence[TaskChange]) -> int:
        """Several `update`s, each under its own version guard, in one round trip; how many applied.

        A change whose guard was lost is not applied and nothing says which: the caller re-reads
        (reminders look for their own outbox event in the task).
        """
        if not changes:
            return 0
        ops = [
            UpdateOne(
                {"_id": task_key(c.tenant, c.task_id), "tenant_id": c.tenant, "version": c.version},
                {"$set": {**c.updates, "version": c.version + 1, **pending_set(c.items, rev=c.rev)}},
            )
            for c in changes
        ]
        try:
            result = await self._tasks.bulk_write(ops, ordered=False)
        except BulkWriteError as err:  # some writes failed outright; the others stand
            return int(err.details.get("nModified", 0))
        return int(result.modified_count)

    async def move_customer(self, tenant: str, from_customer: str, to_customer: str) -> int:
        """Give every task of `from_customer` to `to_customer` (a merge), open and closed alike: owner,
        due time and status unchanged, `version` bumped. The reminder timers name the task, not the
        customer (`tasks.timer_key`), so they fire once, as before, and their events name the
        survivor (read from the task when they fire). A repeat moves nothing."""
        result = await self._tasks.update_many(
            {"tenant_id": tenant, "customer_id": from_customer},
            {"$set": {"customer_id": to_customer, "merged_from": from_customer}, "$inc": {"version": 1}},
        )
        return result.modified_count

    async def page(
        self,
        tenant: str,
        *,
        owner_id: str,
        statuses: Sequence[str],
        due_before_ms: int | None,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Up to `limit` tasks due soonest first, strictly after the (due_ms, id) position `after`."""
        query: dict[str, Any] = {"tenant_id": tenant}
        if owner_id:
            query["owner_id"] = owner_id
        if statuses:
            query["status"] = {"$in": list(statuses)}
        due: dict[str, Any] = {}
        if due_before_ms is not None:
            due["$lt"] = due_before_ms
        if after is not None:
            due["$gte"] = after[0]
        if due:
            query["due_ms"] = due
        if after is not None:
            # The stand-in drops fields beside a top-level $or: keep the tie-break inside $and.
            at, last = after
            query = {"$and": [query, {"$or": [{"due_ms": {"$gt": at}}, {"id": {"$gt": last}}]}]}
        cursor = self._tasks.find(query).sort([("due_ms", 1), ("id", 1)]).limit(limit)
        return [doc async for doc in cursor]

    async def of_customers(self, tenant: str, customer_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Each customer's tasks: active ones by due time, then closed ones latest first (one query)."""
        found: dict[str, list[dict[str, Any]]] = {cid: [] for cid in customer_ids}
        query = {"tenant_id": tenant, "customer_id": {"$in": list(found)}}
        async for doc in self._tasks.find(query):
            found.setdefault(doc["customer_id"], []).append(doc)
        for cid, tasks in found.items():
            tasks.sort(
                key=lambda d: (
                    d["status"] not in ACTIVE,
                    int(d["due_ms"]) * (1 if d["status"] in ACTIVE else -1),
                )
            )
            found[cid] = tasks[:MAX_PER_CUSTOMER]
        return found
