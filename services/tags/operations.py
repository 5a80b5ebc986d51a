"""The tags service's use cases: read the state, apply the pure rules, write the change with its events.

Shared by the gRPC servicer (on behalf of a caller) and the NATS consumers (on behalf of the platform:
`roles=None`), so both paths obey the same rules and leave the same history and events.

Concurrency: every change to a customer's tags (AssignTags, RemoveTag, values heard in a conversation,
accepted or rejected suggestions, the intent.level consumer) is one read → plan → write of the
customer's document (`store.CustomerTags`), guarded by the version it read; on a conflict the whole
step is repeated (at most `MAX_ATTEMPTS` times, with a short random pause) against the new state, so
the rules (exclusive groups above all) always see the value that is really active, and the history
is that of one serial order. Definitions are written the same way, guarded by their own version.

Events: the history entries (pending inserts) and the `assigned`/`removed` events of a change are
stored in the customer's document by the same single-document write (`common/outbox.py`); then the
fast path inserts and publishes them. What a crash leaves behind:
- before the write: nothing changed; the caller gets an error (or the consumer's message is
  redelivered) and a retry plans afresh;
- after the write, before or during publishing: the change and its pending items are stored together;
  the outbox relay inserts the history and publishes the events after its grace period (a repeated
  publish is dropped by JetStream by its `Nats-Msg-Id`, a repeated insert by its `_id`);
- a retry of the request in the meantime finds its values active ("unchanged") and writes nothing:
  the first attempt's events still go out, from the relay.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from common.errors import Contended
from common.outbox import Outbox, Pending
from common.scheduler import TIMERS, Scheduler, timer_document
from common.timeutil import utcnow
from services.tags.assignments import plan as assignment
from services.tags.assignments import values
from services.tags.events import change_event
from services.tags.expiry import planning as expiry
from services.tags.library.operations import LibraryOperations
from services.tags.model import AssignInput, Assignment, HistoryEntry, TagDef
from services.tags.segments.keeper import IndexKeeper
from services.tags.store import CUSTOMERS, HISTORY, CustomerTags, TagStore

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from services.tags.segments.membership import SegmentMembership
    from services.tags.segments.saved import Recheck

# Fifty writers of one customer at once all land well within this (each loss means another landed).
MAX_ATTEMPTS = 100
MAX_PAUSE_SECONDS = 0.05


def now_ms() -> datetime:
    """Now, at the millisecond precision MongoDB stores, so responses equal what a re-read returns."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _not_before(now: datetime, last_ms: int) -> datetime:
    """`now`, or the time of the customer's last history entry if a clock is behind it."""
    last = datetime.fromtimestamp(last_ms / 1000, tz=UTC)
    return max(now, last)


async def _pause(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, min(MAX_PAUSE_SECONDS, 0.002 * (attempt + 1))))


