"""Deals and tasks in the schema: qualification, signed and paid, revenue, tasks and their reminders.

`gateway.schema` mixes these into its root types; `Customer.deals` and `Customer.tasks` (batched)
live in `gateway.types.customer`. The journey service validates and answers with its own field
names (`deal.amount`, `due_at`); `call_work` renames them to the client's GraphQL paths
(`input.amount`, `input.dueAt`). Who may change or see what is the service's rule (owner or admin,
docs/deals-and-tasks.md); the task subscription applies the same rule to reminders here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from crm.journey.v1 import journey_pb2

from common.roles import ADMIN
from common.timeutil import to_timestamp
from gateway.context import GatewayInfo
from gateway.errors import BAD_USER_INPUT, FORBIDDEN, GatewayError
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.subscriptions import caller_events
from gateway.types.deals import CreateDealInput, Deal, MoneyInput, QualifyDealInput, RevenueRow, qualification
from gateway.types.pagination import PageInfo
from gateway.types.tasks import (
    CreateTaskInput,
    ReminderKind,
    Task,
    TaskConnection,
    TaskEdge,
    TaskReminder,
    TaskStatus,
    UpdateTaskInput,
)
from gateway.validation import require_customer_id, require_page_size

DEFAULT_TASKS = 20
REMINDERS = {"crm.journey.task_due.v1": ReminderKind.DUE, "crm.journey.task_overdue.v1": ReminderKind.OVERDUE}


def _camel(path: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path)


def in_input(field: str) -> str:
    """A service field of a create/update request as the client's input path: deal.amount -> input.amount."""
    return "input." + _camel(field.removeprefix("deal."))


async def call_work(info: GatewayInfo, method: str, request: Any, *, rename: Callable[[str], str]) -> Any:
    """Call JourneyService; BAD_USER_INPUT field paths renamed to the client's spelling."""
    try:
        return await info.context.caller.call("journey", method, request)
    except GatewayError as err:
        if err.code == BAD_USER_INPUT and err.extensions is not None:
            err.extensions["fields"] = [
                {**f, "field": rename(f.get("field", ""))} for f in err.extensions.get("fields") or []
            ]
        raise


def _as_argument(mapping: dict[str, str]) -> Callable[[str], str]:
    return lambda field: mapping.get(field, _camel(field))


def _timestamp(value: datetime) -> Any:
    return to_timestamp(value)


