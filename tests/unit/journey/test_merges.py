"""Merging two customers' progress (services/journey/merges.py) and a heard conversation as a touchpoint.

The fold must give what one customer with both customers' touchpoints would have had — whichever way
the touchpoints were split — and folding again must change nothing (a redelivered merge)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from services.journey.definitions import JourneyBook
from services.journey.merges import merge_progress, merge_state
from services.journey.progress import CustomerProgress, ProgressState, Touch, apply_touch, touch_of
from services.journey.templates import AIDA, FIVE_A, Journey, Stage
from services.journey.timeline_feed import entry_touchpoint
from services.journey.timeline_sources import HEARD_TYPES, conversation_ingested
from services.journey.touchpoints import Touchpoint

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CID = "cus_01HZZZZZZZZZZZZZZZZZZZZZZZ"
TYPES = ["ad_click", "website_visit", "inquiry", "store_visit", "contract_signed", "payment", "review", "x"]


def touch(type_: str, minutes: int, journey: Journey = FIVE_A) -> Touch:
    tp = Touchpoint(
        id=f"tp_{type_}_{minutes}",
        customer_id=CID,
        type=type_,
        channel="web",
        occurred_at=T0 + timedelta(minutes=minutes),
        actor="",
        notes="",
        stage=journey.stage_of(type_),
    )
    return touch_of(tp, journey)


def run(touches: list[Touch], journey: str = "5a") -> ProgressState:
    state = ProgressState(journey=journey)
    for t in touches:
        state = apply_touch(state, t)
    return state


def essentials(state: ProgressState) -> tuple[Any, ...]:
    return (state.reached, state.furthest_rank, state.latest, state.current_stage, state.last_touch_at)


def test_a_fold_is_what_one_customer_with_both_customers_touchpoints_would_have() -> None:
    rng = random.Random(7)
    for _ in range(300):
        touches = [touch(rng.choice(TYPES), rng.randrange(0, 500)) for _ in range(rng.randrange(0, 12))]
        ours = [t for t in touches if rng.random() < 0.5]
        theirs = [t for t in touches if t not in ours]
        merged = merge_state(run(ours), run(theirs), FIVE_A)
        assert essentials(merged) == essentials(run(touches))
        # Folding again (a redelivered merge) changes nothing, and the fold is symmetric.
        assert merge_state(merged, run(theirs), FIVE_A) == merged
        assert essentials(merge_state(run(theirs), run(ours), FIVE_A)) == essentials(merged)


def test_the_current_stage_is_the_later_touchs_the_furthest_the_deeper_and_first_reached_the_earlier() -> (
    None
):
    survivor = run([touch("inquiry", 100), touch("ad_click", 300)])  # moved back to aware, latest
    duplicate = run([touch("ad_click", 10), touch("contract_signed", 200)])
    merged = merge_state(survivor, duplicate, FIVE_A)
    assert merged.current_stage == "aware" and FIVE_A.stage_at(merged.furthest_rank) == "act"
    assert merged.reached["aware"] == T0 + timedelta(minutes=10)
    assert merged.entered_at == survivor.entered_at
    assert [stage for _, stage in merged.moves] == ["aware", "ask", "act", "aware"]


def test_journeys_only_one_side_has_are_kept_and_the_owner_stays_the_survivors() -> None:
    survivor = CustomerProgress(journeys={"5a": run([touch("inquiry", 5)])}, owner_id="rep-1")
    aida = run([touch("inquiry", 1, AIDA)], journey="aida")
    duplicate = CustomerProgress(journeys={"aida": aida}, owner_id="rep-2", source_channel="web")
    merged = merge_progress(survivor, duplicate, JourneyBook())
    assert merged.journeys == {"5a": survivor.journeys["5a"], "aida": aida}
    assert (merged.owner_id, merged.source_channel) == ("rep-1", "")
    assert merge_progress(merged, duplicate, JourneyBook()) == merged


def test_a_fold_is_measured_against_the_journeys_current_version() -> None:
    old = run([touch("review", 5)])  # advocate, rank 6 in 5A v1
    v2 = Journey(
        key="5a",
        name="5A",
        version=2,
        stages=(
            *(s for s in FIVE_A.stages if s.key != "advocate"),
            Stage(key="fan", name="Fan", touchpoint_types=frozenset({"share"})),
        ),
    )
    merged = merge_state(run([touch("inquiry", 1)]), old, v2)
    assert merged.version == 2 and v2.stage_at(merged.furthest_rank) == "ask"


def conversation(channel: str, conversation_id: str = "call-42") -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "customer_id": CID,
        "channel": channel,
        "started_at": "2026-11-23T02:05:00.123Z",
        "summary": "预算 20万",
        "applied": [],
    }


def test_a_heard_conversation_is_a_touchpoint_of_its_channels_type_with_an_id_per_conversation() -> None:
    assert HEARD_TYPES == {
        "call": "call",
        "meeting": "meeting",
        "wechat": "message",
        "wecom": "message",
        "email": "email",
    }
    data = conversation("call")
    event = {"id": "evt_9", "type": "crm.tags.conversation_ingested.v1", "data": data}
    entry = conversation_ingested(data, event)
    assert (entry.touchpoint_type, entry.entry_id) == ("call", "heard/call-42")
    touchpoint = entry_touchpoint("conversation", event, entry)
    assert (touchpoint.id, touchpoint.type, touchpoint.kind, touchpoint.channel) == (
        "heard/call-42",
        "call",
        "conversation",
        "call",
    )
    assert touchpoint.occurred_at == datetime(2026, 11, 23, 2, 5, 0, 123000, tzinfo=UTC)
    assert touchpoint.summary == "听到: 预算 20万" and touchpoint.source_event_id == "evt_9"
    assert touchpoint.refs == (("conversation_id", "call-42"),)
    # The same conversation in another event is the same touchpoint.
    again = conversation_ingested(data, {**event, "id": "evt_10"})
    assert again.entry_id == entry.entry_id
    assert conversation_ingested(conversation("wechat"), event).touchpoint_type == "message"


def test_a_conversation_without_an_id_or_on_an_unknown_channel_is_only_an_entry() -> None:
    event = {"id": "evt_9", "type": "crm.tags.conversation_ingested.v1"}
    for data in (conversation("call", conversation_id=""), conversation("fax")):
        entry = conversation_ingested(data, {**event, "data": data})
        assert (entry.touchpoint_type, entry.entry_id, entry.type) == ("", "", "tags.conversation_ingested")
