"""Signals ingested from NATS, `level_changed` events published on NATS, and the dead-letter subject."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from crm.intent.v1 import intent_pb2

from common import bus, cloudevents
from common.ids import new_id
from tests.integration.intent.helpers import Intent, eventually, signal
from tests.support.events import subscribe


async def test_signal_published_as_a_cloudevent_is_scored(intent: Intent) -> None:
    buyer = await intent.customer()
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    await intent.publish_signals(
        {
            "id": "web-77",
            "customer_id": buyer,
            "type": "whitepaper_download",
            "party": "first",
            "topic": "crm",
            "occurred_at": an_hour_ago,
            "properties": {"url": "https://example.com/wp", "dwell_seconds": "90"},
            "source": "website",
        }
    )

    async def scored() -> bool:
        return (await intent.score(buyer)).signal_count == 1

    await eventually(scored)
    score = await intent.score(buyer)
    [top] = score.top_signals
    assert (top.signal_id, top.type, top.topic) == ("web-77", "whitepaper_download", "crm")
    assert 11.9 < top.points <= 12.0  # 8 × 1.5 for a 90-second dwell, barely decayed


async def test_a_batch_of_items_is_ingested_and_redelivery_is_harmless(intent: Intent) -> None:
    buyer = await intent.customer()
    items = {"items": [{"id": f"b-{i}", "customer_id": buyer, "type": "product_page_view"} for i in range(3)]}
    await intent.publish_signals(items)
    await intent.publish_signals(items)  # a partner re-sending the same signals in a new event

    async def scored() -> bool:
        return (await intent.score(buyer)).signal_count == 3

    await eventually(scored)
    await asyncio.sleep(0.3)  # room for the second event to be processed
    assert (await intent.score(buyer)).signal_count == 3


async def test_an_event_re_sent_after_the_de_duplication_window_still_counts_once(intent: Intent) -> None:
    """Signals without ids of their own take the CloudEvent's: a partner re-sending the very same event
    later (JetStream only drops a repeated Nats-Msg-Id within its window) adds nothing twice."""
    buyer = await intent.customer()
    one = cloudevents.make_event(
        type="com.partner.signal.v1",
        source="partner/web",
        tenant="acme",
        data={"customer_id": buyer, "type": "pricing_page_view"},
    )
    many = cloudevents.make_event(
        type="com.partner.signal.v1",
        source="partner/web",
        tenant="acme",
        data={"items": [{"customer_id": buyer, "type": "content_read"} for _ in range(2)]},
    )
    subject = f"{intent.namespace}.in.acme.signals"
    for envelope in (one, many, one, many):
        # A fresh Nats-Msg-Id each time: what a re-send after the window looks like to the stream.
        await intent.js.publish(subject, cloudevents.encode(envelope), headers={"Nats-Msg-Id": new_id("msg")})

    async def scored() -> bool:
        return (await intent.score(buyer)).signal_count == 3

    await eventually(scored)
    await asyncio.sleep(0.5)  # room for the re-sent events to be processed
    score = await intent.score(buyer)
    assert score.signal_count == 3
    assert {s.signal_id for s in score.top_signals} == {
        f"ce:{one['id']}",
        f"ce:{many['id']}:0",
        f"ce:{many['id']}:1",
    }


async def test_level_changed_is_published_once_when_the_level_rises(intent: Intent) -> None:
    changes = await subscribe(intent.nc, f"{intent.namespace}.evt.acme.intent.level_changed")
    buyer = await intent.customer()

    await intent.ingest(signal(buyer, "email_click"))  # a first LOW score announces nothing
    # 3 + 25 + 3 × 10 = 58 raw points → 76.6, HIGH
    await intent.ingest(signal(buyer, "demo_request"), *[signal(buyer, "pricing_page_view")] * 3)
    [event] = await changes.wait_for(1)
    assert event["type"] == "crm.intent.level_changed.v1"
    assert event["subject"] == buyer
    assert event["tenantid"] == "acme"
    data = event["data"]
    assert set(data) == {"customer_id", "level", "previous_level", "score", "reason"}
    assert (data["customer_id"], data["level"], data["previous_level"]) == (buyer, "high", "low")
    assert data["score"] == (await intent.score(buyer)).score
    assert data["reason"] == "3× 定价页, 1× 演示申请 and 1× 邮件点击 in the last 7 days"

    await intent.ingest(signal(buyer, "webinar_attend"))  # a higher score at the same level
    assert (await intent.score(buyer)).score > data["score"]
    await asyncio.sleep(0.5)
    assert len(changes.events) == 1


async def test_a_first_score_above_low_is_announced_from_null(intent: Intent) -> None:
    changes = await subscribe(intent.nc, f"{intent.namespace}.evt.acme.intent.level_changed")
    buyer, quiet = await intent.customer(), await intent.customer()
    await intent.ingest(
        signal(quiet, "email_click"), signal(buyer, "demo_request"), signal(buyer, "webinar_attend")
    )
    [event] = await changes.wait_for(1)
    assert event["data"]["customer_id"] == buyer
    assert (event["data"]["level"], event["data"]["previous_level"]) == ("medium", None)
    assert event["data"]["reason"] == "1× 演示申请 and 1× 线上研讨会 in the last 7 days"
    await asyncio.sleep(0.3)
    assert len(changes.events) == 1  # nothing for the customer who only scored LOW


async def test_signals_arriving_on_nats_also_announce_level_changes(intent: Intent) -> None:
    changes = await subscribe(intent.nc, f"{intent.namespace}.evt.acme.intent.level_changed")
    buyer = await intent.customer()
    await intent.publish_signals(
        {
            "items": [
                {"customer_id": buyer, "type": "demo_request"},
                {"customer_id": buyer, "type": "demo_request"},
            ]
        }
    )
    [event] = await changes.wait_for(1)
    assert (event["data"]["customer_id"], event["data"]["level"]) == (buyer, "medium")


async def test_malformed_ingest_message_is_dead_lettered_and_changes_nothing(intent: Intent) -> None:
    dead = await subscribe(intent.nc, f"{intent.namespace}.dlq.intent")
    buyer = await intent.customer()
    await intent.publish_signals(
        {"items": [{"customer_id": buyer, "type": "demo_request"}, {"customer_id": "cus_bogus", "type": "x"}]}
    )
    [letter] = await dead.wait_for(1)
    assert letter["consumer"] == "intent-ingest"
    assert letter["subject"] == f"{intent.namespace}.in.acme.signals"
    assert "InvalidArgument" in letter["error"] and "items[1].customer_id" in letter["error"]
    assert letter["deliveries"] == 1  # bad input is not retried
    score = await intent.score(buyer)
    assert (score.signal_count, score.level) == (0, intent_pb2.INTENT_LEVEL_LOW)


async def test_a_level_change_nats_did_not_take_is_published_once_by_the_outbox_relay(intent: Intent) -> None:
    buyer = await intent.customer()
    hot = [signal(buyer, "demo_request", id="d-1"), signal(buyer, "webinar_attend", id="w-1")]
    # Without the events stream nothing acknowledges the publish: the change is stored all the same,
    # with its event waiting in the customer's scores document (common/outbox.py).
    await intent.js.delete_stream(bus.stream_name(intent.namespace, "evt"))
    stored = await intent.ingest(*hot)
    assert stored.accepted == 2
    assert (await intent.score(buyer)).level == intent_pb2.INTENT_LEVEL_MEDIUM

    await bus.ensure_streams(intent.js, root=intent.namespace)
    changes = await subscribe(intent.nc, f"{intent.namespace}.evt.acme.intent.level_changed")
    [event] = await changes.wait_for(1, within=15)  # the relay retries after its grace period
    assert (event["data"]["level"], event["data"]["previous_level"]) == ("medium", None)

    again = await intent.ingest(*hot)  # a client re-sending changes nothing and announces nothing
    assert (again.accepted, again.duplicates) == (0, 2)
    await asyncio.sleep(3)  # longer than the relay's grace period
    assert len(changes.events) == 1