class TagOperations:
    """Every change to definitions and assignments goes through here."""

    def __init__(
        self,
        store: TagStore,
        outbox: Outbox,
        scheduler: Scheduler | None = None,
        *,
        index: IndexKeeper | None = None,
        membership: SegmentMembership | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        # Cancels the expiry timers a write made stale (without it they fire and find nothing to do).
        self.scheduler = scheduler
        self.index = index  # the segment index this process keeps (segments/keeper.py)
        # Saved-segment membership judged in the same write (services/tags/segments/membership.py).
        self.membership = membership

    async def define_tag(self, tenant: str, candidate: TagDef, *, by_platform: bool = False) -> TagDef:
        """Create a definition (the library's rule: `library.operations`); a repeat changes nothing."""
        return await LibraryOperations(self.store, self.outbox).define(
            tenant, candidate, by_platform=by_platform
        )

    async def ensure_system_tag(self, tenant: str, definition: TagDef) -> TagDef:
        """The tenant's definition of a platform tag, defined on first use."""
        existing = await self.store.definition(tenant, definition.key)
        if existing is not None:
            return existing
        return await self.define_tag(tenant, definition, by_platform=True)

    async def assign(
        self,
        tenant: str,
        customer_id: str,
        items: list[AssignInput],
        *,
        roles: frozenset[str] | None,
        actor: str,
        assigned_at: datetime | None = None,
        reason: str = "",
        unless: Callable[[dict[str, Assignment]], bool] | None = None,
    ) -> tuple[assignment.Plan, dict[str, TagDef]]:
        """Validate all items, then apply them; returns the plan and the definitions it involved.

        `unless` is asked about the customer's stored assignments inside each attempt: if it says so,
        nothing is written (the intent.level consumer uses it to ignore a stale level atomically).
        """
        keys = {i.tag_key for i in items}
        for attempt in range(MAX_ATTEMPTS):
            read = await self.store.customer(tenant, customer_id)
            if unless is not None and unless(read.assignments):
                return assignment.Plan(final=dict(read.assignments)), {}
            now = _not_before(now_ms(), read.last_history_ms)
            definitions = await self.store.definitions(tenant, keys | set(read.assignments))
            checked = values.check_items(items, definitions, roles=roles, now=now)
            result = assignment.plan(
                customer_id,
                checked,
                definitions,
                read.assignments,
                actor=actor,
                now=now,
                assigned_at=assigned_at,
                reason=reason,
            )
            if not result.history and not result.refreshed:
                return result, definitions
            result.history = assignment.ordered_after(result.history, read.last_history_id)
            if await self._write(read, result.final, result.history):
                return result, definitions
            await _pause(attempt)
        raise Contended(f"the tags of customer {customer_id} kept changing; try again", field="customer_id")

    async def remove(
        self,
        tenant: str,
        customer_id: str,
        tag_key: str,
        *,
        roles: frozenset[str] | None,
        actor: str,
        reason: str,
        before: list[HistoryEntry] | None = None,
    ) -> tuple[Assignment, TagDef | None]:
        """Remove the customer's active value of a tag; returns it with its definition.

        `before` are history entries to record in the same write, ahead of the removal (a rejection).
        """
        definition = await self.store.definition(tenant, tag_key)
        for attempt in range(MAX_ATTEMPTS):
            read = await self.store.customer(tenant, customer_id)
            current = read.assignments.get(tag_key)
            entry = assignment.plan_removal(
                current,
                definition,
                customer_id=customer_id,
                tag_key=tag_key,
                roles=roles,
                actor=actor,
                reason=reason,
                now=_not_before(now_ms(), read.last_history_ms),
            )
            assert current is not None  # plan_removal raised NotFound otherwise
            final = {k: a for k, a in read.assignments.items() if k != tag_key}
            history = assignment.ordered_after([*(before or []), entry], read.last_history_id)
            if await self._write(read, final, history):
                return current, definition
            await _pause(attempt)
        raise Contended(f"the tags of customer {customer_id} kept changing; try again", field="customer_id")

    async def active_tags(
        self, tenant: str, customer_ids: list[str]
    ) -> tuple[dict[str, list[Assignment]], dict[str, TagDef]]:
        """Active (unexpired) assignments per customer and their definitions: two queries in all."""
        now = now_ms()
        by_customer: dict[str, list[Assignment]] = defaultdict(list)
        for a in await self.store.assignments(tenant, sorted(set(customer_ids))):
            # An expired value is stored until its `tags.expire` timer removes it, but is never shown.
            if not a.is_expired(now):
                by_customer[a.customer_id].append(a)
        keys = {a.tag_key for tags in by_customer.values() for a in tags}
        return by_customer, await self.store.definitions(tenant, keys)

    def history_items(self, tenant: str, history: list[HistoryEntry]) -> list[Pending]:
        """Per entry, its pending insert into the history and, for a change of value, its event."""
        items: list[Pending] = []
        for entry in history:
            items.append(self.outbox.insert(HISTORY, self.store.history_document(tenant, entry)))
            change = change_event(entry)
            if change is not None:
                event, data = change
                items.append(
                    self.outbox.event(tenant=tenant, event=event, data=data, subject_id=entry.customer_id)
                )
        return items

    async def write(
        self,
        read: CustomerTags,
        final: dict[str, Assignment],
        history: list[HistoryEntry],
        *,
        items: list[Pending] | None = None,
        recheck: Recheck | None = None,
    ) -> bool:
        """Store one planned change of a customer's tags, if still at `read.version`; False if not.

        Every change of a customer's tags goes through here, so each carries its expiry timers, its
        saved-segment membership events and its index update in the same write. `items` replaces the
        standard history inserts and change events (a merge announces its moves its own way).
        `recheck`: saved segments to judge although no tag changes (segments/syncing.py, windows.py).
        """
        return await self._write(read, final, history, items=items, recheck=recheck)

    async def _write(
        self,
        read: CustomerTags,
        final: dict[str, Assignment],
        history: list[HistoryEntry],
        *,
        items: list[Pending] | None = None,
        recheck: Recheck | None = None,
    ) -> bool:
        items = self.history_items(read.tenant, history) if items is None else list(items)
        # Expiry (docs/tag-expiry.md): every new expires_at gets its timer in this same write.
        timers, stale_timers = expiry.timer_changes(read.tenant, read.assignments, final, now=now_ms())
        items += [self.outbox.insert(TIMERS, timer_document(t)) for t in timers]
        marks: dict[str, int | None] = {}
        if self.membership is not None:
            judged = await self.membership.judge(read, after=final, history=history, recheck=recheck)
            items += judged.items
            marks = judged.marks
        if not await self._store_and_index(read, final, history, items, marks):
            return False
        await self.outbox.publish(CUSTOMERS, read.doc_id, items)
        await self._cancel_timers(read.tenant, stale_timers)
        return True

    # ---- expiry (services/tags/expiry/, docs/tag-expiry.md) ----

    async def expire(self, tenant: str, customer_id: str) -> dict[str, Assignment]:
        """Remove every assignment of the customer that has expired, with an `expired` history entry
        and a `removed` event (action `expired`) each, in one versioned write; returns what stays.

        Idempotent: a second call (another replica, a re-run timer) finds nothing expired and writes
        nothing, so each assignment expires once.
        """
        for attempt in range(MAX_ATTEMPTS):
            read = await self.store.customer(tenant, customer_id)
            now = _not_before(now_ms(), read.last_history_ms)
            final, history = expiry.expire(read.assignments, now=now)
            if not history:
                return final
            history = assignment.ordered_after(history, read.last_history_id)
            if await self._write(read, final, history):
                return final
            await _pause(attempt)
        raise Contended(f"the tags of customer {customer_id} kept changing; try again", field="customer_id")

    async def _cancel_timers(self, tenant: str, keys: list[str]) -> None:
        # Best effort: a timer left behind fires, finds its expiry no longer stored, and does nothing.
        if self.scheduler is None or not keys:
            return
        try:
            await self.scheduler.cancel_many(tenant=tenant, kind=expiry.EXPIRE_KIND, keys=keys)
        except Exception as err:  # the write is done; a stale timer is harmless
            log.warning("cancelling %d stale expiry timer(s) failed: %s", len(keys), err)

    async def _store_and_index(
        self,
        read: CustomerTags,
        final: dict[str, Assignment],
        history: list[HistoryEntry],
        items: list[Pending],
        marks: dict[str, int | None] | None = None,
    ) -> bool:
        """`write_customer`, giving a customer its dense number on its first write, then the change to
        this replica's segment index at once (other replicas apply it from the event: segments/keeper.py)."""
        if self.index is None:
            return await self.store.write_customer(read, final, history=history, items=items, segments=marks)
        number = await self.index.number_for(read)
        if not await self.store.write_customer(
            read, final, history=history, items=items, number=number, segments=marks
        ):
            return False
        self.index.written(read, final, number)
        return True
