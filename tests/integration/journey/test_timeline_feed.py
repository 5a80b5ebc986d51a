"""The timeline of everything (services/journey/timeline_feed.py): other services' events, as they publish
them on NATS, join the touchpoints in time order — once, per tenant, filterable by kind, moving no stage."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import grpc
import pytest
from crm.journey.v1 import journey_pb2

from common import bus, cloudevents
from common.timeutil import to_ms
from tests.integration.journey.helpers import Journey, at, eventually, iso_at
from tests.support.events import subscribe
from tests.support.rpc import metadata

K = journey_pb2


async def publish(
    journey: Journey, service: str, name: str, data: dict[str, Any], *, tenant: str = "acme", **extra: Any
) -> dict[str, Any]:
    """`crm.<service>.<name>.v1` on `<root>.evt.<tenant>.<service>.<name>`, as that service publishes it."""
    event = cloudevents.make_event(
        type=f"crm.{service}.{name}.v1", source=f"crm/{service}", tenant=tenant, data=data, **extra
    )
    await bus.publish_event(journey.js, f"{journey.namespace}.evt.{tenant}.{service}.{name}", event)
    return event


async def redeliver(journey: Journey, event: dict[str, Any], service: str, name: str) -> None:
    """The same event stored a second time (no Nats-Msg-Id, so JetStream keeps it): what an
    at-least-once redelivery or a replay hands the consumer."""
    subject = f"{journey.namespace}.evt.{event['tenantid']}.{service}.{name}"
    await journey.js.publish(subject, cloudevents.encode(event))


def conversation(cid: str, minutes: int, *, conversation_id: str = "") -> dict[str, Any]:
    return {
        "conversation_id": conversation_id or f"call-{cid[-6:]}",
        "customer_id": cid,
        "channel": "call",
        "started_at": iso_at(minutes),
        "turn_count": 4,
        "summary": "预算 20万, 极简风",
        "applied": [{"tag_key": "budget", "value": "200000"}],
        "suggested": 0,
        "callback_at": "",
    }


def tag(cid: str, minutes: int, source: str, key: str = "vip") -> dict[str, Any]:
    return {
        "customer_id": cid,
        "tag_key": key,
        "value": "",
        "previous_value": "",
        "source": source,
        "confidence": 1.0,
        "actor": "rep_wang" if source == "manual" else "svc:tags",
        "reason": "老客户介绍" if source == "manual" else "",
        "at": iso_at(minutes),
        "history_id": f"th_{source}_{minutes}",
    }


async def consumed(journey: Journey, durable: str) -> None:
    """Wait until `durable` has handled and acknowledged everything on the stream."""
    stream = bus.stream_name(journey.namespace, "evt")

    async def idle() -> bool:
        info = await journey.js.consumer_info(stream, durable)
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(idle)


async def entries(journey: Journey, cid: str, count: int, **kw: Any) -> list[journey_pb2.Touchpoint]:
    """The timeline once it holds `count` entries (consumers work asynchronously); fails on more."""

    async def enough() -> bool:
        return len((await journey.timeline(cid, **kw)).touchpoints) >= count

    await eventually(enough)
    found = list((await journey.timeline(cid, **kw)).touchpoints)
    assert len(found) == count, [(e.type, e.summary) for e in found]
    return found


async def test_conversations_tag_changes_intent_and_lead_events_join_the_timeline_in_time_order(
    journey: Journey,
) -> None:
    cid = await journey.customer()
    await journey.record(cid, "ad_click", minutes=0)
    await journey.record(cid, "inquiry", minutes=20)
    before = (await journey.progress(cid))[0]
    created = {
        "id": cid,
        "name": "梁明",
        "source_channel": "展会",
        "owner_id": "rep_sunhao",
        "created_at": iso_at(-10),
        "status": "new",
    }
    await publish(journey, "leads", "customer_created", created)
    heard = await publish(journey, "tags", "conversation_ingested", conversation(cid, 5))
    await publish(journey, "tags", "assigned", tag(cid, 15, "manual"))
    await publish(journey, "tags", "assigned", tag(cid, 16, "rule", key="active"))  # machine refresh
    await publish(
        journey, "tags", "assigned", tag(cid, 17, "conversation", key="budget")
    )  # in the call entry
    level = {
        "customer_id": cid,
        "level": "high",
        "previous_level": "medium",
        "score": 75.5,
        "reason": "3 pricing_page_view in the last 7 days",
    }
    await publish(journey, "intent", "level_changed", level, time=at(25))
    surge = {
        "customer_id": cid,
        "owner_id": "rep_sunhao",
        "reason": "3× 定价页 in 2 days; usually 0",
        "score": 52.5,
        "level": "medium",
        "window_days": 2,
        "types": [],
        "surged_at_ms": to_ms(at(24)),
    }
    await publish(journey, "intent", "surged", surge)

    timeline = await entries(journey, cid, 7)
    assert [(e.kind, e.type) for e in timeline] == [
        (K.TIMELINE_ENTRY_KIND_INTENT_LEVEL, "intent.level_changed"),
        (K.TIMELINE_ENTRY_KIND_INTENT_SURGE, "intent_surge"),
        (K.TIMELINE_ENTRY_KIND_TOUCHPOINT, "inquiry"),
        (K.TIMELINE_ENTRY_KIND_TAG_CHANGE, "tags.assigned"),
        (K.TIMELINE_ENTRY_KIND_CONVERSATION, "call"),  # a heard call is a `call` touchpoint, shown once
        (K.TIMELINE_ENTRY_KIND_TOUCHPOINT, "ad_click"),
        (K.TIMELINE_ENTRY_KIND_LEAD, "leads.customer_created"),
    ]
    assert [e.summary for e in timeline] == [
        "意向 MEDIUM → HIGH: 3 pricing_page_view in the last 7 days",
        "意向激增: 3× 定价页 in 2 days; usually 0",
        "inquiry",
        "标签 +vip — 老客户介绍",
        "听到: 预算 20万, 极简风",
        "ad_click",
        "新客户: 梁明（来源 展会，负责人 rep_sunhao）",
    ]
    call = timeline[4]
    assert call.occurred_at.ToDatetime().isoformat() == at(5).replace(tzinfo=None).isoformat()
    assert call.channel == "call" and call.source_event_id == heard["id"]
    assert [(r.name, r.id) for r in call.refs] == [("conversation_id", f"call-{cid[-6:]}")]
    assert [(r.name, r.id) for r in timeline[3].refs] == [("tag_key", "vip"), ("history_id", "th_manual_15")]
    assert timeline[3].actor == "rep_wang" and timeline[2].source_event_id == ""
    # Only the call is a touchpoint, and in 5A a `call` implies no stage (its templates list
    # `call_inbound`), and it is older than the inquiry: the journey stands where it stood.
    assert (await journey.progress(cid))[0] == before


async def test_a_redelivered_event_adds_nothing_and_another_tenant_sees_only_its_own(
    journey: Journey,
) -> None:
    cid = await journey.customer()
    heard = await publish(journey, "tags", "conversation_ingested", conversation(cid, 5))
    await entries(journey, cid, 1)
    await redeliver(journey, heard, "tags", "conversation_ingested")
    await publish(journey, "tags", "conversation_ingested", conversation(cid, 6), tenant="globex")
    [alien] = await entries(journey, cid, 1, tenant="globex")
    assert alien.occurred_at.ToDatetime().isoformat() == at(6).replace(tzinfo=None).isoformat()
    await publish(journey, "tags", "assigned", tag(cid, 7, "manual"))
    await consumed(journey, "journey-timeline-tags")  # the copy, too, has been handled and acknowledged
    shown = await entries(journey, cid, 2)
    assert [e.kind for e in shown] == [K.TIMELINE_ENTRY_KIND_TAG_CHANGE, K.TIMELINE_ENTRY_KIND_CONVERSATION]
    assert shown[1].source_event_id == heard["id"]


async def test_the_timeline_filters_by_kind_across_pages(journey: Journey) -> None:
    cid = await journey.customer()
    for minute in range(0, 50, 10):
        await journey.record(cid, "content_read", minutes=minute)
        heard = conversation(cid, minute + 1, conversation_id=f"call-{minute}-{cid[-6:]}")
        await publish(journey, "tags", "conversation_ingested", heard)
    await entries(journey, cid, 10)
    calls = [K.TIMELINE_ENTRY_KIND_CONVERSATION]
    first = await journey.timeline(cid, page_size=3, kinds=calls)
    second = await journey.timeline(cid, page_size=3, kinds=calls, page_token=first.next_page_token)
    assert [e.occurred_at.ToDatetime().minute for e in [*first.touchpoints, *second.touchpoints]] == [
        41,
        31,
        21,
        11,
        1,
    ]
    assert not second.next_page_token
    both = [K.TIMELINE_ENTRY_KIND_TOUCHPOINT, K.TIMELINE_ENTRY_KIND_CONVERSATION]
    assert len((await journey.timeline(cid, kinds=both)).touchpoints) == 10
    touchpoints = (await journey.timeline(cid, kinds=[K.TIMELINE_ENTRY_KIND_TOUCHPOINT])).touchpoints
    assert {e.type for e in touchpoints} == {"content_read"} and len(touchpoints) == 5
    assert list((await journey.timeline(cid, kinds=[K.TIMELINE_ENTRY_KIND_LEAD])).touchpoints) == []


async def test_an_unknown_kind_in_the_filter_is_refused(journey: Journey) -> None:
    cid = await journey.customer()
    request = journey_pb2.ListTimelineRequest(
        customer_id=cid, kinds=[K.TIMELINE_ENTRY_KIND_CONVERSATION, cast(K.TimelineEntryKind, 99)]
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await journey.stub.ListTimeline(request, metadata=metadata("acme"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "kinds[1]" in (refused.value.details() or "")


async def test_a_malformed_event_is_dead_lettered_and_shows_nothing(journey: Journey) -> None:
    dlq = await subscribe(journey.nc, f"{journey.namespace}.dlq.journey")
    cid = await journey.customer()
    await publish(
        journey, "tags", "conversation_ingested", {**conversation(cid, 5), "started_at": "yesterday"}
    )
    [dead] = await dlq.wait_for(1)
    assert dead["consumer"] == "journey-timeline-tags"
    assert dead["error"].startswith("InvalidArgument:") and "started_at" in dead["error"]
    assert json.loads(dead["payload"])["data"]["customer_id"] == cid
    await asyncio.sleep(0.2)
    assert list((await journey.timeline(cid)).touchpoints) == []
