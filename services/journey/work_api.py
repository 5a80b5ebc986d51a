"""The deal and task RPCs of JourneyService: decode, call DealBook / TaskBook, encode.

A mixin of `JourneyServicer` (gRPC serves one servicer object per service); `attach_work` gives it
the two use-case objects `app.build` makes.
"""

from __future__ import annotations

from typing import TypeAlias

import grpc
from crm.journey.v1 import journey_pb2

from common.context import current_call
from common.errors import InvalidArgument
from common.ids import client_id_or_new, require_customer_id, require_customer_ids
from common.paging import cursor_text, decode_cursor, encode_cursor, page_size
from common.timeutil import utcnow
from services.journey import deals, tasks
from services.journey import work_convert as wc
from services.journey.deal_service import DealBook
from services.journey.task_service import TaskBook, now_ms

MAX_BATCH = 200
WON = {journey_pb2.DEAL_STATUS_SIGNED: deals.SIGNED, journey_pb2.DEAL_STATUS_PAID: deals.PAID}

Ctx: TypeAlias = grpc.aio.ServicerContext


def _require_id(value: str, *, field: str) -> str:
    text = value.strip()
    if not text or len(text) > 128:
        raise InvalidArgument(f"{field}: an id of 1 to 128 characters is required", field=field)
    return text


def _task_position(cursor: dict[str, object]) -> tuple[int, str]:
    due_ms = cursor.get("due_ms")
    if not isinstance(due_ms, int):
        raise InvalidArgument("page_token is malformed", field="page_token")
    return due_ms, cursor_text(cursor, "id")


