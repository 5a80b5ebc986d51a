"""A merged duplicate's journey moves to the survivor, and a heard call is a touchpoint — through GraphQL.

A car dealer has the same person twice: one record went further (test drive), the other is the one
kept. After `mergeCustomers` the survivor's journey shows the furthest stage of both and the stage of
the latest touch, both deals and both tasks, one timeline; the funnel counts one customer; the
duplicate's journey is empty; a task reminder still fires once, for the survivor; a replayed event
changes nothing. A call the extractor heard moves the journey to 来电 and shows on the timeline once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats

from common import bus, cloudevents
from tests.e2e.conversation_support import FIRST_CALL, ingest
from tests.e2e.graphql import eventually, ok
from tests.e2e.test_journeys import CAR_STAGES, DEFINE, FUNNEL, SET_DEFAULT, customer, walk
from tests.support.events import subscribe
from tests.support.stack import Stack

# The car dealer's 来电 is also what a heard call (touchpoint type `call`) implies.
STAGES = [{**CAR_STAGES[0], "touchpointTypes": ["call_inbound", "call"]}, *CAR_STAGES[1:]]
VIEW = """
query($id: ID!) {
  customer(id: $id) {
    journey {
      journey stage furthestStage reached { stage firstReachedAt }
      timeline(first: 50) { edges { node { kind type summary refs { name id } } } }
    }
    deals { id customerId ownerId product }
    tasks { id customerId ownerId status }
  }
}
"""
MERGE = "mutation($s: ID!, $d: ID!) { mergeCustomers(survivorId: $s, duplicateId: $d) { id } }"
DEAL = "mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }"
TASK = "mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }"


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def define_cars(admin: httpx.AsyncClient) -> None:
    await ok(admin, DEFINE, input={"key": "cars", "name": "Car dealer", "stages": STAGES})
    await ok(admin, SET_DEFAULT, key="cars")


async def view(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await ok(client, VIEW, id=customer_id))["customer"]
    return found


def timeline(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in found["journey"]["timeline"]["edges"]]


async def merges_done(stack: Stack) -> None:
    """Wait until journey's merge consumer has handled and acknowledged everything published."""
    nc = await nats.connect(stack.nats_url)
    try:
        js, stream = nc.jetstream(), bus.stream_name(stack.namespace, "evt")

        async def idle() -> bool:
            info = await js.consumer_info(stream, "journey-merges")
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(idle, within=20)
    finally:
        await nc.close()


