"""Role-table cases of the deal and task RPCs, for test_roles.py (one per RPC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from crm.journey.v1 import journey_pb2

from tests.integration.journey.helpers import Journey
from tests.support.roles import RpcCase
from tests.support.rpc import metadata

DEAL, TASK, OTHER_TASK = "deal-roles", "task-roles", "task-roles-2"


class World(Protocol):
    @property
    def journey(self) -> Journey: ...

    @property
    def customer_id(self) -> str: ...


def _due(hours: int = 1) -> Any:
    request = journey_pb2.CreateTaskRequest()
    request.due_at.FromDatetime(datetime.now(UTC) + timedelta(hours=hours))
    return request.due_at


async def prepare_work(world: World) -> None:
    """The deal and tasks the cases change, owned by the caller the role checks use (user-1)."""
    stub = world.journey.stub
    deal = journey_pb2.DealQualification(product="Model 3")
    await stub.CreateDeal(
        journey_pb2.CreateDealRequest(customer_id=world.customer_id, deal=deal, deal_id=DEAL),
        metadata=metadata(),
    )
    for task_id in (TASK, OTHER_TASK):
        await stub.CreateTask(
            journey_pb2.CreateTaskRequest(
                customer_id=world.customer_id, kind=journey_pb2.TASK_KIND_CALL, due_at=_due(), task_id=task_id
            ),
            metadata=metadata(),
        )


async def deal(w: World) -> tuple[int, int]:
    found = await w.journey.stub.BatchListDeals(
        journey_pb2.BatchListDealsRequest(customer_ids=[w.customer_id]), metadata=metadata()
    )
    deals = list(found.customers[0].deals)
    return len(deals), sum(d.version for d in deals)


async def tasks(w: World) -> list[tuple[str, int]]:
    found = await w.journey.stub.BatchListTasks(
        journey_pb2.BatchListTasksRequest(customer_ids=[w.customer_id]), metadata=metadata()
    )
    return sorted((t.id, t.version) for t in found.customers[0].tasks)


WORK_CASES: list[RpcCase[Any]] = [
    RpcCase(
        "CreateDeal",
        lambda w, n: journey_pb2.CreateDealRequest(
            customer_id=w.customer_id, deal=journey_pb2.DealQualification(product=f"P {n}")
        ),
        allowed="sales",
        read_back=deal,
    ),
    RpcCase(
        "QualifyDeal",
        lambda w, n: journey_pb2.QualifyDealRequest(
            deal_id=DEAL, deal=journey_pb2.DealQualification(product=f"P {n}"), fields=["product"]
        ),
        allowed="sales",
        read_back=deal,
    ),
    RpcCase(
        "MarkDealWon",
        lambda w, n: journey_pb2.MarkDealWonRequest(
            deal_id=DEAL,
            status=journey_pb2.DEAL_STATUS_SIGNED,
            amount=journey_pb2.Money(amount="10", currency="CNY"),
        ),
        allowed="sales",
        read_back=deal,
    ),
    RpcCase("GetDeal", lambda w, n: journey_pb2.GetDealRequest(deal_id=DEAL), allowed="viewer"),
    RpcCase(
        "BatchListDeals",
        lambda w, n: journey_pb2.BatchListDealsRequest(customer_ids=[w.customer_id]),
        allowed="viewer",
    ),
    RpcCase(
        "SumDealRevenue",
        lambda w, n: journey_pb2.SumDealRevenueRequest(**{"from": _due(-24), "to": _due()}),
        allowed="viewer",
    ),
    RpcCase(
        "CreateTask",
        lambda w, n: journey_pb2.CreateTaskRequest(
            customer_id=w.customer_id, kind=journey_pb2.TASK_KIND_VISIT, due_at=_due(), task_id=f"task-{n}"
        ),
        allowed="sales",
        read_back=tasks,
    ),
    RpcCase(
        "UpdateTask",
        lambda w, n: journey_pb2.UpdateTaskRequest(task_id=TASK, notes=f"notes {n}"),
        allowed="sales",
        read_back=tasks,
    ),
    RpcCase("CompleteTask", lambda w, n: journey_pb2.TaskRef(task_id=TASK), allowed="sales", read_back=tasks),
    RpcCase(
        "CancelTask", lambda w, n: journey_pb2.TaskRef(task_id=OTHER_TASK), allowed="sales", read_back=tasks
    ),
    RpcCase("ListTasks", lambda w, n: journey_pb2.ListTasksRequest(), allowed="viewer"),
    RpcCase(
        "BatchListTasks",
        lambda w, n: journey_pb2.BatchListTasksRequest(customer_ids=[w.customer_id]),
        allowed="viewer",
    ),
]
