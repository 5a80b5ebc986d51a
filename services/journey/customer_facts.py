"""The leads facts the funnel filters by, projected from leads' events (never read from its database).

Durable consumer `journey-customers` on `<root>.evt.*.leads.customer_created` (and, when leads
publishes them, `customer_updated` / `owner_changed` with the same `id`, `owner_id` and
`source_channel` fields): each sets `owner_id` and `source_channel` on the customer's progress
document, creating it if the customer has no touchpoint yet. Setting the same values again changes
nothing, so a redelivered event is harmless. An event with neither field is acknowledged and ignored.
Only the fields an event carries are set.
"""

from __future__ import annotations

from typing import Any

from common.bus import Consumer
from common.errors import InvalidArgument
from services.journey.store import JourneyStore

CUSTOMERS_DURABLE = "journey-customers"
CUSTOMER_EVENTS = "evt.*.leads.>"
PROJECTED = frozenset(
    {"crm.leads.customer_created.v1", "crm.leads.customer_updated.v1", "crm.leads.owner_changed.v1"}
)


def customer_facts_consumer(store: JourneyStore) -> Consumer:
    """The consumer that keeps `owner_id` / `source_channel` on progress documents current."""

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        if event.get("type") not in PROJECTED:
            return
        data = event.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise InvalidArgument("a leads customer event needs data.id", field="data.id")
        # Only the fields the event carries: an owner change must not blank the source channel.
        facts = {name: str(data[name] or "") for name in ("owner_id", "source_channel") if name in data}
        if facts:
            await store.project_customer(tenant, data["id"], facts=facts)

    return Consumer(
        durable=CUSTOMERS_DURABLE, stream_kind="evt", filter_subject=CUSTOMER_EVENTS, handler=handle
    )
