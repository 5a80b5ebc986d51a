"""Merging a duplicate customer into its survivor.

One survivor keeps its id. The duplicate's identity keys (email, phone, WeChat id) move to it, so
identity resolution answers with the survivor from then on; profile fields the survivor lacks are
filled from the duplicate; the duplicate's history is copied into the survivor's (each entry marked
`merged_from`) and kept on the duplicate, which stays readable with `merged_into`. The survivor's
write carries `customers_merged` {survivor_id, merged_id} (other services re-key what they hold)
and `customer_updated`.

Three single-document steps, each idempotent, so a retry after a crash completes a half-done merge:
1. mark the duplicate `merged_into` (guarded: not merged elsewhere); 2. move its keys; 3. fold it
into the survivor (guarded by version; skipped when the survivor already lists it in `merged_ids`).
Then the pool's side moves (`after`: services/leads/pool/merge.py — lead, claim history, follow-ups,
call-backs), also on a retry that finds the fold done; it is idempotent, and leads' own consumer of
`customers_merged` runs it too, so a crash before it is completed without a retry.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from common.errors import Contended, FailedPrecondition, InvalidArgument, NotFound
from common.mongo import epoch_ms
from common.outbox import Pending
from services.leads.changes import MAX_ATTEMPTS, ProfileChanges, _stamp
from services.leads.events import LeadsEvents
from services.leads.status import FUNNEL
from services.leads.store import CustomerStore
from services.leads.updates import UPDATABLE, FieldChange, history_entry

Document = dict[str, Any]
# (tenant, survivor_id, duplicate_id): what else moves with a merge (the pool's side).
MergeHook = Callable[[str, str, str], Awaitable[None]]
log = logging.getLogger(__name__)


def fill_from(survivor: Document, duplicate: Document) -> list[FieldChange]:
    """The survivor's empty profile fields the duplicate can fill (its non-empty values win nothing)."""
    return [
        FieldChange(name, "", str(duplicate.get(name) or ""))
        for name in UPDATABLE
        if not survivor.get(name) and duplicate.get(name)
    ]


def merged_status(survivor: Document, duplicate: Document) -> str:
    """The further of the two statuses along the funnel (a won duplicate makes the survivor won)."""
    a, b = str(survivor.get("status") or "new"), str(duplicate.get("status") or "new")
    rank = {s: i for i, s in enumerate(FUNNEL)}
    return b if rank.get(b, -1) > rank.get(a, -1) else a


