"""What leads hears from journey: contacts move a new lead to contacted, deals make it won and count
as its channel's revenue.

Consumed: `<root>.evt.<tenant>.journey.*` (durable `leads-journey`): `touchpoint_recorded` of a
contact type (status.CONTACT_TOUCHPOINTS), `deal_signed` and `deal_paid` (amount_minor, currency,
deal_id: channel_store keeps one document per deal). Every other journey event is acknowledged and
ignored. Idempotent: a status already reached and a deal already recorded change nothing. A fact
about a merged duplicate is applied to its survivor.
"""

from __future__ import annotations

from typing import Any

from common.bus import Consumer, Handler
from common.errors import InvalidArgument
from services.leads.changes import ProfileChanges
from services.leads.channel_store import ChannelStore
from services.leads.status import DEAL_EVENTS
from services.leads.store import CustomerStore

DURABLE = "leads-journey"
SUBJECT = "evt.*.journey.*"
TOUCHPOINT_RECORDED = "crm.journey.touchpoint_recorded.v1"
ACTOR = "system:journey"


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"the event's data needs {name}", field=f"data.{name}")
    return value


def journey_consumer(changes: ProfileChanges, channels: ChannelStore, store: CustomerStore) -> Consumer:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind not in DEAL_EVENTS and kind != TOUCHPOINT_RECORDED:
            return
        data = event.get("data")
        if not isinstance(data, dict):
            raise InvalidArgument("the event's data must be an object", field="data")
        customer_id = _text(data, "customer_id")
        if kind == TOUCHPOINT_RECORDED:
            touchpoint = str(data.get("type") or "")
            await changes.apply_event(
                tenant, customer_id, event_type=str(kind), touchpoint_type=touchpoint, actor=ACTOR
            )
            return
        amount = data.get("amount_minor")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise InvalidArgument(
                "a deal event needs amount_minor, a non-negative integer", field="data.amount_minor"
            )
        doc = await store.get(tenant, customer_id)
        owner = str(doc.get("merged_into") or customer_id) if doc else customer_id
        await channels.record_deal(
            tenant,
            deal_id=_text(data, "deal_id"),
            customer_id=owner,
            kind="paid" if kind == "crm.journey.deal_paid.v1" else "signed",
            amount_minor=amount,
            currency=_text(data, "currency"),
        )
        await changes.apply_event(tenant, customer_id, event_type=str(kind), actor=ACTOR)

    handler: Handler = handle
    return Consumer(durable=DURABLE, stream_kind="evt", filter_subject=SUBJECT, handler=handler)
