"""The profile's owner follows the pool: claim/assignment → the rep, release/auto-release → nobody.

The pool lead (`pool_leads`) and the profile (`customers`) are two documents and the stand-in has no
transactions, so the pool lead is the truth and the profile *converges* to it:

- every change of a pool lead bumps its `seq` (PoolStore.change); a claim or release stores in the
  lead who did it and why (`owner_actor`, `owner_reason`) next to the new `owner_id`;
- `sync` reads the lead and, if its `seq` is later than the profile's `owner_seq`, writes the lead's
  owner onto the profile: one version-guarded write carrying the history entry (actor, reason) and ONE
  `customer_updated` (changed_fields ["owner_id"]) through the outbox. If the owner is already right
  it only records the `seq` (silently), so a stale sync that read an older state can never undo a
  newer one;
- `sync` runs right after the claim/release (the fast path, Claims.owner_changed) AND from the pool's
  own `claimed` / `released` events (durables below). Those events are stored with the lead's change,
  so a crash between the two writes is repaired when the outbox relay publishes them; a redelivery
  or a second sync finds the profile at that `seq` and writes nothing.

A release clears the owner rather than leaving the last rep: a released lead is back in the pool and
nobody's — intent's call list for that rep and the per-owner funnel / stale-deal views must drop it.
Who held it before stays in the pool's owner history (previousOwners) and the profile's history.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from common.bus import Consumer
from common.errors import Contended
from common.ids import require_customer_id
from common.mongo import epoch_ms
from common.outbox import Pending
from services.leads.changes import MAX_ATTEMPTS, ProfileChanges, _stamp
from services.leads.events import LeadsEvents
from services.leads.pool.claims import POOL_ACTOR
from services.leads.pool.store import PoolStore
from services.leads.store import CustomerStore
from services.leads.updates import FieldChange, history_entry

CLAIMED_DURABLE = "leads-pool-owner-claimed"
RELEASED_DURABLE = "leads-pool-owner-released"

Document = dict[str, Any]


def owner_plan(profile: Document, lead: Document) -> tuple[Document, FieldChange | None] | None:
    """What the profile needs to show the lead's owner: ($set, the change or None for a silent catch-up).

    None when the profile already reflects this state of the lead or a later one (pure).
    """
    seq = int(lead.get("seq") or 0)
    if "owner_seq" in profile and int(profile["owner_seq"]) >= seq:
        return None
    current, wanted = str(profile.get("owner_id") or ""), str(lead.get("owner_id") or "")
    if current == wanted:
        return {"owner_seq": seq}, None
    return {"owner_id": wanted, "owner_seq": seq}, FieldChange("owner_id", current, wanted)


class OwnerSync:
    def __init__(
        self, pool: PoolStore, customers: CustomerStore, events: LeadsEvents, changes: ProfileChanges
    ) -> None:
        self._pool = pool
        self._customers = customers
        self._events = events
        self._changes = changes

    async def followed_up(self, tenant: str, customer_id: str, rep: str) -> None:
        """A follow-up is the first contact of a `new` lead: new → contacted (services/leads/status.py
        allows it as a person's move); any later status stays as it is. A claim alone moves nothing."""

        def plan(read: Document) -> tuple[Document, list[FieldChange], str] | None:
            current = str(read.get("status") or "new")
            if current != "new" or read.get("merged_into"):
                return None
            fields = {
                "status": "contacted",
                "reached": sorted(set(read.get("reached") or ["new"]) | {"contacted"}),
            }
            return fields, [FieldChange("status", "new", "contacted")], "first follow-up"

        await self._changes.change(tenant, customer_id, plan, actor=rep)

    async def sync_owner(self, tenant: str, customer_id: str) -> None:
        await self.sync(tenant, customer_id)

    async def sync(self, tenant: str, customer_id: str) -> Document | None:
        """Bring the profile's owner to its pool lead's; returns the profile as written (None: no write)."""
        for attempt in range(MAX_ATTEMPTS):
            lead = await self._pool.lead(tenant, customer_id)
            profile = await self._customers.get(tenant, customer_id)
            if lead is None or profile is None or profile.get("merged_into"):
                return None
            planned = owner_plan(profile, lead)
            if planned is None:
                return None
            fields, change = planned
            items: list[Pending] = []
            after = profile
            if change is not None:
                stamp = _stamp()
                fields = {**fields, "updated_at": stamp}
                after = {**profile, **fields}
                actor = str(lead.get("owner_actor") or POOL_ACTOR)
                entry = history_entry(
                    [change], actor=actor, at_ms=epoch_ms(stamp), reason=str(lead.get("owner_reason") or "")
                )
                items = [
                    self._events.history(tenant, customer_id, entry),
                    self._events.customer_updated(tenant, after, changed=["owner_id"], actor=actor),
                ]
            if await self._customers.write_guarded(profile, fields, items=items):
                if items:
                    await self._events.publish(customer_id, items)
                return after
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"customer {customer_id} kept changing; its owner follows on redelivery")


def owner_consumers(sync: OwnerSync) -> list[Consumer]:
    """The repair path: the pool's `claimed` and `released` events make the profile converge."""

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        customer_id = require_customer_id(str(data.get("customer_id", "")), field="data.customer_id")
        await sync.sync(tenant, customer_id)

    return [
        Consumer(
            durable=CLAIMED_DURABLE, stream_kind="evt", filter_subject="evt.*.leads.claimed", handler=handle
        ),
        Consumer(
            durable=RELEASED_DURABLE, stream_kind="evt", filter_subject="evt.*.leads.released", handler=handle
        ),
    ]
