"""Recording a touchpoint: one guarded commit to the customer's progress, then the outbox's fast path.

Shared by the RPC and the ingest consumer. `record` reads the customer's progress and its version,
computes the next state with the pure rules of `progress.py`, and commits the state, the pending
touchpoint insert and the events in one single-document write guarded by that version (see
`store.py`, which also says what a crash at each point leaves behind). A writer that loses the race
re-reads and recomputes, so the result is always that of some serial order. Writers of one process
queue on a per-customer lock first, so the guard only has to settle races between replicas and
50 concurrent touchpoints of one customer cost 50 commits, not ~1,275 attempts.

A re-sent touchpoint id changes nothing and publishes nothing: it is found either as a stored
touchpoint or, in the moment between a commit and its completion, as its `touchpoint_recorded`
still pending in the progress document, which the re-send then helps complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc

from common.errors import DomainError
from common.outbox import Pending
from services.journey.events import JourneyEvents, touchpoint_recorded_id
from services.journey.progress import Progress, apply_touch, progress_view, stage_change, touch_of
from services.journey.store import JourneyStore
from services.journey.templates import Journey
from services.journey.touchpoints import Touchpoint

# Commits lost to other replicas before giving up; each retry re-reads, so this is only reached
# under pathological contention on one customer.
MAX_ATTEMPTS = 60


class Contended(DomainError):
    """Too many concurrent writers on one customer's progress; the caller may retry."""

    code = grpc.StatusCode.ABORTED
    reason = "CONTENDED"


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """The outcome a caller sees: the stored touchpoint, progress after it, and whether the stage moved."""

    touchpoint: Touchpoint
    progress: Progress
    stage_changed: bool


@dataclass(frozen=True, kw_only=True)
class _Committed:
    """A commit's outcome and items; `alone`: nothing was pending before it, so every earlier item is
    already published and publishing just these keeps the stream in commit order (one read fewer)."""

    recorded: Recorded
    items: list[Pending]
    alone: bool


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class TouchpointRecorder:
    """Records validated touchpoints for a tenant onto that tenant's journey."""

    def __init__(self, *, store: JourneyStore, events: JourneyEvents) -> None:
        self._store = store
        self._events = events
        self._locks = KeyedLocks()

    async def record(self, tenant: str, touchpoint: Touchpoint, journey: Journey) -> Recorded:
        """Record `touchpoint` (idempotent by id): commit it with its events, then publish them."""
        async with self._locks.hold(f"{tenant}|{touchpoint.customer_id}"):
            committed = await self._commit(tenant, touchpoint, journey)
        if committed is None:
            # A re-send: it may be the one to complete a commit whose writer died.
            await self._events.publish(tenant, touchpoint.customer_id)
            return await self._unchanged(tenant, touchpoint, journey)
        if committed.alone:
            await self._events.publish_own(tenant, touchpoint.customer_id, committed.items)
        else:
            await self._events.publish(tenant, touchpoint.customer_id)
        return committed.recorded

    async def _commit(self, tenant: str, touchpoint: Touchpoint, journey: Journey) -> _Committed | None:
        """The committed outcome, or None when this touchpoint id was recorded before."""
        recorded_id = touchpoint_recorded_id(tenant, touchpoint.id)
        for attempt in range(MAX_ATTEMPTS):
            # Progress first, then the touchpoint: a first recording that completes in between has
            # already inserted the touchpoint; one that commits in between fails our guard.
            current = await self._store.load(tenant, touchpoint.customer_id, journey=journey.key)
            if recorded_id in current.pending or await self._store.touchpoint(tenant, touchpoint.id):
                return None
            touch = touch_of(touchpoint, journey)
            after = apply_touch(current.state, touch)
            change = stage_change(current.state, after, touch, journey)
            version = current.version + 1
            items = self._events.commit_items(
                tenant, touchpoint=touchpoint, journey=journey, change=change, version=version
            )
            if await self._store.commit(
                tenant, touchpoint.customer_id, expected_version=current.version, state=after, items=items
            ):
                recorded = Recorded(
                    touchpoint=touchpoint,
                    progress=progress_view(touchpoint.customer_id, after, journey),
                    stage_changed=change is not None,
                )
                return _Committed(recorded=recorded, items=items, alone=not current.pending)
            await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise Contended(
            f"progress of customer {touchpoint.customer_id} changed {MAX_ATTEMPTS} times while "
            "recording; try again",
            metadata={"customer_id": touchpoint.customer_id},
        )

    async def _unchanged(self, tenant: str, touchpoint: Touchpoint, journey: Journey) -> Recorded:
        """What a re-sent id answers: the touchpoint as first stored and its customer's progress."""
        stored = await self._store.touchpoint(tenant, touchpoint.id) or touchpoint
        current = await self._store.load(tenant, stored.customer_id, journey=journey.key)
        return Recorded(
            touchpoint=stored,
            progress=progress_view(stored.customer_id, current.state, journey),
            stage_changed=False,
        )
