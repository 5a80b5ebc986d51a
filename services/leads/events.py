"""Events the leads service publishes: `<root>.evt.<tenant>.leads.<event>` as CloudEvents.

Every event goes through the outbox (common/outbox.py): it is built here, stored inside the document
whose change it announces in the same write (see `CustomerStore.create`), and then published by
`publish` (the fast path) or, after a crash or while NATS is away, by the outbox relay. Nothing here
publishes "after the write" by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from common.outbox import Outbox, PendingEvent
from services.leads.convert import customer_to_event
from services.leads.store import CUSTOMERS

CUSTOMER_CREATED = "customer_created"
# The collections whose documents carry pending events, for ServiceDefinition(outbox_collections=...).
OUTBOX_COLLECTIONS = (CUSTOMERS,)


class LeadsEvents:
    """Builds the leads service's events and hands stored ones to the outbox's fast path."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def customer_created(self, tenant: str, customer: dict[str, Any]) -> PendingEvent:
        """The announcement of a new customer with its whole profile, so projections need no call back.

        Built before the insert and stored in the customer document itself.
        """
        return self._outbox.event(
            tenant=tenant,
            event=CUSTOMER_CREATED,
            data=customer_to_event(customer),
            subject_id=customer["_id"],
        )

    async def publish(self, customer_id: str, events: Sequence[PendingEvent]) -> None:
        """Publish events already stored in customer `customer_id` (never raises: the relay retries)."""
        await self._outbox.publish(CUSTOMERS, customer_id, events)
