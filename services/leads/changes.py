"""Changing existing profiles: partial updates, status moves by people and by events.

Each change is one guarded single-document write of the customer (store.write_guarded) carrying
the new fields, a history entry (who, when, old → new per field) and `customer_updated` with the
whole profile, retried from a fresh read when another write came first. New identity keys are
claimed before the write and released again if it fails; keys the profile no longer has are freed
after it (a crash in between leaves a key pointing at its old customer, which only blocks reuse of
that contact until someone frees it — never two customers with one key).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from common.errors import Contended, FailedPrecondition, NotFound
from common.mongo import epoch_ms
from common.outbox import Pending
from common.timeutil import utcnow
from services.leads.events import LeadsEvents
from services.leads.status import check_person_move, event_status, reached
from services.leads.store import CustomerStore
from services.leads.updates import FieldChange, apply_update, history_entry

MAX_ATTEMPTS = 20
Document = dict[str, Any]
# A planned change from a fresh read: ($set fields, changes for the history, reason), or None.
Plan = Callable[[Document], tuple[Document, list[FieldChange], str] | None]


def _stamp() -> Any:
    now = utcnow()
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


class ProfileChanges:
    """The use cases that change a stored customer; every one is scoped by tenant."""

    def __init__(self, store: CustomerStore, events: LeadsEvents) -> None:
        self._store = store
        self._events = events

    async def require(self, tenant: str, customer_id: str, *, field: str = "id") -> Document:
        doc = await self._store.get(tenant, customer_id)
        if doc is None:
            raise NotFound(f"customer {customer_id} does not exist", metadata={"customer_id": customer_id})
        if doc.get("merged_into"):
            raise FailedPrecondition(
                f"customer {customer_id} was merged into {doc['merged_into']}; change that customer",
                field=field,
                metadata={"merged_into": doc["merged_into"]},
            )
        return doc

    async def update(
        self, tenant: str, customer_id: str, raw: Mapping[str, str], paths: Sequence[str], *, actor: str
    ) -> Document:
        """Set the fields named in `paths` (a field mask); the others keep their values."""
        doc = await self.require(tenant, customer_id)
        planned = apply_update(doc, raw, paths)  # validates everything before any write
        if not planned.changes:
            return doc
        claimed = await self._store.claim_keys(tenant, customer_id, planned.added_keys)
        try:

            def plan(read: Document) -> tuple[Document, list[FieldChange], str] | None:
                again = apply_update(read, raw, paths)
                if not again.changes:
                    return None
                return {c.field: c.new for c in again.changes}, again.changes, ""

            written = await self.change(tenant, customer_id, plan, actor=actor)
        except BaseException:
            await self._store.release_keys(
                tenant, customer_id, [k for k in planned.added_keys if k.storage_id(tenant) in claimed]
            )
            raise
        await self._store.release_keys(tenant, customer_id, planned.removed_keys)
        return written

    async def set_status(
        self, tenant: str, customer_id: str, status: str, *, actor: str, reason: str = ""
    ) -> Document:
        """A person's status move; a move the lifecycle forbids is INVALID_ARGUMENT and changes nothing."""
        doc = await self.require(tenant, customer_id)
        check_person_move(str(doc.get("status") or "new"), status)

        def plan(read: Document) -> tuple[Document, list[FieldChange], str] | None:
            current = str(read.get("status") or "new")
            if current == status:
                return None
            check_person_move(current, status)
            return _status_fields(read, status), [FieldChange("status", current, status)], reason

        return await self.change(tenant, customer_id, plan, actor=actor)

    async def apply_event(
        self, tenant: str, customer_id: str, *, event_type: str, touchpoint_type: str = "", actor: str
    ) -> None:
        """Move the status an event implies (a signed deal → won, a first contact → contacted)."""
        doc = await self._store.get(tenant, customer_id)
        while doc is not None and doc.get("merged_into"):  # facts about a duplicate belong to its survivor
            doc = await self._store.get(tenant, str(doc["merged_into"]))
        if doc is None:
            return

        def plan(read: Document) -> tuple[Document, list[FieldChange], str] | None:
            current = str(read.get("status") or "new")
            wanted = event_status(current, event_type=event_type, touchpoint_type=touchpoint_type)
            if wanted is None:
                return None
            return _status_fields(read, wanted), [FieldChange("status", current, wanted)], event_type

        await self.change(tenant, doc["_id"], plan, actor=actor)

    async def change(self, tenant: str, customer_id: str, plan: Plan, *, actor: str) -> Document:
        """Apply `plan` to fresh reads until one guarded write lands; publish its event."""
        for attempt in range(MAX_ATTEMPTS):
            read = await self._store.get(tenant, customer_id)
            if read is None:
                raise NotFound(
                    f"customer {customer_id} does not exist", metadata={"customer_id": customer_id}
                )
            planned = plan(read)
            if planned is None:
                return read
            fields, changes, reason = planned
            stamp = _stamp()
            after = {**read, **fields, "updated_at": stamp}
            entry = history_entry(changes, actor=actor, at_ms=epoch_ms(stamp), reason=reason)
            event = self._events.customer_updated(
                tenant, after, changed=[c.field for c in changes], actor=actor
            )
            items: list[Pending] = [self._events.history(tenant, customer_id, entry), event]
            if await self._store.write_guarded(read, {**fields, "updated_at": stamp}, items=items):
                await self._events.publish(customer_id, items)
                return {**after, "version": int(read.get("version", 0)) + 1}
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"customer {customer_id} kept changing; try again", field="id")


def _status_fields(read: Document, status: str) -> Document:
    """The $set of a status move: the status, and the funnel stages reached (kept after a loss)."""
    stages = sorted(set(read.get("reached") or ["new"]) | reached(status))
    return {"status": status, "reached": stages}
