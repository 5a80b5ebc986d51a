"""The transactional outbox: events are written with the change they announce, and relayed to NATS.

A service never publishes "after the write" by hand. It builds its events with `Outbox.event(...)`
and stores them *inside the document whose change they announce*, in the same single-document write
(`pending_set(...)` for an update, `pending_document(...)` for an insert or a replace). MongoDB
writes one document atomically on a real replica set and on the local stand-in alike, so the state
change and the intent to publish are never separated: this outbox relies on single-document
atomicity, not on multi-document transactions (which the stand-in does not isolate).

The same mechanism carries documents that must exist once the change is made but live in another
collection of the service's database (e.g. append-only history entries): `Outbox.insert(...)` makes
a pending insert, stored and relayed like an event and applied idempotently (by `_id`), before the
events that follow it.

After the write succeeds the service calls `Outbox.publish(collection, doc_id, events)` (the fast
path: publish now, then mark the events sent). If the process dies before that, or NATS is down, the
events stay in the document and the relay (`Outbox.run`, one task per process, every replica) finds
documents whose events have waited longer than a grace period, claims each with a lease, publishes
and marks them. Every event is published with its CloudEvent id as `Nats-Msg-Id`, so a publish that
is repeated after a crash between "published" and "marked" is dropped by JetStream's duplicate
window (600 s on the events stream); consumers also remember the event ids they applied.

Stored form, chosen for what both MongoDB and the stand-in do right: pending events are a map keyed
by event id (`outbox.<id>`), set and unset with dotted paths — the stand-in mangles `$push`/`$pull`
of sub-documents — and each holds the encoded CloudEvent as a string, so what is published is exactly
what was written. `outbox_ms` (when the oldest pending event became due, indexed, sparse) is what the
relay queries; `outbox_rev` changes with every write that adds events, so clearing `outbox_ms` never
strands an event added concurrently.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import bson
from nats.js import JetStreamContext
from opentelemetry.trace import SpanKind
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from common import cloudevents
from common.ids import new_id
from common.mongo import IndexSpec
from common.telemetry import extract_context, inject_headers, tracer

log = logging.getLogger(__name__)

FIELD = "outbox"
DUE_MS = "outbox_ms"
REV = "outbox_rev"
# Pending events younger than this are left to the writer's own fast path.
GRACE_SECONDS = 2.0
# A relay that claimed a document and died releases it after this long.
LEASE_SECONDS = 30.0
RELAY_INTERVAL_SECONDS = 0.5
RELAY_BATCH = 200


@dataclass(frozen=True, kw_only=True)
class PendingEvent:
    """One event to publish, built before the write that stores it; `envelope` is the CloudEvent."""

    id: str
    subject: str
    envelope: dict[str, Any]
    order: int
    headers: dict[str, str] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "body": cloudevents.encode(self.envelope).decode(),
            "order": self.order,
            "headers": self.headers,
        }


@dataclass(frozen=True, kw_only=True)
class PendingInsert:
    """A document to insert into `collection` once the change that stores this item is made."""

    id: str
    collection: str
    document: dict[str, Any]
    order: int

    def stored(self) -> dict[str, Any]:
        # BSON keeps every type (datetimes above all) exactly; as base64 text rather than binary,
        # because the stand-in fails `replace_one` and wide `$set`s of documents holding binary.
        return {
            "kind": "insert",
            "collection": self.collection,
            "doc": base64.b64encode(bson.encode(self.document)).decode(),
            "order": self.order,
        }


Pending = PendingEvent | PendingInsert
_CODEC: bson.CodecOptions[dict[str, Any]] = bson.CodecOptions(tz_aware=True)


def _now_ms() -> int:
    return int(time.time() * 1000)


def pending_set(events: Sequence[Pending], *, rev: str | None = None) -> dict[str, Any]:
    """Fields to merge into the `$set` of an update that also stores `events` (empty when none).

    `rev`: the revision this write stamps (a fresh one when None); a writer that passes its own can
    later let `publish_many` clear the outbox in one guarded write (its `alone` argument)."""
    if not events:
        return {}
    fields: dict[str, Any] = {f"{FIELD}.{e.id}": e.stored() for e in events}
    fields[DUE_MS] = _now_ms()
    fields[REV] = rev or new_id("rev")
    return fields


def pending_document(events: Sequence[Pending], *, keep: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Fields of a document to insert or replace that stores `events`.

    `keep` is the document as read before a replace: its still-pending events are carried over,
    so a replace never drops an event another write has not published yet.
    """
    kept = dict((keep or {}).get(FIELD) or {})
    if not events and not kept:
        return {}
    return {
        FIELD: {**kept, **{e.id: e.stored() for e in events}},
        DUE_MS: _now_ms(),
        REV: new_id("rev"),
    }