class WorkApi:
    """Deals (qualification, signed, paid, revenue) and tasks for the calling tenant."""

    _deal_book: DealBook
    _task_book: TaskBook

    def attach_work(self, *, deal_book: DealBook, task_book: TaskBook) -> None:
        self._deal_book = deal_book
        self._task_book = task_book

    async def CreateDeal(self, request: journey_pb2.CreateDealRequest, context: Ctx) -> journey_pb2.Deal:
        customer_id = require_customer_id(request.customer_id)
        deal_id = client_id_or_new(request.deal_id, prefix="deal", field="deal_id")
        values = wc.qualification_values(request.deal, wc.fields_present(request.deal))
        doc = await self._deal_book.create(
            current_call(), customer_id=customer_id, deal_id=deal_id, values=values
        )
        return wc.deal_to_proto(doc)

    async def QualifyDeal(self, request: journey_pb2.QualifyDealRequest, context: Ctx) -> journey_pb2.Deal:
        deal_id = _require_id(request.deal_id, field="deal_id")
        values = wc.qualification_values(request.deal, list(dict.fromkeys(request.fields)))
        return wc.deal_to_proto(await self._deal_book.qualify(current_call(), deal_id, values))

    async def MarkDealWon(self, request: journey_pb2.MarkDealWonRequest, context: Ctx) -> journey_pb2.Deal:
        deal_id = _require_id(request.deal_id, field="deal_id")
        won = WON.get(request.status)
        if won is None:
            raise InvalidArgument("status: SIGNED or PAID", field="status")
        money = wc.parse_money(request.amount.amount, request.amount.currency, field="amount")
        at = wc.optional_time(request, "at") or utcnow()
        if at > utcnow():
            raise InvalidArgument(
                "at: a deal is signed or paid when it happened, not in the future", field="at"
            )
        doc = await self._deal_book.mark_won(current_call(), deal_id, won=won, money=money, at=at)
        return wc.deal_to_proto(doc)

    async def GetDeal(self, request: journey_pb2.GetDealRequest, context: Ctx) -> journey_pb2.Deal:
        deal_id = _require_id(request.deal_id, field="deal_id")
        return wc.deal_to_proto(await self._deal_book.get(current_call().tenant, deal_id))

    async def BatchListDeals(
        self, request: journey_pb2.BatchListDealsRequest, context: Ctx
    ) -> journey_pb2.BatchListDealsResponse:
        ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH)
        found = await self._deal_book.of_customers(current_call().tenant, ids)
        return journey_pb2.BatchListDealsResponse(
            customers=[
                journey_pb2.CustomerDeals(
                    customer_id=i, deals=[wc.deal_to_proto(d) for d in found.get(i, [])]
                )
                for i in ids
            ]
        )

    async def SumDealRevenue(
        self, request: journey_pb2.SumDealRevenueRequest, context: Ctx
    ) -> journey_pb2.SumDealRevenueResponse:
        start, end = wc.optional_time(request, "from"), wc.optional_time(request, "to")
        if start is None or end is None:
            missing = "from" if start is None else "to"
            raise InvalidArgument(f"{missing}: required", field=missing)
        rows = await self._deal_book.revenue(
            current_call().tenant, start=start, end=end, owner_id=request.owner_id.strip()
        )
        return journey_pb2.SumDealRevenueResponse(rows=[journey_pb2.RevenueRow(**row) for row in rows])

    async def CreateTask(self, request: journey_pb2.CreateTaskRequest, context: Ctx) -> journey_pb2.Task:
        customer_id = require_customer_id(request.customer_id)
        task_id = client_id_or_new(request.task_id, prefix="task", field="task_id")
        kind = wc.task_kind(request.kind, where="kind")
        due_ms = tasks.check_due(wc.optional_time(request, "due_at"), now_ms=now_ms(), where="due_at")
        notes = tasks.check_notes(request.notes, where="notes")
        doc = await self._task_book.create(
            current_call(),
            task_id=task_id,
            customer_id=customer_id,
            kind=kind,
            due_ms=due_ms,
            notes=notes,
            owner_id=request.owner_id,
            deal_id=request.deal_id.strip(),
        )
        return wc.task_to_proto(doc)

    async def UpdateTask(self, request: journey_pb2.UpdateTaskRequest, context: Ctx) -> journey_pb2.Task:
        task_id = _require_id(request.task_id, field="task_id")
        values: dict[str, object] = {}
        if request.kind:
            values["kind"] = wc.task_kind(request.kind, where="kind")
        if request.HasField("due_at"):
            values["due_ms"] = tasks.check_due(
                wc.optional_time(request, "due_at"), now_ms=now_ms(), where="due_at"
            )
        if request.HasField("notes"):
            values["notes"] = tasks.check_notes(request.notes, where="notes")
        if request.owner_id.strip():
            values["owner_id"] = request.owner_id.strip()
        if not values:
            raise InvalidArgument(
                "give at least one of kind, due_at, notes, owner_id to change", field="task_id"
            )
        return wc.task_to_proto(await self._task_book.update(current_call(), task_id, values))

    async def CompleteTask(self, request: journey_pb2.TaskRef, context: Ctx) -> journey_pb2.Task:
        task_id = _require_id(request.task_id, field="task_id")
        return wc.task_to_proto(await self._task_book.close(current_call(), task_id, tasks.DONE))

    async def CancelTask(self, request: journey_pb2.TaskRef, context: Ctx) -> journey_pb2.Task:
        task_id = _require_id(request.task_id, field="task_id")
        return wc.task_to_proto(await self._task_book.close(current_call(), task_id, tasks.CANCELLED))

    async def ListTasks(
        self, request: journey_pb2.ListTasksRequest, context: Ctx
    ) -> journey_pb2.ListTasksResponse:
        size = page_size(request.page_size)
        statuses = wc.task_statuses(list(request.statuses))
        before = wc.optional_time(request, "due_before")
        cursor = decode_cursor(request.page_token)
        after = _task_position(cursor) if cursor else None
        rows = await self._task_book.page(
            current_call(),
            owner_id=request.owner_id.strip(),
            statuses=statuses,
            due_before_ms=int(before.timestamp() * 1000) if before else None,
            after=after,
            limit=size + 1,
        )
        page = rows[:size]
        token = (
            encode_cursor({"due_ms": page[-1]["due_ms"], "id": page[-1]["id"]}) if len(rows) > size else ""
        )
        return journey_pb2.ListTasksResponse(tasks=[wc.task_to_proto(t) for t in page], next_page_token=token)

    async def BatchListTasks(
        self, request: journey_pb2.BatchListTasksRequest, context: Ctx
    ) -> journey_pb2.BatchListTasksResponse:
        ids = require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH)
        found = await self._task_book.of_customers(current_call(), ids)
        return journey_pb2.BatchListTasksResponse(
            customers=[
                journey_pb2.CustomerTasks(
                    customer_id=i, tasks=[wc.task_to_proto(t) for t in found.get(i, [])]
                )
                for i in ids
            ]
        )
