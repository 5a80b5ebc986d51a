"""Intent surges become timeline entries (services/journey/surges.py): in time order, once, per tenant,
without moving the journey."""

from __future__ import annotations

from crm.journey.v1 import journey_pb2

from common import bus, cloudevents
from common.timeutil import to_ms
from tests.integration.journey.helpers import Journey, at, eventually

REASON = "3× 定价页 in 2 days; usually 0"


async def announce_surge(journey: Journey, customer_id: str, *, minutes: int, tenant: str = "acme") -> None:
    """`intent.surged` as the intent service publishes it (a fresh event id each time, as a re-detection)."""
    data = {
        "customer_id": customer_id,
        "owner_id": "rep-1",
        "reason": REASON,
        "score": 52.5,
        "level": "medium",
        "window_days": 2,
        "types": [{"type": "pricing_page_view", "label": "定价页", "count": 3, "usual": 0}],
        "surged_at_ms": to_ms(at(minutes)),
    }
    event = cloudevents.make_event(
        type="crm.intent.surged.v1", source="crm/intent", tenant=tenant, data=data, subject=customer_id
    )
    await bus.publish_event(journey.js, f"{journey.namespace}.evt.{tenant}.intent.surged", event)


async def test_a_surge_joins_the_timeline_once_in_time_order_and_moves_no_stage(journey: Journey) -> None:
    cid = await journey.customer()
    await journey.record(cid, "ad_click", minutes=0)
    await journey.record(cid, "inquiry", minutes=20)
    before = (await journey.progress(cid))[0]
    await announce_surge(journey, cid, minutes=10)
    await announce_surge(journey, cid, minutes=10)  # the same surge again: still one entry
    await announce_surge(journey, cid, minutes=10, tenant="globex")  # another tenant's timeline

    async def shown() -> bool:
        return len((await journey.timeline(cid)).touchpoints) == 3

    await eventually(shown)
    entries = list((await journey.timeline(cid)).touchpoints)
    assert [e.type for e in entries] == ["inquiry", "intent_surge", "ad_click"]
    surge = entries[1]
    assert surge.kind == journey_pb2.TIMELINE_ENTRY_KIND_INTENT_SURGE and surge.notes == REASON
    assert surge.actor == "intent" and surge.stage == ""
    assert entries[0].kind == journey_pb2.TIMELINE_ENTRY_KIND_TOUCHPOINT
    assert (await journey.progress(cid))[0] == before

    async def globex_shown() -> bool:
        kinds = [e.kind for e in (await journey.timeline(cid, tenant="globex")).touchpoints]
        return kinds == [journey_pb2.TIMELINE_ENTRY_KIND_INTENT_SURGE]

    await eventually(globex_shown)
    await announce_surge(journey, cid, minutes=10)
    await journey.record(cid, "store_visit", minutes=30)
    assert len((await journey.timeline(cid)).touchpoints) == 4
