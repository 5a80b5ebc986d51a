"""Every DateTime the gateway returns reads like the times in our events and docs: ISO-8601 UTC with
milliseconds and a `Z` (`2026-11-27T19:18:06.123Z`), whatever offset the time was given or stored
with, in queries, mutations and subscriptions; and DateTime inputs accept what they accepted."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import nats
from pymongo import AsyncMongoClient
from websockets.asyncio.client import connect

from common.timeutil import as_utc, from_ms
from tests.e2e.graphql import ASSIGN_TAGS, create_customer, eventually, ok
from tests.e2e.work_support import until_subscribed
from tests.support.stack import Stack

WIRE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SHANGHAI = timezone(timedelta(hours=8))
DEFINE = "mutation($input: DefineTagInput!) { defineTag(input: $input) { key createdAt updatedAt } }"
SIGNALS = "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }"
CREATE_TASK = "mutation($input: CreateTaskInput!) { createTask(input: $input) { id dueAt createdAt } }"
VIEW = """
query($id: ID!) {
  customer(id: $id) {
    profile { createdAt updatedAt }
    tags { key assignedAt }
    intent { computedAt lastSignalAt }
    tasks { id dueAt createdAt updatedAt }
  }
}
"""
REMINDERS = "subscription { taskReminders { taskId dueAt notes } }"


def instant(text: str) -> datetime:
    """A wire DateTime as an aware instant, after checking its form."""
    assert WIRE.match(text), f"{text!r} is not ISO-8601 UTC with milliseconds and Z"
    return datetime.fromisoformat(text)


def to_ms_precision(value: datetime) -> datetime:
    return as_utc(value).replace(microsecond=value.microsecond // 1000 * 1000)


async def test_datetimes_of_every_part_are_utc_milliseconds_with_z(
    stack: Stack, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    db = lambda service: mongo_client[f"{stack.namespace}_{service}"]  # noqa: E731
    before = datetime.now(UTC) - timedelta(seconds=1)
    # Inputs with an offset and sub-millisecond digits: the output is the same instant, in UTC, to the ms.
    signal_at = datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    due_at = (datetime.now(UTC) + timedelta(days=2)).astimezone(SHANGHAI)
    async with stack.client() as client:
        customer = await create_customer(client, "Zhou Ming", "zhou.ming@example.com")
        tag = (await ok(client, DEFINE, input={"key": "vip", "displayName": "VIP"}))["defineTag"]
        await ok(client, ASSIGN_TAGS, id=customer, tags=[{"key": "vip"}])
        signal = {"customerId": customer, "type": "demo_request", "occurredAt": signal_at.isoformat()}
        await ok(client, SIGNALS, s=[signal])
        task = (
            await ok(
                client,
                CREATE_TASK,
                input={"customerId": customer, "kind": "CALL", "dueAt": due_at.isoformat()},
            )
        )["createTask"]

        async def scored() -> dict[str, Any] | None:
            found: dict[str, Any] = (await ok(client, VIEW, id=customer))["customer"]
            return found if found["intent"] and found["intent"]["computedAt"] else None

        view = await eventually(scored, within=20)
    after = datetime.now(UTC) + timedelta(seconds=1)

    # Each value has the one form, and is the instant that was given or stored.
    stored_customer = await db("leads")["customers"].find_one({"_id": customer})
    assert stored_customer is not None
    assert instant(view["profile"]["createdAt"]) == to_ms_precision(stored_customer["created_at"])
    stored_tag = await db("tags")["tag_definitions"].find_one({"_id": "acme/vip"})
    assert stored_tag is not None
    assert instant(tag["createdAt"]) == to_ms_precision(stored_tag["created_at"])
    assert instant(view["intent"]["lastSignalAt"]) == to_ms_precision(signal_at)
    stored_task = await db("journey")["tasks"].find_one({"tenant_id": "acme", "customer_id": customer})
    assert stored_task is not None
    assert instant(task["dueAt"]) == from_ms(stored_task["due_ms"]) == to_ms_precision(due_at)
    assert [t["dueAt"] for t in view["tasks"]] == [task["dueAt"]]  # a second read, the same text
    server_set = [
        view["profile"]["updatedAt"],
        tag["updatedAt"],
        view["tags"][0]["assignedAt"],
        view["intent"]["computedAt"],
        task["createdAt"],
        view["tasks"][0]["updatedAt"],
    ]
    assert all(before <= instant(t) <= after for t in server_set), server_set


async def test_a_datetime_input_without_an_offset_is_still_taken_as_utc(stack: Stack) -> None:
    """What the gateway did before the output format changed: `dueAt` with no offset means UTC."""
    due_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=250_000)
    async with stack.client() as client:
        customer = await create_customer(client, "Wu Fang", "wu.fang@example.com")
        naive = due_at.replace(tzinfo=None).isoformat()
        task = (
            await ok(client, CREATE_TASK, input={"customerId": customer, "kind": "CALL", "dueAt": naive})
        )["createTask"]
    assert instant(task["dueAt"]) == due_at


async def test_a_subscription_sends_its_datetimes_in_utc_with_z(stack: Stack) -> None:
    """A reminder whose event carries a +08:00 time still reaches the subscriber as UTC with `Z`."""
    nc = await nats.connect(stack.nats_url)
    try:
        async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {stack.token('acme')}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": REMINDERS}}))
            # No "subscribed" ack in the protocol: publish until one reminder arrives.
            message = await until_subscribed(
                ws, nc, stack, "cus_ping", due_at="2026-01-01T08:00:00.250+08:00"
            )
    finally:
        await nc.close()
    assert message["type"] == "next", message
    assert message["payload"]["data"]["taskReminders"]["dueAt"] == "2026-01-01T00:00:00.250Z"
