"""Promised call-backs: due items for the lead's owner, and the missed call-back recovery list.

A call-back is promised by a rep (`PromiseCallback`) or heard in a conversation (the tags service's
`callback_promised`, one call-back per conversation, moved when re-extraction changes its time). It is
one document in `callbacks` whose state moves pending → due → missed, and → done by a follow-up of the
lead after it fell due. Each step is a timer of the common scheduler inserted with the change
(`leads.callback_due` at the promised time, `leads.callback_missed` a grace period later); the `due`
and `missed` steps publish `callback_due` / `callback_missed` in the same write.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.ids import new_id
from common.mongo import IndexSpec
from common.outbox import Outbox, pending_document, pending_set
from common.scheduler import TIMERS, Timer, timer_document
from common.timeutil import from_ms
from services.leads.pool import events
from services.leads.pool.store import POOL_LEADS, Position, keyset_after, lead_key

CALLBACKS = "callbacks"
CALLBACK_DUE, CALLBACK_MISSED = "leads.callback_due", "leads.callback_missed"
PENDING, DUE, MISSED, DONE = "pending", "due", "missed", "done"
DEFAULT_GRACE_MS = 24 * 3_600_000

INDEXES = [
    IndexSpec(CALLBACKS, [("tenant_id", 1), ("state", 1), ("due_ms", 1)]),
    IndexSpec(CALLBACKS, [("tenant_id", 1), ("customer_id", 1)]),
]

Document = dict[str, Any]


class CallbackStore:
    """Call-backs of every tenant and their state machine; every method is scoped by tenant."""

    def __init__(self, db: AsyncDatabase[Document], outbox: Outbox) -> None:
        self.callbacks = db[CALLBACKS]
        self.leads = db[POOL_LEADS]
        self.outbox = outbox

    async def promise(
        self,
        tenant: str,
        customer_id: str,
        *,
        owner: str,
        promised_by: str,
        due_ms: int,
        grace_ms: int,
        text: str,
        quote: str = "",
        conversation_id: str = "",
        now_ms: int,
    ) -> Document:
        """Store a call-back (a conversation's again: its time moves) with its due timer, in one write."""
        callback_id = f"{tenant}|conv|{conversation_id}" if conversation_id else new_id("cb")
        doc = {
            "_id": callback_id,
            "tenant_id": tenant,
            "customer_id": customer_id,
            "owner_id": owner,
            "promised_by": promised_by,
            "due_ms": due_ms,
            "grace_ms": grace_ms,
            "text": text,
            "quote": quote,
            "conversation_id": conversation_id,
            "source": "conversation" if conversation_id else "rep",
            "state": PENDING,
            "created_ms": now_ms,
        }
        timer = Timer(tenant=tenant, kind=CALLBACK_DUE, key=f"{callback_id}|{due_ms}", due_at=from_ms(due_ms))
        items = [self.outbox.insert(TIMERS, timer_document(timer))]
        try:
            await self.callbacks.insert_one({**doc, **pending_document(items)})
        except DuplicateKeyError:
            # The same conversation again (re-extraction, redelivery): move a still pending promise.
            moved = {k: doc[k] for k in ("due_ms", "text", "quote", "owner_id")}
            result = await self.callbacks.update_one(
                {"_id": callback_id, "tenant_id": tenant, "state": PENDING, "due_ms": {"$ne": due_ms}},
                {"$set": {**moved, **pending_set(items)}},
            )
            if result.modified_count == 0:
                return await self.callbacks.find_one({"_id": callback_id}) or doc
        await self.outbox.publish(CALLBACKS, callback_id, items)
        return doc

    async def fire_due(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """`leads.callback_due`: pending → due with `callback_due`, and the missed timer; idempotent."""
        callback_id, _, due = key.rpartition("|")
        doc = await self.callbacks.find_one({"_id": callback_id, "tenant_id": tenant})
        if doc is None or doc["state"] != PENDING or str(doc["due_ms"]) != due:
            return  # moved (a newer timer stands for it), followed up, or already due
        # Due to whoever holds the lead now: it may have changed hands since the promise.
        lead = await self.leads.find_one({"_id": lead_key(tenant, doc["customer_id"])}, {"owner_id": 1})
        if lead and lead.get("owner_id") and lead["owner_id"] != doc["owner_id"]:
            doc = {**doc, "owner_id": lead["owner_id"]}
        missed_at = int(doc["due_ms"]) + int(doc.get("grace_ms", DEFAULT_GRACE_MS))
        timer = Timer(tenant=tenant, kind=CALLBACK_MISSED, key=callback_id, due_at=from_ms(missed_at))
        items = [
            events.callback_event(self.outbox, doc, event=events.CALLBACK_DUE),
            self.outbox.insert(TIMERS, timer_document(timer)),
        ]
        await self._step(doc, DUE, items, owner=doc["owner_id"])

    async def fire_missed(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """`leads.callback_missed`: due and still not followed up → missed, listed for recovery."""
        doc = await self.callbacks.find_one({"_id": key, "tenant_id": tenant})
        if doc is None or doc["state"] != DUE:
            return
        await self._step(doc, MISSED, [events.callback_event(self.outbox, doc, event=events.CALLBACK_MISSED)])

    async def _step(self, doc: Document, state: str, items: list[Any], *, owner: str | None = None) -> None:
        fields = {"state": state, f"{state}_ms": _now_ms(), **({"owner_id": owner} if owner else {})}
        result = await self.callbacks.update_one(
            {"_id": doc["_id"], "state": doc["state"], "due_ms": doc["due_ms"]},
            {"$set": {**fields, **pending_set(items)}},
        )
        if result.modified_count:
            await self.outbox.publish(CALLBACKS, doc["_id"], items)

    async def close(self, tenant: str, customer_id: str, *, by: str, now_ms: int) -> int:
        """A follow-up of the lead closes its due and missed call-backs (not ones still ahead)."""
        result = await self.callbacks.update_many(
            {"tenant_id": tenant, "customer_id": customer_id, "state": {"$in": [DUE, MISSED]}},
            {"$set": {"state": DONE, "done_ms": now_ms, "done_by": by}},
        )
        return int(result.modified_count)

    async def missed(
        self, tenant: str, owners: list[str] | None, *, after: Position | None, limit: int
    ) -> list[Document]:
        """Missed call-backs, oldest promise first, after `after` (due_ms, _id): keyset pages, so one
        followed up between two pages shifts nothing; of `owners` only, or everyone's when None."""
        query: Document = {"tenant_id": tenant, "state": MISSED}
        if owners is not None:
            query["owner_id"] = {"$in": owners}
        if after is not None:
            query = keyset_after(query, field="due_ms", position=after, ascending=True)
        cursor = self.callbacks.find(query).sort([("due_ms", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return [d async for d in cursor]


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
