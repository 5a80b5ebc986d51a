"""Events the leads service publishes: `<root>.evt.<tenant>.leads.<event>` as CloudEvents."""

from __future__ import annotations

from typing import Any

from common.bus import EventPublisher
from services.leads.convert import customer_to_event

CUSTOMER_CREATED = "customer_created"


class LeadsEvents:
    """Publishes the leads service's domain events; each call awaits the stream's ack."""

    def __init__(self, publisher: EventPublisher) -> None:
        self._publisher = publisher

    async def customer_created(self, tenant: str, customer: dict[str, Any]) -> dict[str, Any]:
        """Announce a new customer with its whole profile, so projections need no call back."""
        return await self._publisher.publish(
            tenant=tenant,
            event=CUSTOMER_CREATED,
            data=customer_to_event(customer),
            subject_id=customer["_id"],
        )
