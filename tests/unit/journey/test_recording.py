"""What one progress commit stores, and in which order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from common.outbox import Outbox, Pending, PendingEvent, PendingInsert, pending_set
from services.journey.definitions import MAX_JOURNEYS
from services.journey.events import JourneyEvents, touchpoint_recorded_id
from services.journey.progress import CustomerProgress, ProgressState, StageChange
from services.journey.recording import ITEM_BUDGET, MAX_GROUP
from services.journey.stale import stale_timer
from services.journey.store import MAX_SET_FIELDS, TOUCHPOINTS, progress_fields
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
    items = events().commit_items(
        "acme", touchpoint=TP, journey=FIVE_A, changes=[(FIVE_A, CHANGE)], version=7
    )
    insert, recorded, changed = items
    assert isinstance(insert, PendingInsert) and insert.collection == TOUCHPOINTS
    assert insert.document["_id"] == "acme|tp-1"
    assert (
        isinstance(recorded, PendingEvent) and recorded.subject == "crm.evt.acme.journey.touchpoint_recorded"
    )
    assert recorded.id == touchpoint_recorded_id("acme", "tp-1")
    assert isinstance(changed, PendingEvent) and changed.envelope["data"]["previous_stage"] == "ask"
    assert [i.order for i in items] == [7000, 7001, 7002]


def test_items_of_a_later_version_sort_after_every_item_of_an_earlier_one() -> None:
    earlier = events().commit_items(
        "acme", touchpoint=TP, journey=FIVE_A, changes=[(FIVE_A, CHANGE)], version=7
    )
    later = events().commit_items("acme", touchpoint=TP, journey=FIVE_A, changes=[], version=8)
    assert len(later) == 2
    assert max(i.order for i in earlier) < min(i.order for i in later)


def test_touchpoint_recorded_ids_are_stable_per_tenant_and_touchpoint() -> None:
    assert touchpoint_recorded_id("acme", "tp-1") == touchpoint_recorded_id("acme", "tp-1")
    assert touchpoint_recorded_id("acme", "tp-1") != touchpoint_recorded_id("globex", "tp-1")
    # Stored under `outbox.<id>`: a dot would split the path.
    assert "." not in touchpoint_recorded_id("acme", "a.b")


def test_touchpoints_committed_together_keep_their_order_within_the_commit() -> None:
    first = events().commit_items(
        "acme", touchpoint=TP, journey=FIVE_A, changes=[(FIVE_A, CHANGE)], version=7
    )
    second = events().commit_items(
        "acme", touchpoint=TP, journey=FIVE_A, changes=[], version=7, first=len(first)
    )
    assert [i.order for i in first + second] == [7000, 7001, 7002, 7003, 7004]


def test_the_largest_group_fits_in_one_update_on_the_stand_in_however_many_journeys_move() -> None:
    for tracked in range(1, MAX_JOURNEYS + 1):
        # Worst case: every touchpoint moves every tracked journey, and the commit stores a timer.
        group = min(MAX_GROUP, max(1, ITEM_BUDGET // (2 + tracked)))
        items: list[Pending] = []
        for _ in range(group):
            items += events().commit_items(
                "acme",
                touchpoint=TP,
                journey=FIVE_A,
                changes=[(FIVE_A, CHANGE)] * tracked,
                version=7,
                first=len(items),
            )
        items.append(stale_timer(events().outbox, "acme", "cus_1", 1_000))
        progress = CustomerProgress(journeys={"5a": ProgressState(journey="5a")})
        fields = {
            **progress_fields("cus_1", progress),
            "rot_ms": 0,
            "timer_ms": 0,
            "version": 8,
            **pending_set(items),
        }
        assert len(fields) <= MAX_SET_FIELDS, tracked
