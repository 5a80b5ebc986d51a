"""Deals and tasks through GraphQL on the running system: a car dealer's rep qualifies a deal, it is
signed and then paid (two events with amounts), revenue sums; a task reminder reaches its owner once
over the subscription; bad input, other reps and other tenants see and change nothing."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest
from nats.aio.client import Client as NATS
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from websockets.asyncio.client import ClientConnection, connect

from common import cloudevents
from services.journey import app as journey_app
from services.journey.task_config import TaskConfig
from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.events import subscribe
from tests.support.stack import Stack

DEAL_FIELDS = """
id customerId ownerId product status nature grade expectedCloseDate version
amount { amount currency } expectedAmount { amount currency }
signedAmount { amount currency } paidAmount { amount currency } signedAt paidAt
settings { field setBy setAt } history { action actor changes { field before after } }
"""
CREATE_DEAL = f"mutation($input: CreateDealInput!) {{ createDeal(input: $input) {{ {DEAL_FIELDS} }} }}"
QUALIFY = f"mutation($id: ID!, $input: QualifyDealInput!) {{ qualifyDeal(id: $id, input: $input) {{ {DEAL_FIELDS} }} }}"
SIGN = f"mutation($id: ID!, $amount: MoneyInput!) {{ markDealSigned(id: $id, amount: $amount) {{ {DEAL_FIELDS} }} }}"
PAY = f"mutation($id: ID!, $amount: MoneyInput!) {{ markDealPaid(id: $id, amount: $amount) {{ {DEAL_FIELDS} }} }}"
CUSTOMER_WORK = f"""
query($id: ID!) {{ customer(id: $id) {{ id deals {{ {DEAL_FIELDS} }} tasks {{ id kind status ownerId dueAt notes }} }} }}
"""
REVENUE = """
query($from: DateTime!, $to: DateTime!, $owner: ID) {
  dealRevenue(from: $from, to: $to, ownerId: $owner) {
    month ownerId currency signedAmount signedCount paidAmount paidCount
  }
}
"""
CREATE_TASK = """
mutation($input: CreateTaskInput!) { createTask(input: $input) { id kind status ownerId dueAt notes } }
"""
COMPLETE_TASK = "mutation($id: ID!) { completeTask(id: $id) { id status completedAt } }"
TASKS = """
query($owner: ID, $status: [TaskStatus!]) {
  tasks(ownerId: $owner, status: $status, first: 50) { edges { node { id status ownerId kind } cursor } pageInfo { hasNextPage } }
}
"""
REMINDERS = """
subscription($owner: ID) { taskReminders(ownerId: $owner) { reminder taskId customerId kind ownerId dueAt notes } }
"""


@pytest.fixture(autouse=True)
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journey_app, "TASK_CONFIG", TaskConfig(grace_seconds=2.0))


def client_as(stack: Stack, subject: str, roles: tuple[str, ...], tenant: str = "acme") -> httpx.AsyncClient:
    token = stack.token(tenant, roles, subject=subject)
    return httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def field_paths(body: dict[str, Any]) -> list[str]:
    return [f["field"] for e in body.get("errors") or [] for f in e.get("extensions", {}).get("fields") or []]


async def test_a_rep_qualifies_a_deal_that_is_signed_then_paid(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        signed = await subscribe(nc, f"{stack.namespace}.evt.acme.journey.deal_signed")
        paid = await subscribe(nc, f"{stack.namespace}.evt.acme.journey.deal_paid")
        async with (
            client_as(stack, "rep-li", ("sales",)) as rep,
            client_as(stack, "mgr-zhao", ("admin",)) as mgr,
        ):
            customer = await create_customer(rep, "Chen Jie", "chen.jie@example.com")
            deal = (
                await ok(
                    rep,
                    CREATE_DEAL,
                    input={"customerId": customer, "product": "Model Y", "amount": {"amount": "263900"}},
                )
            )["createDeal"]
            assert deal["ownerId"] == "rep-li" and deal["status"] == "OPEN"
            assert deal["amount"] == {"amount": "263900.00", "currency": "CNY"}

            qualify = {
                "nature": "VALUABLE",
                "grade": "LARGE",
                "expectedCloseDate": "2026-12-31",
                "expectedAmount": {"amount": "250000.00", "currency": "CNY"},
            }
            qualified = (await ok(mgr, QUALIFY, id=deal["id"], input=qualify))["qualifyDeal"]
            assert (qualified["nature"], qualified["grade"], qualified["expectedCloseDate"]) == (
                "VALUABLE",
                "LARGE",
                "2026-12-31",
            )
            who = {s["field"]: s["setBy"] for s in qualified["settings"]}
            assert who["nature"] == "mgr-zhao" and who["product"] == "rep-li"
            assert [h["action"] for h in qualified["history"]] == ["created", "qualified"]

            after_sign = (await ok(rep, SIGN, id=deal["id"], amount={"amount": "259000.00"}))[
                "markDealSigned"
            ]
            assert after_sign["status"] == "SIGNED" and after_sign["paidAmount"] is None
            after_pay = (await ok(rep, PAY, id=deal["id"], amount={"amount": "259000.00"}))["markDealPaid"]
            assert after_pay["status"] == "PAID" and after_pay["signedAmount"]["amount"] == "259000.00"

            view = (await ok(rep, CUSTOMER_WORK, id=customer))["customer"]
            assert [d["id"] for d in view["deals"]] == [deal["id"]]
            assert [h["action"] for h in view["deals"][0]["history"]] == [
                "created",
                "qualified",
                "signed",
                "paid",
            ]

            now = datetime.now(UTC)
            rows = (
                await ok(
                    mgr, REVENUE, **{"from": iso(now - timedelta(days=1)), "to": iso(now + timedelta(days=1))}
                )
            )["dealRevenue"]
            assert [(r["ownerId"], r["signedAmount"], r["paidAmount"], r["signedCount"]) for r in rows] == [
                ("rep-li", "259000.00", "259000.00", 1)
            ]
        (sign_event,) = await signed.wait_for(1)
        (pay_event,) = await paid.wait_for(1)
    finally:
        await nc.close()
    assert (
        sign_event["type"] == "crm.journey.deal_signed.v1" and pay_event["type"] == "crm.journey.deal_paid.v1"
    )
    for event in (sign_event, pay_event):
        data = event["data"]
        assert (data["amount"], data["currency"], data["product"]) == ("259000.00", "CNY", "Model Y")
        assert data["deal_id"] == deal["id"] and event["subject"] == customer


async def test_bad_deal_and_task_input_is_refused_with_its_path_and_changes_nothing(stack: Stack) -> None:
    async with client_as(stack, "rep-li", ("sales",)) as rep:
        customer = await create_customer(rep, "Bad Input", "bad.input@example.com")
        for amount, words in (("abc", "not a number"), ("-100", "negative")):
            body = await gql(
                rep, CREATE_DEAL, input={"customerId": customer, "product": "X", "amount": {"amount": amount}}
            )
            assert codes(body) == ["BAD_USER_INPUT"], body
            assert field_paths(body) == ["input.amount"] and words in body["errors"][0]["message"]
        body = await gql(rep, CREATE_DEAL, input={"customerId": customer, "product": "X", "grade": "HUGE"})
        assert body.get("errors") and body.get("data") is None
        body = await gql(rep, SIGN, id="deal-unknown", amount={"amount": "1"})
        assert codes(body) == ["NOT_FOUND"]

        past = iso(datetime.now(UTC) - timedelta(minutes=5))
        body = await gql(rep, CREATE_TASK, input={"customerId": customer, "kind": "CALL", "dueAt": past})
        assert codes(body) == ["BAD_USER_INPUT"] and field_paths(body) == ["input.dueAt"]
        assert "in the past" in body["errors"][0]["message"]

        view = (await ok(rep, CUSTOMER_WORK, id=customer))["customer"]
        assert view["deals"] == [] and view["tasks"] == []


async def test_reps_work_their_own_tasks_and_deals_and_other_tenants_see_none(stack: Stack) -> None:
    async with (
        client_as(stack, "rep-li", ("sales",)) as li,
        client_as(stack, "rep-wang", ("sdr",)) as wang,
        client_as(stack, "mgr-zhao", ("admin",)) as mgr,
        client_as(stack, "globex-admin", ("admin",), tenant="globex") as other,
    ):
        customer = await create_customer(li, "Owner Test", "owner.test@example.com")
        due = iso(datetime.now(UTC) + timedelta(hours=2))
        mine = (await ok(li, CREATE_TASK, input={"customerId": customer, "kind": "VISIT", "dueAt": due}))[
            "createTask"
        ]
        deal = (await ok(li, CREATE_DEAL, input={"customerId": customer, "product": "Model 3"}))["createDeal"]

        body = await gql(wang, COMPLETE_TASK, id=mine["id"])
        assert codes(body) == ["FORBIDDEN"]
        body = await gql(wang, QUALIFY, id=deal["id"], input={"grade": "SMALL"})
        assert codes(body) == ["FORBIDDEN"]
        body = await gql(
            li,
            CREATE_TASK,
            input={"customerId": customer, "kind": "CALL", "dueAt": due, "ownerId": "rep-wang"},
        )
        assert codes(body) == ["FORBIDDEN"]
        body = await gql(wang, TASKS, owner="rep-li")
        assert codes(body) == ["FORBIDDEN"]

        assert (await ok(wang, TASKS))["tasks"]["edges"] == []
        assert [e["node"]["id"] for e in (await ok(li, TASKS))["tasks"]["edges"]] == [mine["id"]]
        assert [e["node"]["id"] for e in (await ok(mgr, TASKS, owner="rep-li"))["tasks"]["edges"]] == [
            mine["id"]
        ]
        seen_by_wang = (await ok(wang, CUSTOMER_WORK, id=customer))["customer"]
        assert seen_by_wang["tasks"] == [] and [d["grade"] for d in seen_by_wang["deals"]] == [None]

        assert (await ok(other, TASKS))["tasks"]["edges"] == []
        body = await gql(other, COMPLETE_TASK, id=mine["id"])
        assert codes(body) == ["NOT_FOUND"]
        body = await gql(other, PAY, id=deal["id"], amount={"amount": "1"})
        assert codes(body) == ["NOT_FOUND"]
        done = (await ok(li, COMPLETE_TASK, id=mine["id"]))["completeTask"]
        assert done["status"] == "DONE"


async def publish_ping(nc: NATS, stack: Stack, owner: str, n: int) -> None:
    event = cloudevents.make_event(
        type="crm.journey.task_due.v1",
        source="e2e",
        tenant="acme",
        subject="cus_ping",
        data={
            "task_id": f"ping-{n}",
            "customer_id": "cus_ping",
            "kind": "call",
            "owner_id": owner,
            "due_at": "2026-01-01T00:00:00.000Z",
            "notes": "ping",
        },
    )
    await nc.publish(f"{stack.namespace}.evt.acme.journey.task_due", cloudevents.encode(event))
    await nc.flush()


async def next_reminder(ws: ClientConnection, within: float) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert message["type"] == "next", message
    reminder: dict[str, Any] = message["payload"]["data"]["taskReminders"]
    return reminder


async def open_subscription(stack: Stack, nc: NATS, subject: str, roles: tuple[str, ...]) -> ClientConnection:
    ws = await connect(stack.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    init = {"Authorization": f"Bearer {stack.token('acme', roles, subject=subject)}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": REMINDERS, "variables": {}}})
    )
    # No "subscribed" ack in the protocol: ping with reminders for this owner until one arrives.
    for n in range(40):
        await publish_ping(nc, stack, subject, n)
        try:
            if (await next_reminder(ws, 0.25))["notes"] == "ping":
                while True:  # drain the other pings
                    try:
                        await next_reminder(ws, 0.3)
                    except TimeoutError:
                        return ws
        except TimeoutError:
            continue
    raise AssertionError("the reminder subscription never delivered a ping")


async def test_a_task_reminder_reaches_its_owner_once_and_no_one_else(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        async with client_as(stack, "rep-li", ("sales",)) as li:
            customer = await create_customer(li, "Reminder Test", "reminder.test@example.com")
            own = await open_subscription(stack, nc, "rep-li", ("sales",))
            other = await open_subscription(stack, nc, "rep-wang", ("sales",))
            due_at = datetime.now(UTC) + timedelta(seconds=2)
            task = (
                await ok(
                    li,
                    CREATE_TASK,
                    input={
                        "customerId": customer,
                        "kind": "SEND_QUOTE",
                        "dueAt": iso(due_at),
                        "notes": "quote for Model Y",
                    },
                )
            )["createTask"]

            first = await next_reminder(own, 15)
            arrived = datetime.now(UTC)
            assert (first["reminder"], first["taskId"], first["kind"]) == ("DUE", task["id"], "SEND_QUOTE")
            assert first["ownerId"] == "rep-li" and first["notes"] == "quote for Model Y"
            assert arrived >= due_at - timedelta(seconds=0.5)
            second = await next_reminder(own, 15)
            assert (second["reminder"], second["taskId"]) == ("OVERDUE", task["id"])
            with pytest.raises(TimeoutError):
                await next_reminder(own, 1.5)  # once each, no duplicates
            with pytest.raises(TimeoutError):
                await next_reminder(other, 0.5)  # another rep hears nothing of it
            for ws in (own, other):
                await ws.close()
            body = await gql(li, TASKS, status=["OVERDUE"])
            assert [e["node"]["id"] for e in body["data"]["tasks"]["edges"]] == [task["id"]]
    finally:
        await nc.close()


LIST_WORK = """
query ListWork {
  customers(first: 10) { edges { node { id deals { product } tasks { kind } } } }
}
"""


async def test_a_page_of_customers_costs_one_deals_call_and_one_tasks_call(
    stack: Stack, span_exporter: InMemorySpanExporter
) -> None:
    async with client_as(stack, "rep-li", ("sales",)) as rep:
        due = iso(datetime.now(UTC) + timedelta(hours=1))
        for i in range(4):
            customer = await create_customer(rep, f"Batch {i}", f"batch{i}@example.com")
            await ok(rep, CREATE_DEAL, input={"customerId": customer, "product": f"Model {i}"})
            await ok(rep, CREATE_TASK, input={"customerId": customer, "kind": "CALL", "dueAt": due})
        nodes = [e["node"] for e in (await ok(rep, LIST_WORK))["customers"]["edges"]]
    assert len(nodes) == 4 and all(len(n["deals"]) == 1 and len(n["tasks"]) == 1 for n in nodes)
    spans = span_exporter.get_finished_spans()
    [operation] = [s for s in spans if s.name == "graphql ListWork"]
    calls = Counter(
        s.name
        for s in spans
        if s.context.trace_id == operation.context.trace_id and s.kind == SpanKind.CLIENT
    )
    assert calls == {
        "/crm.leads.v1.LeadsService/ListCustomers": 1,
        "/crm.journey.v1.JourneyService/BatchListDeals": 1,
        "/crm.journey.v1.JourneyService/BatchListTasks": 1,
    }