def outbox_indexes(collections: Sequence[str]) -> list[IndexSpec]:
    """The sparse index the relay queries, one per collection that carries an outbox."""
    return [IndexSpec(c, [(DUE_MS, 1)], {"sparse": True}, cross_tenant=True) for c in collections]


class Outbox:
    """Builds a service's events and gets them onto NATS exactly once; see the module docstring."""

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        js: JetStreamContext,
        *,
        root: str,
        service: str,
        collections: Sequence[str],
        grace_seconds: float = GRACE_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._db = db
        self._js = js
        self._root = root
        self._service = service
        self.collections = tuple(collections)
        self._grace_ms = int(grace_seconds * 1000)
        self._lease_ms = int(lease_seconds * 1000)
        self._order = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def subject(self, tenant: str, event: str) -> str:
        return f"{self._root}.evt.{tenant}.{self._service}.{event}"

    def event(
        self,
        *,
        tenant: str,
        event: str,
        data: dict[str, Any],
        subject_id: str = "",
        event_id: str | None = None,
    ) -> PendingEvent:
        """A domain event `<root>.evt.<tenant>.<service>.<event>` to store with the change it announces.

        The current trace context is captured now, so a relay that publishes it later still joins
        the trace of the request that caused it.
        """
        envelope = cloudevents.make_event(
            type=cloudevents.domain_event_type(self._service, event),
            source=f"crm/{self._service}",
            tenant=tenant,
            data=data,
            subject=subject_id,
            event_id=event_id,
        )
        return PendingEvent(
            id=envelope["id"],
            subject=self.subject(tenant, event),
            envelope=envelope,
            order=self._next_order(),
            headers=inject_headers({}),
        )

    def insert(self, collection: str, document: dict[str, Any]) -> PendingInsert:
        """A pending insert of `document` (which must have its own `_id`) into `collection`."""
        if "_id" not in document:
            raise ValueError("a pending insert needs the document's _id, so applying it twice is harmless")
        return PendingInsert(
            id=new_id("ins"), collection=collection, document=document, order=self._next_order()
        )

    def _next_order(self) -> int:
        # Milliseconds then a counter: items of one write keep their order, later writes sort after.
        self._order += 1
        return _now_ms() * 1000 + self._order % 1000

    async def publish(self, collection: str, doc_id: Any, events: Sequence[Pending]) -> None:
        """The fast path, after the write that stored `events` succeeded: apply and publish them in
        order, then mark them done.

        Never raises: the change is already stored, so a failure here only delays the events until
        the relay publishes them (it is logged).
        """
        if not events:
            return
        try:
            for item in sorted(events, key=lambda e: e.order):
                await self._apply(item.id, item.stored())
            await self._mark_sent(collection, doc_id, [e.id for e in events])
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.warning(
                "publishing %d event(s) of %s/%s failed (%s); the outbox relay will retry",
                len(events),
                collection,
                doc_id,
                err,
            )

    async def publish_many(
        self,
        collection: str,
        items: Sequence[tuple[Any, Sequence[Pending]]],
        *,
        alone: Mapping[Any, str] | None = None,
    ) -> set[Any]:
        """`publish` for many documents written together (e.g. one bulk write per consumer batch), in a
        fixed number of round trips instead of three per document: every pending insert in one
        `insert_many`, the events of all documents concurrently (each document's in its order, after
        the inserts), then every document marked. Never raises, like `publish`; returns the ids of the
        documents whose items are all marked sent (empty when anything failed: the relay retries).

        `alone` maps a document id to the revision (`pending_set(rev=...)`) of the write that stored
        its items, for documents whose writer knows they held no other pending item before that write.
        Such a document is marked in ONE update guarded by that revision: if it still matches, no
        write added items since (every write that adds items stamps a new revision), so everything
        pending is what was just published and the whole outbox is cleared. Documents where the guard
        matched nothing (another writer added items) take the general path: unset each published item,
        then clear the due time of those left empty (two updates and a read).
        """
        items = [(doc_id, events) for doc_id, events in items if events]
        if not items:
            return set()
        try:
            inserts: dict[str, list[dict[str, Any]]] = {}
            for _, events in items:
                for item in events:
                    if isinstance(item, PendingInsert):
                        inserts.setdefault(item.collection, []).append(item.document)
            for target, documents in inserts.items():
                try:
                    await self._db[target].insert_many(documents, ordered=False)
                except BulkWriteError as err:  # duplicates were applied before a crash; others are real
                    if any(e.get("code") != 11000 for e in err.details.get("writeErrors", [])):
                        raise

            async def send(events: Sequence[Pending]) -> None:
                for item in sorted(events, key=lambda e: e.order):
                    if isinstance(item, PendingEvent):
                        await self._send(item.id, item.stored())

            await asyncio.gather(*(send(events) for _, events in items))
            coll = self._db[collection]
            alone = alone or {}
            sole = [(doc_id, alone[doc_id]) for doc_id, _ in items if doc_id in alone]
            rest = [(doc_id, events) for doc_id, events in items if doc_id not in alone]
            if sole:
                result = await coll.bulk_write(
                    [
                        UpdateOne({"_id": doc_id, REV: rev}, {"$unset": {FIELD: "", DUE_MS: "", REV: ""}})
                        for doc_id, rev in sole
                    ],
                    ordered=False,
                )
                if result.matched_count < len(sole):
                    # Which guard missed is not reported per operation; the general path is idempotent.
                    rest = list(items)
            if rest:
                await self._mark_many(coll, rest)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.warning(
                "publishing the events of %d documents of %s failed (%s); the outbox relay will retry",
                len(items),
                collection,
                err,
            )
            return set()
        return {doc_id for doc_id, _ in items}

    @staticmethod
    async def _mark_many(coll: Any, items: Sequence[tuple[Any, Sequence[Pending]]]) -> None:
        """Unset each document's published items, then clear the due time of those left empty."""
        await coll.bulk_write(
            [
                UpdateOne({"_id": doc_id}, {"$unset": {f"{FIELD}.{e.id}": "" for e in events}})
                for doc_id, events in items
            ],
            ordered=False,
        )
        emptied = [
            UpdateOne({"_id": doc["_id"], REV: doc.get(REV)}, {"$unset": {FIELD: "", DUE_MS: "", REV: ""}})
            async for doc in coll.find({"_id": {"$in": [doc_id for doc_id, _ in items]}}, {FIELD: 1, REV: 1})
            if not doc.get(FIELD)
        ]
        if emptied:
            await coll.bulk_write(emptied, ordered=False)

    async def publish_all(self, collection: str, doc_id: Any) -> None:
        """The fast path for a document whose events must reach the stream in the order they were
        written (an aggregate updated under a version guard, e.g. journey progress): apply and publish
        every item pending in the document, other writers' included, in order, then mark them done.

        Writers that do this concurrently publish overlapping ordered snapshots. An item is in a
        snapshot only if every earlier item is in it too or was already published (items are removed
        only after publishing), and JetStream keeps the first copy of each id, so the stream keeps the
        written order. Never raises, like `publish`.
        """
        try:
            doc = await self._db[collection].find_one({"_id": doc_id}, {FIELD: 1})
            pending: dict[str, Any] = dict((doc or {}).get(FIELD) or {})
            if not pending:
                return
            ordered = sorted(pending.items(), key=lambda item: int(item[1].get("order", 0)))
            for item_id, stored in ordered:
                await self._apply(item_id, stored)
            await self._mark_sent(collection, doc_id, [item_id for item_id, _ in ordered])
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.warning(
                "publishing the pending items of %s/%s failed (%s); the relay will retry",
                collection,
                doc_id,
                err,
            )

    async def relay_once(self) -> int:
        """Publish every event that has waited longer than the grace period; returns how many."""
        sent = 0
        for collection in self.collections:
            due = _now_ms() - self._grace_ms
            cursor = (
                self._db[collection]
                .find({DUE_MS: {"$lte": due}}, {FIELD: 1, DUE_MS: 1, REV: 1})
                .limit(RELAY_BATCH)
            )
            for doc in [d async for d in cursor]:
                sent += await self._relay_document(collection, doc)
        return sent

    async def _relay_document(self, collection: str, doc: dict[str, Any]) -> int:
        # Claim with a lease, guarded by what we read, so two replicas do not publish the same batch.
        claimed = await self._db[collection].find_one_and_update(
            {"_id": doc["_id"], DUE_MS: doc[DUE_MS], REV: doc.get(REV)},
            {"$set": {DUE_MS: _now_ms() + self._lease_ms}},
            projection={FIELD: 1, REV: 1},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            return 0
        pending: dict[str, Any] = dict(claimed.get(FIELD) or {})
        ordered = sorted(pending.items(), key=lambda item: int(item[1].get("order", 0)))
        for item_id, stored in ordered:
            await self._apply(item_id, stored)
        await self._mark_sent(collection, claimed["_id"], [event_id for event_id, _ in ordered])
        if ordered:
            log.info("outbox relay completed %d item(s) of %s/%s", len(ordered), collection, doc["_id"])
        return len(ordered)

    async def _apply(self, item_id: str, stored: Mapping[str, Any]) -> None:
        if stored.get("kind") == "insert":
            raw = stored["doc"]
            # Text since the stand-in's binary bugs were found; bytes from documents written before.
            encoded = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)
            document = bson.decode(encoded, codec_options=_CODEC)
            with contextlib.suppress(DuplicateKeyError):  # applied before a crash: nothing to do
                await self._db[str(stored["collection"])].insert_one(document)
            return
        await self._send(item_id, stored)

    async def _send(self, event_id: str, stored: Mapping[str, Any]) -> None:
        subject = str(stored["subject"])
        parent = extract_context(stored.get("headers") or {})
        with tracer().start_as_current_span(
            f"publish {subject}", context=parent, kind=SpanKind.PRODUCER
        ) as span:
            span.set_attribute("messaging.system", "nats")
            span.set_attribute("messaging.destination.name", subject)
            headers = inject_headers(
                {"Nats-Msg-Id": event_id, "Content-Type": "application/cloudevents+json"}
            )
            await self._js.publish(subject, str(stored["body"]).encode(), headers=headers)

    async def _mark_sent(self, collection: str, doc_id: Any, event_ids: Sequence[str]) -> None:
        """Remove the published events; clear the due time only if nothing else is pending."""
        coll = self._db[collection]
        after = await coll.find_one_and_update(
            {"_id": doc_id},
            {"$unset": {f"{FIELD}.{i}": "" for i in event_ids}},
            projection={FIELD: 1, REV: 1},
            return_document=ReturnDocument.AFTER,
        )
        if after is not None and not after.get(FIELD):
            # Guarded by the revision: a write that added events since then keeps its due time.
            await coll.update_one(
                {"_id": doc_id, REV: after.get(REV)}, {"$unset": {FIELD: "", DUE_MS: "", REV: ""}}
            )

    def start(self, *, interval: float = RELAY_INTERVAL_SECONDS) -> None:
        """Run the relay in the background until `stop()`."""
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(interval), name=f"outbox-relay:{self._service}")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, interval: float) -> None:
        while not self._stopping.is_set():
            try:
                await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # NATS or MongoDB away: keep trying, the events are safe
                log.warning("outbox relay pass failed: %s", err)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=interval)
