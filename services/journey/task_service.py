"""Task use cases: create, update, complete, cancel, list — each one guarded write with its timers.

A task change that needs reminders stores their timers as pending inserts of the same write
(`timer_document` via the outbox, as tag expiry does), so a task is never stored without the
reminders of its due time. Timers of a due time that no longer holds (moved, completed, cancelled)
are cancelled after the write; should that cancel be lost to a crash, the timer fires, finds the
task changed and does nothing (`tasks.plan_reminder`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from common.context import CallContext
from common.customers import KnownCustomers
from common.errors import Contended, InvalidArgument, NotFound
from common.outbox import Outbox, Pending
from common.scheduler import TIMERS, Scheduler, timer_document
from services.journey import tasks
from services.journey.deal_store import DealStore
from services.journey.ownership import manages_all, owner_for, require_owner_or_manager
from services.journey.task_store import TASKS, TaskStore

MAX_ATTEMPTS = 20


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


class TaskBook:
    """The tasks of every tenant, changed on behalf of one caller at a time."""

    def __init__(
        self,
        *,
        store: TaskStore,
        deals: DealStore,
        outbox: Outbox,
        scheduler: Scheduler,
        customers: KnownCustomers,
        grace_ms: int,
    ) -> None:
        self._store = store
        self._deals = deals
        self._outbox = outbox
        self._scheduler = scheduler
        self._customers = customers
        self._grace_ms = grace_ms

    async def create(
        self,
        call: CallContext,
        *,
        task_id: str,
        customer_id: str,
        kind: str,
        due_ms: int,
        notes: str,
        owner_id: str,
        deal_id: str,
    ) -> dict[str, Any]:
        """A new open task with its two reminders; a re-sent `task_id` returns the task as stored."""
        tenant = call.tenant
        owner = owner_for(call, owner_id, field="owner_id")
        if deal_id:
            deal = await self._deals.get(tenant, deal_id)
            if deal is None or deal["customer_id"] != customer_id:
                raise InvalidArgument(
                    f"deal_id: no deal {deal_id} of customer {customer_id}", field="deal_id"
                )
        await self._customers.require(tenant, [customer_id], field="customer_id")
        existing = await self._store.get(tenant, task_id)
        if existing is not None:
            return existing
        now = now_ms()
        doc = {
            "_id": tasks.task_key(tenant, task_id),
            "tenant_id": tenant,
            "id": task_id,
            "customer_id": customer_id,
            "deal_id": deal_id,
            "kind": kind,
            "owner_id": owner,
            "due_ms": due_ms,
            "notes": notes,
            "status": tasks.OPEN,
            "created_by": call.caller,
            "created_ms": now,
            "updated_ms": now,
            "due_fired_ms": 0,
            "overdue_fired_ms": 0,
            "version": 1,
        }
        items = self._timer_items(tenant, task_id, due_ms)
        if not await self._store.insert(doc, items):
            return await self.get(tenant, task_id)
        await self._outbox.publish(TASKS, doc["_id"], items)
        return doc

    async def update(self, call: CallContext, task_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Change kind, notes, owner or due time; a new due time re-arms the reminders."""
        tenant = call.tenant
        if "owner_id" in values:
            values["owner_id"] = owner_for(call, values["owner_id"], field="owner_id")
        for attempt in range(MAX_ATTEMPTS):
            doc = await self.get(tenant, task_id)
            require_owner_or_manager(call, doc["owner_id"], what=f"task {task_id}", field="task_id")
            updates = tasks.plan_update(doc, values, now_ms=now_ms())
            if updates is None:
                return doc
            moved = "due_ms" in updates
            items = self._timer_items(tenant, task_id, int(updates["due_ms"])) if moved else []
            if await self._store.update(
                tenant, task_id, version=int(doc["version"]), updates=updates, items=items
            ):
                await self._outbox.publish(TASKS, doc["_id"], items)
                if moved:
                    await self._cancel_timers(tenant, task_id, int(doc["due_ms"]))
                return {**doc, **updates, "version": int(doc["version"]) + 1}
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"task {task_id} changed {MAX_ATTEMPTS} times meanwhile; try again")

    async def close(self, call: CallContext, task_id: str, status: str) -> dict[str, Any]:
        """Complete (`done`) or cancel a task; its pending reminders are cancelled."""
        tenant = call.tenant
        for attempt in range(MAX_ATTEMPTS):
            doc = await self.get(tenant, task_id)
            require_owner_or_manager(call, doc["owner_id"], what=f"task {task_id}", field="task_id")
            updates = tasks.plan_close(doc, status, actor=call.caller, now_ms=now_ms())
            if updates is None:
                return doc
            if await self._store.update(
                tenant, task_id, version=int(doc["version"]), updates=updates, items=[]
            ):
                await self._cancel_timers(tenant, task_id, int(doc["due_ms"]))
                return {**doc, **updates, "version": int(doc["version"]) + 1}
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"task {task_id} changed {MAX_ATTEMPTS} times meanwhile; try again")

    async def get(self, tenant: str, task_id: str) -> dict[str, Any]:
        doc = await self._store.get(tenant, task_id)
        if doc is None:
            raise NotFound(
                f"no task {task_id} in this tenant", field="task_id", metadata={"task_id": task_id}
            )
        return doc

    async def page(
        self,
        call: CallContext,
        *,
        owner_id: str,
        statuses: Sequence[str],
        due_before_ms: int | None,
        after: tuple[int, str] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """A page of tasks; people other than admins list their own (another owner is FORBIDDEN)."""
        if not manages_all(call):
            require_owner_or_manager(
                call, owner_id or call.caller, what="that owner's task list", field="owner_id"
            )
            owner_id = call.caller
        return await self._store.page(
            call.tenant,
            owner_id=owner_id,
            statuses=statuses,
            due_before_ms=due_before_ms,
            after=after,
            limit=limit,
        )

    async def of_customers(
        self, call: CallContext, customer_ids: Sequence[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """Each customer's tasks; people other than admins see only the ones they own."""
        found = await self._store.of_customers(call.tenant, customer_ids)
        if manages_all(call):
            return found
        return {cid: [t for t in ts if t["owner_id"] == call.caller] for cid, ts in found.items()}

    def _timer_items(self, tenant: str, task_id: str, due_ms: int) -> list[Pending]:
        timers = tasks.reminder_timers(tenant, task_id, due_ms=due_ms, grace_ms=self._grace_ms)
        return [self._outbox.insert(TIMERS, timer_document(t)) for t in timers]

    async def _cancel_timers(self, tenant: str, task_id: str, due_ms: int) -> None:
        key = tasks.timer_key(task_id, due_ms)
        # Best effort: a timer left behind finds the task changed and does nothing.
        try:
            await self._scheduler.cancel(tenant=tenant, kind=tasks.DUE_KIND, key=key)
            await self._scheduler.cancel(tenant=tenant, kind=tasks.OVERDUE_KIND, key=key)
        except Exception:  # the change is stored; a stray timer finds it changed and does nothing
            return
