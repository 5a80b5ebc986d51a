"""Running a merge of tag A into tag B: resumable, idempotent per customer, safe with several replicas.

1. `start` validates (`merge.check_merge`), stores the merge record (`tag_merges`, one per source),
   archives A with `merged_into: B` (so nothing new is assigned to A while its values move), and
   schedules the `tags.merge` timer (`runtime.scheduler`) before doing a first batch inline.
2. Each `step` (the timer's handler, and the inline first batch) takes the next customers that still
   hold A (a query on `tag_customers`) and moves each through the customer's versioned write, with
   the history entries, the `removed`/`assigned` events and the customer's outcome (`tag_merge_moves`)
   in the same write (`common/outbox.py`). A customer already moved holds no A any more, so a re-run
   after a crash, or two replicas at once, never moves anyone twice.
3. When no customer holds A, every move has landed (a move is guarded by the version that still held
   A). The items a dead writer left pending are applied, the counts are recounted from the outcomes,
   and the record is marked done with those exact counts and the `tag_merged` event in that write.

A crash anywhere leaves either nothing (before the record) or a record with the timer due, whose
next firing carries on where the moves stopped. A replica that dies mid-batch holds the timer's
lease (60 s), so every starting replica re-schedules the running merges (`resume`): a restarted
service carries on at once. The running counts (`$inc` per batch) may fall short after a crash;
the counts of a DONE merge are exact.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from common.errors import Contended, FailedPrecondition
from common.mongo import epoch_ms
from common.outbox import Pending
from common.scheduler import Scheduler
from common.timeutil import iso_utc
from services.tags.assignments.plan import ordered_after
from services.tags.events import change_event
from services.tags.library import changes
from services.tags.library.merge import check_merge, plan_move
from services.tags.library.operations import LibraryOperations, now_ms
from services.tags.library.store import (
    DONE,
    KEPT,
    MERGES,
    MOVED,
    MOVES,
    MergeRecord,
    MergeStore,
    merge_doc_id,
    move_document,
)
from services.tags.model import HistoryEntry, TagDef
from services.tags.operations import TagOperations
from services.tags.store import CUSTOMERS, HISTORY, CustomerTags

MERGE_TIMER = "tags.merge"
BATCH = 50  # customers per step: well inside the scheduler's 10 s handler timeout on the stand-in
MAX_ATTEMPTS = 100


class MergeRunner:
    def __init__(
        self, library: LibraryOperations, merges: MergeStore, scheduler: Scheduler, *, ops: TagOperations
    ) -> None:
        self.library = library
        # Moves are written through the one write path, so expiry timers, saved-segment membership
        # events and the index follow a merge like any other change of a customer's tags.
        self.ops = ops
        self.store = library.store
        self.outbox = library.outbox
        self.merges = merges
        self.scheduler = scheduler

    async def start(
        self,
        tenant: str,
        source_key: str,
        target_key: str,
        value_map: Mapping[str, str],
        *,
        actor: str,
        reason: str,
    ) -> MergeRecord:
        """Start (or find) the merge of `source_key` into `target_key`; returns its record."""
        source_key, target_key = source_key.strip(), target_key.strip()
        existing = await self.merges.get(tenant, source_key) if source_key else None
        if existing is not None:
            if existing.target != target_key or existing.value_map != dict(value_map):
                raise FailedPrecondition(
                    f"tag {source_key!r} was already merged into {existing.target!r}", field="source_key"
                )
            return await self._progress(tenant, existing)  # a retry of the same merge
        found = await self.store.definitions(tenant, {k for k in (source_key, target_key) if k})
        check_merge(
            found.get(source_key),
            found.get(target_key),
            value_map,
            source_key=source_key,
            target_key=target_key,
        )
        refs = await self.library.references(tenant, [source_key])
        now = now_ms()
        # Timer first: a crash after it but before the record leaves a timer that finds nothing to do.
        await self.scheduler.schedule(tenant=tenant, kind=MERGE_TIMER, key=source_key, due_at=now)
        record = await self.merges.start(
            tenant,
            MergeRecord(
                source=source_key,
                target=target_key,
                value_map=dict(value_map),
                status="running",
                moved=0,
                kept_target=0,
                actor=actor,
                reason=reason,
                started_ms=epoch_ms(now),
                finished_ms=0,
                segments=tuple(refs.get(source_key, ())),
            ),
        )
        return await self._progress(tenant, record)

    async def _progress(self, tenant: str, record: MergeRecord) -> MergeRecord:
        if record.status != DONE:
            await self.step(tenant, record.source, {})
        return await self.merges.get(tenant, record.source) or record

    async def step(self, tenant: str, source_key: str, payload: Mapping[str, Any]) -> None:
        """One batch of the merge (the `tags.merge` timer's handler); schedules the next if needed."""
        record = await self.merges.get(tenant, source_key)
        if record is None or record.status == DONE:
            return
        source, target = await self._definitions(tenant, record)
        customers = await self.store.customers_with_tag(tenant, source.key, limit=BATCH)
        moved = kept = 0
        for customer_id in customers:
            outcome = await self._move(tenant, customer_id, source, target, record)
            moved += outcome == MOVED
            kept += outcome == KEPT
        await self.merges.count(tenant, source.key, moved=moved, kept_target=kept)
        if len(customers) == BATCH:
            await self.scheduler.schedule(tenant=tenant, kind=MERGE_TIMER, key=source.key, due_at=now_ms())
            return
        await self._finish(tenant, source.key)

    async def _definitions(self, tenant: str, record: MergeRecord) -> tuple[TagDef, TagDef]:
        """A and B, with A archived and pointing at B (done here so a crash before it is repaired)."""
        found = await self.store.definitions(tenant, {record.source, record.target})
        source, target = found[record.source], found[record.target]
        if source.merged_into != target.key:
            source = await self.library.change(
                tenant,
                source.key,
                lambda current: changes.merged(_present(current), into=target.key, now=now_ms()),
            )
        return source, target

    async def _move(
        self, tenant: str, customer_id: str, source: TagDef, target: TagDef, record: MergeRecord
    ) -> str:
        """Move one customer: MOVED, KEPT (B's value stood) or "" (nothing of A left to move)."""
        for attempt in range(MAX_ATTEMPTS):
            read = await self.store.customer(tenant, customer_id)
            definitions = await self.store.definitions(tenant, set(read.assignments))
            move = plan_move(
                read.assignments,
                source=source,
                target=target,
                definitions=definitions,
                value_map=record.value_map,
                actor=record.actor,
                now=max(now_ms(), _ms_time(read.last_history_ms)),
            )
            if move is None:
                return ""
            history = _after(move.history, read)
            outcome = MOVED if move.moved else KEPT
            items = self._items(tenant, history, source=source.key, target=target.key)
            # The outcome rides in the move's own write: it exists exactly when the move does.
            record_outcome = move_document(
                tenant, source.key, customer_id, outcome=outcome, at_ms=epoch_ms(now_ms())
            )
            items.append(self.outbox.insert(MOVES, record_outcome))
            if await self.ops.write(read, move.final, history, items=items):
                return outcome
            await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
        raise Contended(f"the tags of customer {customer_id} kept changing during the merge")

    def _items(self, tenant: str, history: list[HistoryEntry], *, source: str, target: str) -> list[Pending]:
        """History inserts plus, per entry, `removed` (action merged) for A or `assigned` for B."""
        items: list[Pending] = []
        for entry in history:
            items.append(self.outbox.insert(HISTORY, self.store.history_document(tenant, entry)))
            leaving = entry.tag_key == source
            change = change_event(dataclasses.replace(entry, action="removed" if leaving else "assigned"))
            assert change is not None
            event, data = change
            extra = {"action": "merged", "merged_into": target} if leaving else {"merged_from": source}
            items.append(
                self.outbox.event(
                    tenant=tenant, event=event, data={**data, **extra}, subject_id=entry.customer_id
                )
            )
        return items

    async def _finish(self, tenant: str, source: str) -> None:
        record = await self.merges.get(tenant, source)
        if record is None or record.status == DONE:
            return
        if await self.store.customers_with_tag(tenant, source, limit=1):
            # Another step (a retried MergeTags beside the timer) is still moving: go round again.
            await self.scheduler.schedule(tenant=tenant, kind=MERGE_TIMER, key=source, due_at=now_ms())
            return
        # Outcomes a dead writer left pending are applied now rather than after the relay's grace.
        for doc_id in await self.merges.customers_with_pending_items(tenant):
            await self.outbox.publish_all(CUSTOMERS, doc_id)
        moved, kept = await self.merges.outcomes(tenant, source)
        # A merge begun before outcomes were recorded: its running counts are the better lower bound.
        moved, kept = max(moved, record.moved), max(kept, record.kept_target)
        finished = now_ms()
        event = self.outbox.event(
            tenant=tenant,
            event="tag_merged",
            data={
                "source_key": record.source,
                "target_key": record.target,
                "value_map": record.value_map,
                "moved": moved,
                "kept_target": kept,
                "actor": record.actor,
                "reason": record.reason,
                "segments": [{"id": s.id, "name": s.name} for s in record.segments],
                "started_at": iso_utc(record.started_at),
                "finished_at": iso_utc(finished),
            },
            subject_id=record.source,
        )
        done = await self.merges.finish(
            tenant, source, finished_ms=epoch_ms(finished), moved=moved, kept_target=kept, items=[event]
        )
        if done:
            await self.outbox.publish(MERGES, merge_doc_id(tenant, source), [event])

    async def resume(self) -> None:
        """At start: make every running merge due now (an `on_start` hook of the service).

        A replica that died mid-batch leaves the merge's timer leased for a minute; re-scheduling
        moves it (a new version, no owner), so this replica carries on at once. A live replica still
        working on the old lease only overlaps a batch, which moves nobody twice.
        """
        for tenant, source in await self.merges.running():
            await self.scheduler.schedule(tenant=tenant, kind=MERGE_TIMER, key=source, due_at=now_ms())

    async def get(self, tenant: str, source_key: str) -> MergeRecord | None:
        return await self.merges.get(tenant, source_key.strip())


def _present(definition: TagDef | None) -> TagDef:
    assert definition is not None, "a merged tag's definition is never deleted"
    return definition


def _ms_time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _after(history: list[HistoryEntry], read: CustomerTags) -> list[HistoryEntry]:
    """Ids that sort after the customer's last entry, so the history lists in write order."""
    return ordered_after(history, read.last_history_id)
