"""What one progress commit stores, and the per-customer queue writers of one process wait in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

from common.outbox import Outbox, PendingEvent, PendingInsert
from services.journey.events import JourneyEvents, touchpoint_recorded_id
from services.journey.progress import StageChange
from services.journey.recording import KeyedLocks
from services.journey.store import TOUCHPOINTS
from services.journey.templates import FIVE_A
from services.journey.touchpoints import Touchpoint

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TP = Touchpoint(
    id="tp-1",
    customer_id="cus_01HZZZZZZZZZZZZZZZZZZZZZZZ",
    type="purchase",
    channel="store",
    occurred_at=AT,
    actor="",
    notes="",
    stage="act",
)
CHANGE = StageChange(stage="act", previous_stage="ask", furthest_stage="act", at=AT, touchpoint_id="tp-1")


def events() -> JourneyEvents:
    # Building items touches neither the database nor NATS; the outbox only needs its names here.
    return JourneyEvents(
        Outbox(cast(Any, None), cast(Any, None), root="crm", service="journey", collections=())
    )


def test_a_commit_stores_the_touchpoint_insert_then_its_events_in_that_order() -> None:
    items = events().commit_items("acme", touchpoint=TP, journey=FIVE_A, change=CHANGE, version=7)
    insert, recorded, changed = items
    assert isinstance(insert, PendingInsert) and insert.collection == TOUCHPOINTS
    assert insert.document["_id"] == "acme|tp-1"
    assert (
        isinstance(recorded, PendingEvent) and recorded.subject == "crm.evt.acme.journey.touchpoint_recorded"
    )
    assert recorded.id == touchpoint_recorded_id("acme", "tp-1")
    assert isinstance(changed, PendingEvent) and changed.envelope["data"]["previous_stage"] == "ask"
    assert [i.order for i in items] == [70, 71, 72]


def test_items_of_a_later_version_sort_after_every_item_of_an_earlier_one() -> None:
    earlier = events().commit_items("acme", touchpoint=TP, journey=FIVE_A, change=CHANGE, version=7)
    later = events().commit_items("acme", touchpoint=TP, journey=FIVE_A, change=None, version=8)
    assert len(later) == 2
    assert max(i.order for i in earlier) < min(i.order for i in later)


def test_touchpoint_recorded_ids_are_stable_per_tenant_and_touchpoint() -> None:
    assert touchpoint_recorded_id("acme", "tp-1") == touchpoint_recorded_id("acme", "tp-1")
    assert touchpoint_recorded_id("acme", "tp-1") != touchpoint_recorded_id("globex", "tp-1")
    # Stored under `outbox.<id>`: a dot would split the path.
    assert "." not in touchpoint_recorded_id("acme", "a.b")


async def test_keyed_locks_serialise_one_key_and_forget_it_afterwards() -> None:
    locks = KeyedLocks()
    inside: list[str] = []
    overlaps = 0

    async def work(key: str) -> None:
        nonlocal overlaps
        async with locks.hold(key):
            overlaps += key in inside
            inside.append(key)
            await asyncio.sleep(0.001)
            inside.remove(key)

    await asyncio.gather(*(work(k) for k in ["a", "b"] * 20))
    assert overlaps == 0
    assert locks._locks == {}