class CustomerMerges:
    def __init__(
        self,
        store: CustomerStore,
        events: LeadsEvents,
        changes: ProfileChanges,
        *,
        after: MergeHook | None = None,
    ) -> None:
        self._store = store
        self._events = events
        self._changes = changes
        self._after = after

    async def _then(self, tenant: str, survivor_id: str, duplicate_id: str) -> None:
        if self._after is None:
            return
        try:
            await self._after(tenant, survivor_id, duplicate_id)
        except Exception:  # the customers_merged consumer completes it
            log.warning("pool side of merging %s not moved yet", duplicate_id, exc_info=True)

    async def merge(self, tenant: str, survivor_id: str, duplicate_id: str, *, actor: str) -> Document:
        """Merge `duplicate_id` into `survivor_id`; returns the survivor as stored after the merge."""
        if survivor_id == duplicate_id:
            raise InvalidArgument("a customer cannot be merged into itself", field="duplicate_id")
        survivor = await self._changes.require(tenant, survivor_id, field="survivor_id")
        duplicate = await self._store.get(tenant, duplicate_id)
        if duplicate is None:
            raise NotFound(f"customer {duplicate_id} does not exist", metadata={"customer_id": duplicate_id})
        if duplicate_id in (survivor.get("merged_ids") or []):
            await self._then(tenant, survivor_id, duplicate_id)
            return survivor  # done already: a retry answers the same
        elsewhere = duplicate.get("merged_into")
        if elsewhere and elsewhere != survivor_id:
            raise FailedPrecondition(
                f"customer {duplicate_id} was already merged into {elsewhere}",
                field="duplicate_id",
                metadata={"merged_into": str(elsewhere)},
            )
        if not elsewhere:
            await self._mark_duplicate(tenant, duplicate, survivor_id, actor=actor)
        await self._store.move_keys(tenant, from_id=duplicate_id, to_id=survivor_id)
        folded = await self._fold(tenant, survivor_id, duplicate_id, actor=actor)
        await self._then(tenant, survivor_id, duplicate_id)
        return folded

    async def _mark_duplicate(
        self, tenant: str, duplicate: Document, survivor_id: str, *, actor: str
    ) -> None:
        for attempt in range(MAX_ATTEMPTS):
            if duplicate.get("merged_into"):
                if duplicate["merged_into"] != survivor_id:
                    raise FailedPrecondition(
                        f"customer {duplicate['_id']} was just merged into {duplicate['merged_into']}",
                        field="duplicate_id",
                    )
                return
            stamp = _stamp()
            entry = history_entry(
                [FieldChange("merged_into", "", survivor_id)], actor=actor, at_ms=epoch_ms(stamp)
            )
            update = {"merged_into": survivor_id, "updated_at": stamp}
            items = [self._events.history(tenant, duplicate["_id"], entry)]
            if await self._store.write_guarded(duplicate, update, items=items):
                await self._events.publish(duplicate["_id"], items)
                return
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
            fresh = await self._store.get(tenant, duplicate["_id"])
            assert fresh is not None
            duplicate = fresh
        raise Contended(f"customer {duplicate['_id']} kept changing; try again", field="duplicate_id")

    async def _fold(self, tenant: str, survivor_id: str, duplicate_id: str, *, actor: str) -> Document:
        for attempt in range(MAX_ATTEMPTS):
            read = await self._store.get(tenant, survivor_id)
            duplicate = await self._store.get(tenant, duplicate_id)
            assert read is not None and duplicate is not None
            if duplicate_id in (read.get("merged_ids") or []):
                return read
            changes = fill_from(read, duplicate)
            status = merged_status(read, duplicate)
            fields: Document = {c.field: c.new for c in changes}
            if status != read.get("status"):
                changes.append(FieldChange("status", str(read.get("status") or ""), status))
                fields["status"] = status
            stamp = _stamp()
            fields.update(
                merged_ids=[*(read.get("merged_ids") or []), duplicate_id],
                reached=sorted(set(read.get("reached") or ["new"]) | set(duplicate.get("reached") or [])),
                updated_at=stamp,
            )
            earlier = await self._store.history_of(tenant, duplicate_id)
            copied = [
                {**h, "merged_from": duplicate_id}
                for h in reversed(earlier)
                if not h.get("merged_from") and not _is_merge_mark(h)
            ]
            entry = history_entry(changes, actor=actor, at_ms=epoch_ms(stamp), merged_from=duplicate_id)
            after = {**read, **fields}
            items: list[Pending] = [
                *(self._events.history(tenant, survivor_id, _entry_fields(h)) for h in [*copied, entry]),
                self._events.customers_merged(
                    tenant, survivor_id=survivor_id, merged_id=duplicate_id, actor=actor
                ),
                self._events.customer_updated(tenant, after, changed=[c.field for c in changes], actor=actor),
            ]
            if await self._store.write_guarded(read, fields, items=items):
                await self._events.publish(survivor_id, items)
                return {**after, "version": int(read.get("version", 0)) + 1}
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"customer {survivor_id} kept changing; try again", field="survivor_id")


def _is_merge_mark(entry: Document) -> bool:
    return any(c.get("field") == "merged_into" for c in entry.get("changes") or [])


def _entry_fields(entry: Document) -> Document:
    """A history entry without its stored identity (a copy gets its own id and customer)."""
    return {k: v for k, v in entry.items() if k not in ("_id", "tenant_id", "customer_id")}
