"""Events the leads service publishes: `<root>.evt.<tenant>.leads.<event>` as CloudEvents.

Every event goes through the outbox (common/outbox.py): it is built here, stored inside the document
whose change it announces in the same write (see `CustomerStore.create`), and then published by
`publish` (the fast path) or, after a crash or while NATS is away, by the outbox relay. Nothing here
publishes "after the write" by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from common.ids import new_id
from common.outbox import Outbox, Pending, PendingEvent, PendingInsert
from services.leads.convert import customer_to_event
from services.leads.store import CUSTOMERS, HISTORY

CUSTOMER_CREATED = "customer_created"
CUSTOMER_UPDATED = "customer_updated"
CUSTOMERS_MERGED = "customers_merged"
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

    def customer_updated(
        self, tenant: str, customer: dict[str, Any], *, changed: list[str], actor: str
    ) -> PendingEvent:
        """The customer's whole profile after a change (the shape of `customer_created`, so projections
        consume both alike) plus which fields changed and who changed them."""
        data = {**customer_to_event(customer), "changed_fields": changed, "actor": actor}
        return self._outbox.event(
            tenant=tenant, event=CUSTOMER_UPDATED, data=data, subject_id=customer["_id"]
        )

    def customers_merged(self, tenant: str, *, survivor_id: str, merged_id: str, actor: str) -> PendingEvent:
        """A duplicate merged into its survivor: every service re-keys what it holds about `merged_id`."""
        return self._outbox.event(
            tenant=tenant,
            event=CUSTOMERS_MERGED,
            data={"survivor_id": survivor_id, "merged_id": merged_id, "actor": actor},
            subject_id=survivor_id,
        )

    def history(self, tenant: str, customer_id: str, entry: dict[str, Any]) -> PendingInsert:
        """A profile history entry to insert with the change it records (services/leads/updates.py)."""
        document = {"_id": new_id("ph"), "tenant_id": tenant, "customer_id": customer_id, **entry}
        return self._outbox.insert(HISTORY, document)

    async def publish(self, customer_id: str, events: Sequence[Pending]) -> None:
        """Publish events already stored in customer `customer_id` (never raises: the relay retries)."""
        await self._outbox.publish(CUSTOMERS, customer_id, events)
