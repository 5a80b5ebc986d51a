"""Task reminders fired a batch at a time (services/journey/reminders.py) on real servers.

Many tasks due together each remind once with two replicas; a batch fired twice (a replica that died
after writing, before the scheduler recorded completion) or by two racing callers (lost version
guards) still sends each reminder once; a batch mixing tenants, a vanished task and a moved due time
sends only what is due, each to its own tenant; another write's event waiting in a task's outbox
is never cleared with the reminder's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from crm.journey.v1 import journey_pb2

from common.config import Settings
from common.outbox import pending_set
from common.scheduler import TimerBatchHandler, TimerItem
from common.service import RunningService, start_service
from services.journey import tasks
from services.journey.app import DEFINITION
from services.journey.task_store import TASKS
from tests.integration.journey.helpers import Journey
from tests.integration.journey.work_helpers import create_task, watch
from tests.support.rpc import metadata


@pytest.fixture
async def replica(journey: Journey, settings_for: Callable[..., Settings]) -> AsyncIterator[RunningService]:
    """Another journey process on the same database and NATS, whose reminder handler a test calls."""
    running = await start_service(DEFINITION, settings_for("journey"))
    try:
        yield running
    finally:
        await running.stop()


def due_item(task: journey_pb2.Task, *, tenant: str = "acme", due_ms: int | None = None) -> TimerItem:
    """The task_due timer of `task` as the scheduler hands it to the batch handler."""
    at = task.due_at.ToMilliseconds() if due_ms is None else due_ms
    return TimerItem(
        tenant=tenant,
        kind=tasks.DUE_KIND,
        key=tasks.timer_key(task.id, at),
        payload={"task_id": task.id, "due_ms": at},
        at_ms=at,
        attempt=1,
    )


def reminder_handler(running: RunningService) -> TimerBatchHandler:
    assert running.parts is not None
    return running.parts.batch_timers[tasks.DUE_KIND]


async def test_forty_tasks_due_together_remind_once_each_with_two_replicas(
    journey: Journey, replica: RunningService
) -> None:
    due = await watch(journey, "task_due")
    customer = await journey.customer()
    created = await asyncio.gather(*(create_task(journey, customer, due_in=3.0) for _ in range(40)))

    await due.wait_for(40, within=40)
    await asyncio.sleep(1.5)  # room for any duplicate to show up
    assert sorted(e["data"]["task_id"] for e in due.events) == sorted(t.id for t in created)
    listed = await journey.stub.ListTasks(journey_pb2.ListTasksRequest(page_size=100), metadata=metadata())
    assert all(t.HasField("due_reminded_at") for t in listed.tasks)


async def test_a_batch_fired_again_or_by_two_callers_at_once_reminds_once(
    journey: Journey, replica: RunningService
) -> None:
    due = await watch(journey, "task_due")
    customer = await journey.customer()
    # Due in an hour: the scheduler leaves them alone, the test plays the timers' firings itself.
    created = [await create_task(journey, customer, due_in=3600) for _ in range(6)]
    fire = reminder_handler(replica)
    items = [due_item(t) for t in created]

    racing = await asyncio.gather(fire(items[:3]), fire(items[:3]))
    again = await fire(items)
    await due.wait_for(6, within=15)
    await asyncio.sleep(1.0)

    assert racing == [[None] * 3, [None] * 3] and again == [None] * 6
    assert sorted(e["data"]["task_id"] for e in due.events) == sorted(t.id for t in created)


async def test_a_mixed_batch_reminds_what_is_due_each_to_its_own_tenant(
    journey: Journey, replica: RunningService
) -> None:
    acme, globex = await watch(journey, "task_due"), await watch(journey, "task_due", tenant="globex")
    ours = await create_task(journey, await journey.customer(), due_in=3600)
    theirs = await create_task(journey, await journey.customer("globex"), due_in=3600, tenant="globex")
    moved = await create_task(journey, await journey.customer(), due_in=3600)
    old_due_ms = moved.due_at.ToMilliseconds()
    fire = reminder_handler(replica)

    results = await fire(
        [
            due_item(ours),
            due_item(theirs, tenant="globex"),
            due_item(ours, tenant="globex"),  # another tenant's task id: not globex's to remind
            due_item(moved, due_ms=old_due_ms - 60_000),  # a due time the task no longer has
            TimerItem(
                tenant="acme",
                kind=tasks.DUE_KIND,
                key="gone@1",
                payload={"task_id": "tsk_gone", "due_ms": 1},
                at_ms=1,
                attempt=1,
            ),
        ]
    )
    await acme.wait_for(1, within=15)
    await globex.wait_for(1, within=15)
    await asyncio.sleep(1.0)

    assert results == [None] * 5  # nothing to retry: what is not due is done too
    assert [e["data"]["task_id"] for e in acme.events] == [ours.id]
    assert [e["data"]["task_id"] for e in globex.events] == [theirs.id]


async def test_a_reminder_written_beside_another_pending_event_leaves_that_event_to_be_published(
    journey: Journey, replica: RunningService
) -> None:
    due = await watch(journey, "task_due")
    task = await create_task(journey, await journey.customer(), due_in=3600)
    # Another write's event still waits in the task's outbox (its writer died before publishing).
    waiting = replica.runtime.outbox.event(tenant="acme", event="task_due", data={"task_id": "still-pending"})
    await replica.runtime.db[TASKS].update_one({"_id": f"acme|{task.id}"}, {"$set": pending_set([waiting])})

    assert await reminder_handler(replica)([due_item(task)]) == [None]
    await due.wait_for(2, within=20)  # the reminder now, the waiting event by the outbox relay

    assert sorted(e["data"]["task_id"] for e in due.events) == sorted([task.id, "still-pending"])
