"""Tasks and their reminders on real servers: task_due once per task with two replicas, task_overdue
after the grace period, nothing after completion, moved reminders, bad input refused and unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import grpc
import pytest
from crm.journey.v1 import journey_pb2, journey_pb2_grpc

from common.config import Settings
from common.service import start_service
from services.journey import app as journey_app
from services.journey.app import DEFINITION
from services.journey.task_config import TaskConfig
from tests.integration.journey.helpers import Journey
from tests.integration.journey.work_helpers import create_task, soon, watch
from tests.support.rpc import channel, metadata

GRACE = 2.0


@pytest.fixture(autouse=True)
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """A grace period of seconds, so overdue reminders arrive within the test."""
    monkeypatch.setattr(journey_app, "TASK_CONFIG", TaskConfig(grace_seconds=GRACE))


@pytest.fixture
async def second_replica(
    journey: Journey, settings_for: Callable[..., Settings]
) -> AsyncIterator[journey_pb2_grpc.JourneyServiceStub]:
    """Another journey process on the same database and NATS: both poll the same timers."""
    running = await start_service(DEFINITION, settings_for("journey"))
    try:
        async with channel(running.port) as ch:
            yield journey_pb2_grpc.JourneyServiceStub(ch)
    finally:
        await running.stop()


async def test_a_task_due_in_two_seconds_reminds_once_then_turns_overdue_with_two_replicas(
    journey: Journey, second_replica: journey_pb2_grpc.JourneyServiceStub
) -> None:
    due = await watch(journey, "task_due")
    overdue = await watch(journey, "task_overdue")
    customer = await journey.customer()
    tasks = [await create_task(journey, customer, due_in=2.0) for _ in range(3)]

    arrived = await due.wait_for(3, within=20)
    assert sorted(e["data"]["task_id"] for e in arrived) == sorted(t.id for t in tasks)
    assert {e["type"] for e in arrived} == {"crm.journey.task_due.v1"}
    first = arrived[0]["data"]
    assert first["owner_id"] == "user-1" and first["kind"] == "call" and first["customer_id"] == customer

    await overdue.wait_for(3, within=20)
    await asyncio.sleep(1.5)  # room for any duplicate to show up
    assert len(due.events) == 3 and len(overdue.events) == 3
    listed = await journey.stub.ListTasks(journey_pb2.ListTasksRequest(), metadata=metadata())
    assert {t.status for t in listed.tasks} == {journey_pb2.TASK_STATUS_OVERDUE}
    assert all(t.HasField("due_reminded_at") for t in listed.tasks)


async def test_a_completed_or_cancelled_task_reminds_no_more(journey: Journey) -> None:
    due = await watch(journey, "task_due")
    overdue = await watch(journey, "task_overdue")
    customer = await journey.customer()
    done = await create_task(journey, customer, due_in=1.5)
    cancelled = await create_task(journey, customer, due_in=1.5)
    kept = await create_task(journey, customer, due_in=1.5)
    await journey.stub.CompleteTask(journey_pb2.TaskRef(task_id=done.id), metadata=metadata())
    reply = await journey.stub.CancelTask(journey_pb2.TaskRef(task_id=cancelled.id), metadata=metadata())
    assert reply.status == journey_pb2.TASK_STATUS_CANCELLED

    await overdue.wait_for(1, within=20)
    await asyncio.sleep(1.0)
    assert [e["data"]["task_id"] for e in due.events] == [kept.id]
    assert [e["data"]["task_id"] for e in overdue.events] == [kept.id]


async def test_moving_the_due_time_moves_the_reminder(journey: Journey) -> None:
    due = await watch(journey, "task_due")
    customer = await journey.customer()
    task = await create_task(journey, customer, due_in=1.5)
    later = soon(4.0)
    request = journey_pb2.UpdateTaskRequest(task_id=task.id)
    request.due_at.FromDatetime(later)
    moved = await journey.stub.UpdateTask(request, metadata=metadata())
    assert moved.due_at.ToDatetime(tzinfo=UTC) != task.due_at.ToDatetime(tzinfo=UTC)

    await asyncio.sleep(2.5)
    assert due.events == [], "the reminder of the old due time went out"
    (event,) = await due.wait_for(1, within=20)
    arrived = datetime.now(UTC)
    assert event["data"]["due_at"].startswith(later.strftime("%Y-%m-%dT%H:%M:%S"))
    assert (arrived - later).total_seconds() > -0.5


async def test_a_due_time_in_the_past_or_an_unknown_kind_is_refused_and_nothing_is_stored(
    journey: Journey,
) -> None:
    customer = await journey.customer()
    with pytest.raises(grpc.aio.AioRpcError) as past:
        await create_task(journey, customer, due_in=-60)
    assert past.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "in the past" in (past.value.details() or "")
    request = journey_pb2.CreateTaskRequest(customer_id=customer, kind=journey_pb2.TaskKind.ValueType(42))
    request.due_at.FromDatetime(soon(60))
    with pytest.raises(grpc.aio.AioRpcError) as kind:
        await journey.stub.CreateTask(request, metadata=metadata())
    assert kind.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    listed = await journey.stub.BatchListTasks(
        journey_pb2.BatchListTasksRequest(customer_ids=[customer]), metadata=metadata()
    )
    assert list(listed.customers[0].tasks) == []


async def test_a_rep_works_only_their_own_tasks_and_another_tenant_sees_none(journey: Journey) -> None:
    customer = await journey.customer()
    mine = await create_task(journey, customer, due_in=600, caller="rep-li", roles="sales")
    theirs = await create_task(journey, customer, due_in=600, caller="rep-wang", roles="sales")
    assert mine.owner_id == "rep-li"
    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await journey.stub.CompleteTask(
            journey_pb2.TaskRef(task_id=theirs.id), metadata=metadata(caller="rep-li", roles="sales")
        )
    assert foreign.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as assign:
        await create_task(journey, customer, due_in=600, caller="rep-li", roles="sales", owner_id="rep-wang")
    assert assign.value.code() == grpc.StatusCode.PERMISSION_DENIED

    own = await journey.stub.ListTasks(
        journey_pb2.ListTasksRequest(), metadata=metadata(caller="rep-li", roles="sales")
    )
    assert [t.id for t in own.tasks] == [mine.id]
    everyone = await journey.stub.ListTasks(journey_pb2.ListTasksRequest(), metadata=metadata())
    assert {t.id for t in everyone.tasks} == {mine.id, theirs.id}
    assert all(t.status == journey_pb2.TASK_STATUS_OPEN for t in everyone.tasks)

    other = await journey.stub.ListTasks(journey_pb2.ListTasksRequest(), metadata=metadata("globex"))
    assert list(other.tasks) == []
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await journey.stub.CompleteTask(journey_pb2.TaskRef(task_id=mine.id), metadata=metadata("globex"))
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
