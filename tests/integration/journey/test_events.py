"""Touchpoints ingested from NATS, journey events published on NATS, and the dead-letter subject."""

from __future__ import annotations

import asyncio
import json

from tests.integration.journey.helpers import Journey, eventually, iso_at
from tests.support.events import subscribe


async def test_a_touchpoint_published_as_a_cloudevent_shows_up_in_the_timeline(journey: Journey) -> None:
    buyer = await journey.customer()
    await journey.publish_touchpoints(
        {
            "id": "dealer-visit-1",
            "customer_id": buyer,
            "type": "store_visit",
            "channel": "store",
            "occurred_at": iso_at(15),
            "actor": "rep-9",
            "notes": "came with family",
        }
    )

    async def listed() -> bool:
        return len((await journey.timeline(buyer)).touchpoints) == 1

    await eventually(listed)
    [touchpoint] = (await journey.timeline(buyer)).touchpoints
    assert (touchpoint.id, touchpoint.type, touchpoint.stage, touchpoint.actor) == (
        "dealer-visit-1",
        "store_visit",
        "ask",
        "rep-9",
    )
    assert touchpoint.notes == "came with family"
    [progress] = await journey.progress(buyer)
    assert progress.current_stage == "ask"


async def test_a_batch_is_ingested_and_a_resent_item_is_recorded_once(journey: Journey) -> None:
    buyer = await journey.customer()
    batch = {
        "items": [
            {"id": "call-1", "customer_id": buyer, "type": "call_inbound", "occurred_at": iso_at(1)},
            {"customer_id": buyer, "type": "test_drive", "occurred_at": iso_at(2)},
            {"id": "quote-1", "customer_id": buyer, "type": "quote_request", "occurred_at": iso_at(3)},
        ]
    }
    await journey.publish_touchpoints(batch)
    await journey.publish_touchpoints({"items": [batch["items"][0], {**batch["items"][2], "notes": "again"}]})
    await journey.publish_touchpoints({"customer_id": buyer, "type": "purchase", "occurred_at": iso_at(4)})

    async def listed() -> bool:
        return len((await journey.timeline(buyer)).touchpoints) == 4

    await eventually(listed)
    await asyncio.sleep(0.3)  # room for the re-sent items, were they to add anything
    timeline = (await journey.timeline(buyer)).touchpoints
    assert [t.type for t in timeline] == ["purchase", "quote_request", "test_drive", "call_inbound"]
    assert timeline[1].notes == ""
    [progress] = await journey.progress(buyer)
    assert (progress.current_stage, progress.furthest_stage) == ("act", "act")


async def test_recording_publishes_touchpoint_recorded_and_stage_changed(journey: Journey) -> None:
    recorded = await subscribe(journey.nc, f"{journey.namespace}.evt.acme.journey.touchpoint_recorded")
    changes = await subscribe(journey.nc, f"{journey.namespace}.evt.acme.journey.stage_changed")
    buyer = await journey.customer()

    await journey.record(buyer, "ad_click", minutes=0, id="tp-a")
    await journey.record(buyer, "purchase", minutes=10, id="tp-b", channel="store")
    await journey.record(buyer, "ad_impression", minutes=5, id="tp-late")  # older: no stage change
    await journey.record(buyer, "purchase", minutes=10, id="tp-b")  # re-sent: no events at all

    first, second = await changes.wait_for(2)
    assert first["type"] == "crm.journey.stage_changed.v1"
    assert (first["subject"], first["tenantid"]) == (buyer, "acme")
    assert first["data"] == {
        "customer_id": buyer,
        "journey": "5a",
        "version": 1,
        "stage": "aware",
        "previous_stage": "",
        "furthest_stage": "aware",
        "at": iso_at(0).replace("Z", ".000Z"),
        "touchpoint_id": "tp-a",
    }
    assert (second["data"]["stage"], second["data"]["previous_stage"]) == ("act", "aware")
    assert second["data"]["furthest_stage"] == "act"

    events = await recorded.wait_for(3)
    assert [e["data"]["id"] for e in events] == ["tp-a", "tp-b", "tp-late"]
    assert events[1]["type"] == "crm.journey.touchpoint_recorded.v1"
    assert events[1]["subject"] == buyer
    assert events[1]["data"] == {
        "id": "tp-b",
        "customer_id": buyer,
        "type": "purchase",
        "channel": "store",
        "occurred_at": iso_at(10).replace("Z", ".000Z"),
        "actor": "",
        "notes": "",
        "stage": "act",
    }
    await asyncio.sleep(0.3)  # room for a stray event from the late or re-sent touchpoint
    assert (len(changes.events), len(recorded.events)) == (2, 3)


async def test_a_malformed_ingest_message_is_dead_lettered_and_records_nothing(journey: Journey) -> None:
    dlq = await subscribe(journey.nc, f"{journey.namespace}.dlq.journey")
    buyer = await journey.customer()
    await journey.publish_touchpoints(
        {"items": [{"customer_id": buyer, "type": "inquiry"}, {"customer_id": buyer, "type": "Bad Type"}]}
    )
    [dead] = await dlq.wait_for(1)
    assert dead["consumer"] == "journey-ingest"
    assert dead["subject"] == f"{journey.namespace}.in.acme.touchpoints"
    assert dead["error"].startswith("InvalidArgument:")
    assert "Bad Type" in dead["error"]
    assert json.loads(dead["payload"])["data"]["items"][1]["type"] == "Bad Type"
    assert list((await journey.timeline(buyer)).touchpoints) == []