@strawberry.type
class WorkQuery:
    @strawberry.field(description="One deal of your tenant", extensions=requires("Query.deal"))
    async def deal(self, info: GatewayInfo, id: strawberry.ID) -> Deal:
        request = journey_pb2.GetDealRequest(deal_id=str(id))
        return Deal.from_proto(
            await call_work(info, "GetDeal", request, rename=_as_argument({"deal_id": "id"}))
        )

    @strawberry.field(
        description="Tasks due soonest first; people other than admins list their own (ownerId: yours)",
        extensions=requires("Query.tasks"),
    )
    async def tasks(
        self,
        info: GatewayInfo,
        owner_id: strawberry.ID | None = None,
        status: list[TaskStatus] | None = None,
        due_before: datetime | None = None,
        first: int = DEFAULT_TASKS,
        after: str | None = None,
    ) -> TaskConnection:
        context = info.context
        maximum = context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)
        statuses = [f"TASK_STATUS_{s.name}" for s in status or []]

        async def fetch(token: str, size: int) -> tuple[list[journey_pb2.Task], str]:
            request = journey_pb2.ListTasksRequest(
                owner_id=str(owner_id or ""), statuses=statuses, page_size=size, page_token=token
            )
            if due_before is not None:
                request.due_before.CopyFrom(_timestamp(due_before))
            reply = await call_work(info, "ListTasks", request, rename=_as_argument({"owner_id": "ownerId"}))
            return list(reply.tasks), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return TaskConnection(
            edges=[TaskEdge(node=Task.from_proto(t), cursor=c) for t, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="Signed and paid revenue per month, owner and currency, in [from, to) (at most 366 days)",
        extensions=requires("Query.dealRevenue"),
    )
    async def deal_revenue(
        self,
        info: GatewayInfo,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        owner_id: strawberry.ID | None = None,
    ) -> list[RevenueRow]:
        request = journey_pb2.SumDealRevenueRequest(owner_id=str(owner_id or ""))
        getattr(request, "from").CopyFrom(_timestamp(from_))
        request.to.CopyFrom(_timestamp(to))
        reply = await call_work(info, "SumDealRevenue", request, rename=_as_argument({}))
        return [RevenueRow.from_proto(r) for r in reply.rows]


@strawberry.type
class WorkMutation:
    @strawberry.mutation(
        description="A new deal of a customer (you own it), qualified as far as known",
        extensions=requires("Mutation.createDeal"),
    )
    async def create_deal(self, info: GatewayInfo, input: CreateDealInput) -> Deal:
        customer_id = require_customer_id(str(input.customer_id), field="input.customerId")
        message, _ = qualification(input)
        request = journey_pb2.CreateDealRequest(
            customer_id=customer_id, deal=message, deal_id=str(input.client_id or "")
        )
        rename = _as_argument({"customer_id": "input.customerId", "deal_id": "input.clientId"})
        return Deal.from_proto(
            await call_work(
                info,
                "CreateDeal",
                request,
                rename=lambda f: in_input(f) if f.startswith("deal.") else rename(f),
            )
        )

    @strawberry.mutation(
        description="Change a deal's qualification (三定); each field remembers who set it and when",
        extensions=requires("Mutation.qualifyDeal"),
    )
    async def qualify_deal(self, info: GatewayInfo, id: strawberry.ID, input: QualifyDealInput) -> Deal:
        message, fields = qualification(input)
        request = journey_pb2.QualifyDealRequest(deal_id=str(id), deal=message, fields=fields)
        rename = _as_argument({"deal_id": "id", "fields": "input"})
        return Deal.from_proto(
            await call_work(
                info,
                "QualifyDeal",
                request,
                rename=lambda f: in_input(f) if f.startswith("deal.") else rename(f),
            )
        )

    @strawberry.mutation(
        description="The deal is won by contract for this amount (journey.deal_signed)",
        extensions=requires("Mutation.markDealSigned"),
    )
    async def mark_deal_signed(
        self, info: GatewayInfo, id: strawberry.ID, amount: MoneyInput, signed_at: datetime | None = None
    ) -> Deal:
        return await _mark_won(info, id, "DEAL_STATUS_SIGNED", amount, signed_at, at_name="signedAt")

    @strawberry.mutation(
        description="The deal is won by payment of this amount (journey.deal_paid); signed or not",
        extensions=requires("Mutation.markDealPaid"),
    )
    async def mark_deal_paid(
        self, info: GatewayInfo, id: strawberry.ID, amount: MoneyInput, paid_at: datetime | None = None
    ) -> Deal:
        return await _mark_won(info, id, "DEAL_STATUS_PAID", amount, paid_at, at_name="paidAt")

    @strawberry.mutation(
        description="A next step with a customer, due in the future; reminds its owner when due",
        extensions=requires("Mutation.createTask"),
    )
    async def create_task(self, info: GatewayInfo, input: CreateTaskInput) -> Task:
        customer_id = require_customer_id(str(input.customer_id), field="input.customerId")
        request = journey_pb2.CreateTaskRequest(
            customer_id=customer_id,
            kind=f"TASK_KIND_{input.kind.name}",
            due_at=_timestamp(input.due_at),
            notes=input.notes,
            owner_id=str(input.owner_id or ""),
            deal_id=str(input.deal_id or ""),
            task_id=str(input.client_id or ""),
        )
        rename = _as_argument({"task_id": "input.clientId"})
        return Task.from_proto(
            await call_work(
                info, "CreateTask", request, rename=lambda f: rename(f) if f == "task_id" else in_input(f)
            )
        )

    @strawberry.mutation(
        description="Change a task's kind, due time, notes or owner (moving the due time moves its reminders)",
        extensions=requires("Mutation.updateTask"),
    )
    async def update_task(self, info: GatewayInfo, id: strawberry.ID, input: UpdateTaskInput) -> Task:
        kind = f"TASK_KIND_{input.kind.name}" if input.kind is not None else None
        request = journey_pb2.UpdateTaskRequest(
            task_id=str(id), owner_id=str(input.owner_id or ""), kind=kind
        )
        if input.due_at is not None:
            request.due_at.CopyFrom(_timestamp(input.due_at))
        if input.notes is not None:
            request.notes = input.notes
        return Task.from_proto(
            await call_work(
                info, "UpdateTask", request, rename=lambda f: "id" if f == "task_id" else in_input(f)
            )
        )

    @strawberry.mutation(
        description="The task is done: no more reminders", extensions=requires("Mutation.completeTask")
    )
    async def complete_task(self, info: GatewayInfo, id: strawberry.ID) -> Task:
        request = journey_pb2.TaskRef(task_id=str(id))
        return Task.from_proto(
            await call_work(info, "CompleteTask", request, rename=_as_argument({"task_id": "id"}))
        )

    @strawberry.mutation(
        description="The task is dropped: no more reminders", extensions=requires("Mutation.cancelTask")
    )
    async def cancel_task(self, info: GatewayInfo, id: strawberry.ID) -> Task:
        request = journey_pb2.TaskRef(task_id=str(id))
        return Task.from_proto(
            await call_work(info, "CancelTask", request, rename=_as_argument({"task_id": "id"}))
        )


async def _mark_won(
    info: GatewayInfo,
    id: strawberry.ID,
    status: str,
    amount: MoneyInput,
    at: datetime | None,
    *,
    at_name: str,
) -> Deal:
    request = journey_pb2.MarkDealWonRequest(deal_id=str(id), status=status, amount=amount.to_proto())
    if at is not None:
        request.at.CopyFrom(_timestamp(at))
    rename = _as_argument({"deal_id": "id", "at": at_name})
    return Deal.from_proto(await call_work(info, "MarkDealWon", request, rename=rename))


@strawberry.type
class WorkSubscription:
    @strawberry.subscription(
        description="Task reminders as they happen (due, then overdue). People other than admins get "
        "their own tasks' reminders only; admins may name an owner or get everyone's",
        extensions=requires("Subscription.taskReminders"),
    )
    async def task_reminders(
        self, info: GatewayInfo, owner_id: strawberry.ID | None = None
    ) -> AsyncGenerator[TaskReminder, None]:
        principal = info.context.authenticated()
        wanted = str(owner_id) if owner_id is not None else None
        if ADMIN not in principal.roles:
            if wanted is not None and wanted != principal.subject:
                raise GatewayError(
                    "taskReminders: only admins may follow someone else's reminders", code=FORBIDDEN
                )
            wanted = principal.subject
        async for event in caller_events(info):
            reminder = REMINDERS.get(str(event.get("type")))
            data = event.get("data")
            if reminder is None or not isinstance(data, dict):
                continue
            if wanted is not None and data.get("owner_id") != wanted:
                continue
            yield TaskReminder.from_event(event, reminder)
