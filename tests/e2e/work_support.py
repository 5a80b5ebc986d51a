"""What the role-table e2e test needs for deals and tasks: a deal and tasks to change, and a way to
know the taskReminders subscription is live (ping it with a reminder for the subscriber)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from nats.aio.client import Client as NATS
from websockets.asyncio.client import ClientConnection

from common import cloudevents
from tests.e2e.graphql import ok
from tests.support.stack import Stack

DEAL, TASK, OTHER_TASK = "deal-roles", "task-roles", "task-roles-2"
SUBSCRIBE = "subscription { taskReminders { reminder taskId notes } }"
DEALS_READ = "query($id: ID!) { customer(id: $id) { deals { id version product status } } }"
TASKS_READ = "query($id: ID!) { customer(id: $id) { tasks { id version status notes } } }"


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")


async def prepare_work(admin: httpx.AsyncClient, customer_id: str) -> None:
    """A deal and two tasks owned by the e2e user (every role-test caller), with fixed ids."""
    await ok(
        admin,
        "mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }",
        i={"customerId": customer_id, "product": "Model 3", "clientId": DEAL},
    )
    for task_id in (TASK, OTHER_TASK):
        await ok(
            admin,
            "mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }",
            i={"customerId": customer_id, "kind": "CALL", "dueAt": in_an_hour(), "clientId": task_id},
        )


async def until_subscribed(
    ws: ClientConnection,
    nc: NATS,
    stack: Stack,
    customer_id: str,
    *,
    due_at: str = "2026-01-01T00:00:00.000Z",
) -> dict[str, Any]:
    """Publish reminders for the e2e user until one arrives over the subscription; returns that message."""
    for n in range(40):
        event = cloudevents.make_event(
            type="crm.journey.task_due.v1",
            source="e2e",
            tenant="acme",
            subject=customer_id,
            data={
                "task_id": f"ping-{n}",
                "customer_id": customer_id,
                "kind": "call",
                "owner_id": "e2e-user",
                "due_at": due_at,
                "notes": "ping",
            },
        )
        await nc.publish(f"{stack.namespace}.evt.acme.journey.task_due", cloudevents.encode(event))
        await nc.flush()
        try:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 0.25))
        except TimeoutError:
            continue
        assert message["type"] == "next", message
        if message["payload"]["data"]["taskReminders"]["notes"] == "ping":
            return message
    raise AssertionError("taskReminders never delivered a ping")