async def test_a_merged_duplicates_journey_deals_and_tasks_move_to_the_survivor(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        merged_events = await subscribe(nc, f"{stack.namespace}.evt.acme.leads.customers_merged")
        reminders = await subscribe(nc, f"{stack.namespace}.evt.acme.journey.task_due")
        async with stack.client() as admin:
            await define_cars(admin)
            kept = await customer(admin, "Kept", owner="rep-1", source="douyin")
            dup = await customer(admin, "Dup", owner="rep-2", source="autohome")
            # The duplicate went further, earlier; the survivor's latest touch is the newer one.
            await walk(
                admin,
                dup,
                ["call_inbound", "appointment", "store_visit", "needs_analysis", "test_drive"],
                start_days_ago=10,
            )
            await walk(admin, kept, ["call_inbound", "appointment"], start_days_ago=5)
            deals = [
                (await ok(admin, DEAL, i={"customerId": c, "product": p, "ownerId": o}))["createDeal"]["id"]
                for c, p, o in ((kept, "Model 3", "rep-1"), (dup, "Model Y", "rep-2"))
            ]
            later = iso(datetime.now(UTC) + timedelta(hours=2))
            due_at = datetime.now(UTC) + timedelta(seconds=25)  # after the merge, generously
            soon = iso(due_at)
            tasks = [
                (await ok(admin, TASK, i={"customerId": c, "kind": "CALL", "dueAt": d, "ownerId": o}))[
                    "createTask"
                ]["id"]
                for c, d, o in ((kept, later, "rep-1"), (dup, soon, "rep-2"))
            ]
            before = (await ok(admin, FUNNEL, j="cars"))["funnel"]
            assert before["customers"] == 2
            dup_reached = dict(
                (r["stage"], r["firstReachedAt"]) for r in (await view(admin, dup))["journey"]["reached"]
            )

            await ok(admin, MERGE, s=kept, d=dup)

            async def merged() -> dict[str, Any] | None:
                found = await view(admin, kept)
                return (
                    found
                    if found["journey"]["furthestStage"] == "test_drive" and len(found["tasks"]) == 2
                    else None
                )

            survivor = await eventually(merged, within=20)
            await merges_done(stack)
            assert datetime.now(UTC) < due_at, "the merge outlasted the task's lead time: raise it"
            survivor = await view(admin, kept)
            journey = survivor["journey"]
            # The furthest stage of both; the current stage of the latest touch (the survivor's).
            assert (journey["journey"], journey["stage"], journey["furthestStage"]) == (
                "cars",
                "appointment",
                "test_drive",
            )
            reached = {r["stage"]: r["firstReachedAt"] for r in journey["reached"]}
            assert list(reached) == ["call", "appointment", "visit", "needs", "test_drive"]
            assert reached["call"] == dup_reached["call"]  # the earlier of the two
            # Both deals and both tasks, owners unchanged; one timeline with every touchpoint.
            assert sorted((d["id"], d["customerId"], d["ownerId"]) for d in survivor["deals"]) == sorted(
                [(deals[0], kept, "rep-1"), (deals[1], kept, "rep-2")]
            )
            assert sorted((t["id"], t["ownerId"], t["status"]) for t in survivor["tasks"]) == sorted(
                [(tasks[0], "rep-1", "OPEN"), (tasks[1], "rep-2", "OPEN")]
            )
            entries = timeline(survivor)
            touches = sorted(e["type"] for e in entries if e["kind"] == "TOUCHPOINT")
            assert touches == sorted(
                [
                    *("call_inbound", "appointment", "store_visit", "needs_analysis", "test_drive"),
                    *("call_inbound", "appointment"),
                ]
            )
            assert sorted(e["summary"][:8] for e in entries if e["kind"] == "LEAD") == [
                "新客户: Dup",
                "新客户: Kep",
            ]

            # The funnel counts one customer, at his furthest stage.
            after = (await ok(admin, FUNNEL, j="cars"))["funnel"]
            counts = {s["key"]: s["count"] for s in after["stages"]}
            assert after["customers"] == 1
            assert (counts["test_drive"], counts["quote"]) == (1, 0)
            # The duplicate's journey is empty: no stage, no timeline, no deals or tasks.
            gone = await view(admin, dup)
            assert gone["journey"]["stage"] in (None, "") and gone["journey"]["reached"] == []
            assert timeline(gone) == [] and gone["deals"] == [] and gone["tasks"] == []

            # The duplicate's task reminds once, for the survivor.
            [reminder] = await reminders.wait_for(1, within=90)
            assert (reminder["data"]["task_id"], reminder["data"]["customer_id"]) == (tasks[1], kept)

            # A replay of the event (redelivered as is, and re-sent with a new id) changes nothing.
            [event] = await merged_events.wait_for(1)
            js = nc.jetstream()
            subject = f"{stack.namespace}.evt.acme.leads.customers_merged"
            await js.publish(subject, cloudevents.encode(event))
            await js.publish(subject, cloudevents.encode({**event, "id": f"{event['id']}-again"}))
            await merges_done(stack)
            assert await view(admin, kept) == survivor
            assert (await ok(admin, FUNNEL, j="cars"))["funnel"] == after
            assert len(reminders.events) == 1
    finally:
        await nc.close()


async def test_a_heard_call_moves_the_journey_and_shows_once(stack: Stack) -> None:
    async with stack.client() as admin, stack.client("globex") as globex:
        await define_cars(admin)
        caller = await customer(admin, "Caller", owner="rep-1", source="douyin")
        started = datetime.now(UTC) - timedelta(hours=1)
        heard = await ingest(admin, caller, FIRST_CALL, started_at=started, id="call-heard-1")
        assert heard["duplicate"] is False

        async def moved() -> dict[str, Any] | None:
            found = await view(admin, caller)
            return found if found["journey"]["stage"] == "call" else None

        found = await eventually(moved, within=20)
        assert found["journey"]["furthestStage"] == "call"
        # The call once: a conversation that is a `call` touchpoint (beside it only the lead entry).
        [entry] = [e for e in timeline(found) if e["kind"] != "LEAD"]
        assert (entry["kind"], entry["type"]) == ("CONVERSATION", "call")
        assert entry["summary"].startswith("听到: ")
        assert {"name": "conversation_id", "id": "call-heard-1"} in entry["refs"]
        funnel = (await ok(admin, FUNNEL, j="cars"))["funnel"]
        assert funnel["customers"] == 1 and funnel["stages"][0]["count"] == 1

        # The same conversation again is a duplicate: still one entry, one touch.
        again = await ingest(admin, caller, FIRST_CALL, started_at=started, id="call-heard-1")
        assert again["duplicate"] is True
        assert timeline(await view(admin, caller)) == timeline(found)
        # Another tenant sees none of it.
        alien = (await ok(globex, FUNNEL))["funnel"]
        assert alien["customers"] == 0
