"""The task reminder timers' handler: `journey.task_due` and `journey.task_overdue`, once per due time.

The common scheduler (common/scheduler.py) hands this module every claimed reminder timer of a kind
at once (a batch handler), on one replica at a time, at least once. A firing becomes one guarded
write of the task that records which due time was announced (`due_fired_ms` / `overdue_fired_ms`,
and for overdue the OVERDUE status) with the event in the same write's outbox. A second firing of
the same timer (a crash after the write, before the scheduler recorded completion) reads that
record and does nothing, and a timer whose due time the task no longer has (moved, completed,
cancelled) does nothing either: so each reminder goes out exactly once per due time, across
replicas and restarts.

A batch costs a fixed number of round trips, not several per reminder: one read of its tasks per
tenant, one bulk write of the guarded updates, `Outbox.publish_many` (the publishes, then one bulk
mark: a task read with nothing pending and written under its version holds only this event, so one
update guarded by the write's outbox revision clears it, `alone=`). A task changed between the read and the write (an edit, a merge) loses its guard: only those
tasks are read again — a task whose write did land is recognised by this firing's event in its
outbox — and planned again, like the single write used to be retried.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

from common.ids import new_id
from common.outbox import FIELD, Outbox, Pending, PendingEvent
from common.scheduler import TimerBatchHandler, TimerItem
from common.timeutil import from_ms, iso_utc
from services.journey import tasks
from services.journey.task_service import now_ms
from services.journey.task_store import TASKS, TaskChange, TaskStore
from services.journey.tasks import task_key

TASK_DUE = "task_due"
TASK_OVERDUE = "task_overdue"
MAX_ATTEMPTS = 20


class TaskReminders:
    """The batch handler of both reminder kinds, registered in `ServiceParts.batch_timers`."""

    def __init__(self, *, store: TaskStore, outbox: Outbox) -> None:
        self._store = store
        self._outbox = outbox

    def batch_handlers(self) -> dict[str, TimerBatchHandler]:
        return {tasks.DUE_KIND: self.fire, tasks.OVERDUE_KIND: self.fire}

    async def fire(self, items: list[TimerItem]) -> list[Exception | None]:
        """Record and publish the reminders of `items`; per item None (done or nothing to do) or the
        error that item failed with (the scheduler retries that one alone)."""
        results: list[Exception | None] = [None] * len(items)
        unsettled = set(range(len(items)))
        staged: dict[int, PendingEvent] = {}  # the event the last write attempt stored, per item
        written: list[tuple[str, list[Pending]]] = []
        alone: dict[str, str] = {}  # task -> revision of a write that left only its own event pending
        for attempt in range(MAX_ATTEMPTS):
            docs = await self._read(items, unsettled)
            changes: dict[int, TaskChange] = {}
            for i in sorted(unsettled):
                doc = docs.get(i)
                try:
                    if doc is not None and i in staged and staged[i].id in (doc.get(FIELD) or {}):
                        written.append((doc["_id"], [staged.pop(i)]))  # the last attempt's write landed
                        unsettled.discard(i)
                        continue
                    planned = self._plan(items[i], doc)
                except Exception as err:  # a task this code cannot read: that reminder alone fails
                    results[i] = err
                    unsettled.discard(i)
                    continue
                if planned is None:
                    unsettled.discard(i)
                else:
                    changes[i], staged[i] = planned
            if not changes:
                break
            if await self._store.update_many(list(changes.values())) == len(changes):
                for i, change in changes.items():
                    written.append((task_key(change.tenant, change.task_id), [staged.pop(i)]))
                    unsettled.discard(i)
                    if not (docs[i].get(FIELD) or {}) and change.rev:
                        # Read with nothing pending and written under its version: this event is all
                        # the outbox holds, so one guarded update marks it sent (Outbox.publish_many).
                        alone[task_key(change.tenant, change.task_id)] = change.rev
                break
            # Some guards were lost: the next round re-reads what is unsettled and finds out which.
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        # Publish what was written (an exception above leaves it to the outbox relay, and the timers
        # to the scheduler's retry, which finds the reminders recorded and sends nothing twice).
        await self._outbox.publish_many(TASKS, written, alone=alone)
        for i in unsettled:
            task_id, kind = items[i].payload.get("task_id"), items[i].kind
            results[i] = RuntimeError(f"task {task_id} kept changing while its {kind} reminder was recorded")
        return results

    async def _read(self, items: Sequence[TimerItem], indexes: set[int]) -> dict[int, dict[str, Any]]:
        """The current task of each item in `indexes` (absent when the task is gone): a query per tenant."""
        by_tenant: dict[str, list[int]] = {}
        for i in indexes:
            by_tenant.setdefault(items[i].tenant, []).append(i)
        found = await asyncio.gather(
            *(
                self._store.get_many(tenant, [str(items[i].payload["task_id"]) for i in idx])
                for tenant, idx in by_tenant.items()
            )
        )
        docs: dict[int, dict[str, Any]] = {}
        for (_, idx), tenant_docs in zip(by_tenant.items(), found, strict=True):
            for i in idx:
                doc = tenant_docs.get(str(items[i].payload["task_id"]))
                if doc is not None:
                    docs[i] = doc
        return docs

    def _plan(self, item: TimerItem, doc: dict[str, Any] | None) -> tuple[TaskChange, PendingEvent] | None:
        """The guarded write that records this reminder with its event, or None when there is none to send."""
        due_ms, now = int(item.payload["due_ms"]), now_ms()
        updates = tasks.plan_reminder(doc, item.kind, due_ms=due_ms, now_ms=now)
        if doc is None or updates is None:
            return None
        event = TASK_DUE if item.kind == tasks.DUE_KIND else TASK_OVERDUE
        data = {**tasks.task_event_data({**doc, **updates}), "reminded_at": iso_utc(from_ms(now))}
        pending = self._outbox.event(
            tenant=item.tenant, event=event, data=data, subject_id=doc["customer_id"]
        )
        change = TaskChange(
            tenant=item.tenant,
            task_id=doc["id"],
            version=int(doc["version"]),
            updates=updates,
            items=[pending],
            rev=new_id("rev"),
        )
        return change, pending
