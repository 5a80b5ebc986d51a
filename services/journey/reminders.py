"""The task reminder timers' handlers: `journey.task_due` and `journey.task_overdue`, once per due time.

The common scheduler (common/scheduler.py) fires each timer on one replica at a time, at least once.
Here a firing becomes one guarded write of the task that records which due time was announced
(`due_fired_ms` / `overdue_fired_ms`, and for overdue the OVERDUE status) with the event in the same
write's outbox. A second firing of the same timer (a crash after the write, before the scheduler
recorded completion) reads that record and does nothing, and a timer whose due time the task no
longer has (moved, completed, cancelled) does nothing either: so each reminder goes out exactly
once per due time, across replicas and restarts.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from common.outbox import Outbox
from common.timeutil import from_ms, iso_utc
from services.journey import tasks
from services.journey.task_service import now_ms
from services.journey.task_store import TASKS, TaskStore

TASK_DUE = "task_due"
TASK_OVERDUE = "task_overdue"
MAX_ATTEMPTS = 20


class TaskReminders:
    """Timer handlers of the two reminder kinds, registered in `ServiceParts.timers`."""

    def __init__(self, *, store: TaskStore, outbox: Outbox) -> None:
        self._store = store
        self._outbox = outbox

    def handlers(self) -> dict[str, Any]:
        return {tasks.DUE_KIND: self.on_due, tasks.OVERDUE_KIND: self.on_overdue}

    async def on_due(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        await self._remind(tenant, tasks.DUE_KIND, payload)

    async def on_overdue(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        await self._remind(tenant, tasks.OVERDUE_KIND, payload)

    async def _remind(self, tenant: str, kind: str, payload: dict[str, Any]) -> None:
        task_id, due_ms = str(payload["task_id"]), int(payload["due_ms"])
        event = TASK_DUE if kind == tasks.DUE_KIND else TASK_OVERDUE
        for attempt in range(MAX_ATTEMPTS):
            doc = await self._store.get(tenant, task_id)
            now = now_ms()
            updates = tasks.plan_reminder(doc, kind, due_ms=due_ms, now_ms=now)
            if doc is None or updates is None:
                return
            after = {**doc, **updates}
            data = {**tasks.task_event_data(after), "reminded_at": iso_utc(from_ms(now))}
            items = [self._outbox.event(tenant=tenant, event=event, data=data, subject_id=doc["customer_id"])]
            if await self._store.update(
                tenant, task_id, version=int(doc["version"]), updates=updates, items=items
            ):
                await self._outbox.publish(TASKS, doc["_id"], items)
                return
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise RuntimeError(
            f"task {task_id} kept changing while its {event} was recorded"
        )  # the scheduler retries
