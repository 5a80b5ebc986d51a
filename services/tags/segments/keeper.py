"""Keeps one process's segment index true: rebuild at start, own writes, other replicas' writes.

How a replica converges (docs/segment-index.md):
1. Before the rebuild it notes the last sequence of the event stream, S.
2. It rebuilds from MongoDB: every `tag_customers` document (customers still only in the earlier
   `tag_assignments` are migrated to one first), streamed in batches, numbering documents that have
   no number yet; then its usage marks from `tag_usage`. Readiness stays false until this is done.
3. It reads every `<root>.evt.*.tags.{assigned,removed}` from S + 1 on with its own ephemeral pull
   consumer (not a shared durable: every replica needs every change). Per pulled batch it re-reads
   the changed customers' documents with one `$in` query per tenant and applies each document whose
   `version` is newer than the one the index holds. Re-reading (rather than applying event data)
   makes the order of events and their repetition irrelevant: the index always moves to a stored state.
4. Its own writes are applied right after `write_customer` succeeds (`written`), with the version
   written, so the writer's replica sees its change at once and the event is then a no-op.
Usage marks are written to `tag_usage` every `flush_seconds` (coalesced, `$max`), not per change.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from common import bus
from common.ids import ulid
from services.tags.model import Assignment
from services.tags.segments.bulk import BulkLoad
from services.tags.segments.roaring_index import RoaringIndex
from services.tags.segments.store import SegmentStore
from services.tags.store import CustomerTags, TagStore, customer_doc_id

log = logging.getLogger(__name__)
CHANGE_EVENTS = ("assigned", "removed")
STOP_SECONDS = 5.0  # how long stop() waits for the index's tasks to end
MERGE_EVERY = 500_000  # assignments gathered before they are built into bitmaps (bounds the lists)


class IndexKeeper:
    """Owns the process's `RoaringIndex`; a background part of the tags service (start/stop/problems)."""

    def __init__(
        self,
        index: RoaringIndex,
        *,
        tags: TagStore,
        segments: SegmentStore,
        js: JetStreamContext,
        root: str,
        batch: int = 2000,
        flush_seconds: float = 2.0,
    ) -> None:
        self.index = index
        self._tags = tags
        self._segments = segments
        self._js = js
        self._root = root
        self._batch = batch
        self._flush_seconds = flush_seconds
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.ready = False
        self.rebuilt = asyncio.Event()  # set with `ready`
        self.rebuild_seconds = 0.0
        self.last_sequence = 0  # of the event stream, as far as this index has applied it
        self._consumer = ""
        self._sub: JetStreamContext.PullSubscription | None = None
        self._unsaved: list[tuple[str, str, int, int]] = []  # usage marks a failed flush keeps

    # ---- life ----

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._run(), name="segment-index"))

    async def stop(self) -> None:
        self._stopping = True  # a retry loop that saw its cancellation turned into an error ends too
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_SECONDS)
        self._tasks.clear()
        if self._sub is not None:
            # A pull subscription left open makes the connection's drain wait out its whole timeout.
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
        with contextlib.suppress(Exception):
            await self._save_marks()
        # The ephemeral consumer goes away by itself (`inactive_threshold`): a service may not delete
        # consumers (common/nats_auth.py), which keeps it from deleting other services' durables.

    def problems(self) -> list[str]:
        if not self.ready:
            return ["the segment index is rebuilding"]
        if any(t.done() for t in self._tasks[1:]):  # [0] is the start-up, done once rebuilt
            return ["the segment index stopped following tag changes"]
        return []

    async def _run(self) -> None:
        noted = False
        while True:
            try:
                if not noted:  # a retry keeps the first position: changes since then are re-read
                    info = await self._js.stream_info(bus.stream_name(self._root, "evt"))
                    self.last_sequence, noted = info.state.last_seq, True
                await self.rebuild()  # a retry skips what is already loaded (same versions)
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._stopping:
                    return
                log.exception("segment index: rebuild failed; retrying")
                await asyncio.sleep(2.0)
        self.ready = True
        self.rebuilt.set()
        self._tasks.append(asyncio.create_task(self._follow(), name="segment-index-follow"))
        self._tasks.append(asyncio.create_task(self._flush(), name="segment-index-usage"))

    # ---- rebuild ----

    async def rebuild(self) -> None:
        started = time.perf_counter()
        # `aclosing`: a rebuild cancelled mid-way closes the readers (and their cursors) at once.
        async with contextlib.aclosing(self._segments.legacy_customers(self._batch)) as legacy:
            async for customers in legacy:
                await self._migrate(customers)
        bulk = BulkLoad(now_ms=int(time.time() * 1000))
        async with contextlib.aclosing(self._segments.customer_documents(self._batch)) as documents:
            async for docs in documents:
                await self._load(docs, bulk)
        bulk.merge_into(self.index)
        async for tenant, tag, assigned, removed in self._segments.usage_marks():
            self.index.mark(tenant, tag, assigned_ms=assigned, removed_ms=removed)
        self.index.run_optimize()
        self.rebuild_seconds = time.perf_counter() - started
        log.info("segment index rebuilt in %.1f s", self.rebuild_seconds)

    async def _migrate(self, customers: list[tuple[str, str]]) -> None:
        """Give customers known only from `tag_assignments` their aggregate (the store's lazy migration)."""
        have = await self._segments.existing([customer_doc_id(t, c) for t, c in customers])
        by_tenant: dict[str, list[str]] = defaultdict(list)
        for tenant, customer in customers:
            if customer_doc_id(tenant, customer) not in have:
                by_tenant[tenant].append(customer)
        for tenant, ids in by_tenant.items():
            stored = await self._tags.customers(tenant, ids)
            first = await self._segments.take_numbers(tenant, len(ids))
            for offset, customer in enumerate(ids):
                read = stored[customer]
                if read.version == 0:  # lost a race with a writer: the document is there, read below
                    await self._tags.write_customer(
                        read, read.assignments, history=[], items=[], number=first + offset
                    )

    async def _load(self, docs: list[dict[str, Any]], bulk: BulkLoad) -> None:
        unnumbered: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for doc in docs:
            if doc.get("n") is None:
                unnumbered[str(doc["tenant_id"])].append(doc)
        for tenant, group in unnumbered.items():
            first = await self._segments.take_numbers(tenant, len(group))
            for offset, doc in enumerate(group):
                doc["n"] = await self._segments.give_number(str(doc["_id"]), first + offset)
        for doc in docs:
            if doc.get("n") is not None:
                bulk.add(
                    doc["tenant_id"],
                    int(doc["n"]),
                    doc["customer_id"],
                    int(doc.get("version", 0)),
                    doc.get("tags") or {},
                )
        if bulk.pending >= MERGE_EVERY:
            bulk.merge_into(self.index)

    # ---- own writes ----

    async def number_for(self, read: CustomerTags) -> int:
        """The customer's number: the stored one, or a fresh one stored with its next write."""
        if read.number is not None:
            return read.number
        return await self._segments.take_numbers(read.tenant, 1)

    def written(self, read: CustomerTags, final: Mapping[str, Assignment], number: int) -> None:
        """Apply a write that just landed (version `read.version + 1`) to this replica's index."""
        self.index.apply(
            read.tenant, number, read.customer_id, read.assignments, final, version=read.version + 1
        )

    # ---- other replicas' writes ----

    async def _follow(self) -> None:
        stream = bus.stream_name(self._root, "evt")
        while True:
            try:
                sub = await self._subscribe(stream)
                while not self._stopping:
                    try:
                        msgs = await bus.fetch_soon(sub, 512, wait=1.0)
                    except TimeoutError:
                        # nats-py may turn the cancellation of a waiting fetch into a timeout: without
                        # this check, stop() waited out its whole grace period on every shutdown.
                        continue
                    await self._apply_events(msgs)
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # the consumer vanished (server restart, inactivity): resume where we were
                if self._stopping:
                    return
                log.exception("segment index: following tag changes failed; resuming")
                await asyncio.sleep(1.0)

    async def _subscribe(self, stream: str) -> JetStreamContext.PullSubscription:
        self._consumer = f"tags-index-{ulid().lower()}"  # a fresh one each time: the old one expires
        await self._js.add_consumer(
            stream,
            ConsumerConfig(
                name=self._consumer,
                filter_subject=f"{self._root}.evt.*.tags.>",
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=self.last_sequence + 1,
                ack_policy=AckPolicy.NONE,
                inactive_threshold=60.0,
                mem_storage=True,
            ),
        )
        self._sub = await self._js.pull_subscribe_bind(consumer=self._consumer, stream=stream)
        return self._sub

    async def _apply_events(self, msgs: list[Msg]) -> None:
        changed: dict[str, set[str]] = defaultdict(set)
        prefix = f"{self._root}.evt."
        last = self.last_sequence
        for msg in msgs:
            last = max(last, msg.metadata.sequence.stream)
            parts = msg.subject[len(prefix) :].split(".")
            if len(parts) != 3 or parts[2] not in CHANGE_EVENTS:
                continue
            with contextlib.suppress(ValueError, KeyError, TypeError):
                customer = json.loads(msg.data)["data"]["customer_id"]
                changed[parts[0]].add(str(customer))
        for tenant, customers in changed.items():
            stored = await self._tags.customers(tenant, sorted(customers))
            for read in stored.values():
                if read.number is not None:
                    self.index.replace(
                        tenant, read.number, read.customer_id, read.assignments, version=read.version
                    )
        self.last_sequence = last

    async def _flush(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            try:
                await self._save_marks()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("segment index: storing usage marks failed; next time")

    async def _save_marks(self) -> None:
        self._unsaved.extend(self.index.take_changed_marks())
        if self._unsaved:
            await self._segments.raise_marks(self._unsaved)  # `$max`: a repeat after a failure is harmless
            self._unsaved = []
