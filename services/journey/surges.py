"""Intent surges on the customer's timeline: a projection of the intent service's `intent.surged`.

Consumed: `<root>.evt.<tenant>.intent.surged` (durable `journey-intent-surges`; the tenant is the
subject's). Each event becomes one timeline entry of kind `intent_surge` in the touchpoints collection,
dated at the surge, with the reason as its notes ("3× 定价页 in 2 days; usually 0") and `intent` as its
actor and channel, so `ListTimeline` returns the whole story in time order with no read of intent's
database (DESIGN §3). It is not a touchpoint: it never moves the journey or counts in the funnel (it
bypasses progress entirely). Idempotent: the entry's id is derived from (customer, surge instant), and
its id holds a `/`, which touchpoint ids may not, so no touchpoint can ever collide with it.
"""

from __future__ import annotations

from typing import Any

from common.bus import Consumer
from common.errors import InvalidArgument
from common.mongo import epoch_ms
from common.timeutil import from_ms, utcnow
from services.journey.store import JourneyStore

SURGE_DURABLE = "journey-intent-surges"
SURGE_SUBJECT = "evt.*.intent.surged"
SURGED = "crm.intent.surged.v1"
KIND = "intent_surge"


def surge_entry(tenant: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """The timeline document of an `intent.surged` event (None for any other event type)."""
    if event.get("type") != SURGED:
        return None
    data = event.get("data")
    if not isinstance(data, dict):
        raise InvalidArgument("intent.surged data must be an object", field="data")
    customer_id, at_ms, reason = data.get("customer_id"), data.get("surged_at_ms"), data.get("reason")
    if not isinstance(customer_id, str) or not customer_id or not isinstance(reason, str):
        raise InvalidArgument("intent.surged needs customer_id and reason", field="data.customer_id")
    if not isinstance(at_ms, int) or isinstance(at_ms, bool) or at_ms <= 0:
        raise InvalidArgument("intent.surged needs surged_at_ms (epoch ms)", field="data.surged_at_ms")
    entry_id = f"surge/{customer_id}/{at_ms}"
    at = from_ms(at_ms)
    return {
        "_id": f"{tenant}|{entry_id}",
        "tenant_id": tenant,
        "id": entry_id,
        "customer_id": customer_id,
        "type": "intent_surge",
        "kind": KIND,
        "channel": "intent",
        "occurred_at": at,
        "occurred_ms": epoch_ms(at),
        "actor": "intent",
        "notes": reason[:500],
        "stage": "",
        "journey": "",
        "recorded_at": utcnow(),
    }


def surge_consumer(store: JourneyStore) -> Consumer:
    """The durable consumer that puts intent surges on timelines (module docstring)."""

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        entry = surge_entry(tenant, event)
        if entry is not None:
            await store.add_timeline_entry(entry)

    return Consumer(durable=SURGE_DURABLE, stream_kind="evt", filter_subject=SURGE_SUBJECT, handler=handle)
