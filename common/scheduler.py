"""Due-time work: "do X for this key at time T, once, with several replicas, across restarts".

DESIGN §6 gives due-time work one home. Every service that needs it (intent decay and tag expiry today;
task reminders, call-backs and lead auto-release next) configures this one mechanism:

    await runtime.scheduler.schedule(tenant=t, kind="intent.rescore", key=customer_id, due_at=when)
    ServiceParts(..., timers={"intent.rescore": handler})   # handler(tenant, key, payload)
    ServiceParts(..., batch_timers={"journey.task_due": fire})  # fire(items) -> per item None | error

A timer is one document per (tenant, kind, key) in the service's own database (collection `timers`),
so scheduling the same key again *moves* it and `cancel` deletes it. Every replica polls the
`due_ms` index a few times a second, claims a batch of due timers with a lease (a guarded update: a
timer is claimed by exactly one replica), runs their handlers and deletes each finished timer,
guarded by the claim and by the timer's `version` (a timer re-scheduled while its handler ran keeps
its new due time). docs/scheduler.md argues this engine against JetStream message schedules with
measurements.

Batch kinds. A kind whose work is cheaper done many at a time (task reminders: one read, one bulk
write and one outbox mark for the lot, not several round trips each) registers a batch handler
(`register_batch`): it gets every claimed timer of its kind at once and answers, per timer, done
(None) or the exception that item failed with. The done ones are completed in one `delete_many`
guarded by the claim (`owner`): re-scheduling, a retry and a release all reset `owner`, so a timer
moved while its handler ran is not matched and keeps its new due time. A failed item is retried and
dead-lettered exactly as a failed per-timer handler; a batch handler that raises fails every item of
its batch. While a backlog exists a pass claims up to `batch_limit` timers of batch kinds (per-timer
kinds stay at four rounds of `concurrency`, which is what the lease is sized for). After a pass that
fired batch timers and left no backlog, the next pass waits `batch_linger_seconds` (0.1 s) so a
steady stream (167 reminders/s) is taken ~17 at a time instead of one or two per pass: each pass
costs the same few round trips whatever its size, and the stand-in's CPU is what runs out first.

Guarantees (per-timer and batch kinds alike). A due timer's handler is called by one replica at a
time, at least once, and its completion is recorded once. A handler is called twice only if its
process dies after the handler's effect and before the completion write (then the lease runs out and
another replica runs it again), so handlers must be idempotent in that sense — the intent rescore is
(its stored-level guard lets one write win). A failing handler is retried with exponential back-off;
after `max_attempts` the timer is moved to `timers_dead` (with its error) and logged, never lost and
never looping forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.ids import new_id
from common.timers import (
    DEAD,
    KIND_RE,
    MAX_KEY_LENGTH,
    TIMERS,
    Timer,
    TimerBatchHandler,
    TimerHandler,
    TimerItem,
    check_timer,
    scheduler_indexes,
    timer_document,
    timer_id,
)

# What a timer is lives in common/timers.py; importing it from here keeps working.
__all__ = [
    "DEAD",
    "KIND_RE",
    "MAX_KEY_LENGTH",
    "TIMERS",
    "Scheduler",
    "SchedulerStats",
    "Timer",
    "TimerBatchHandler",
    "TimerHandler",
    "TimerItem",
    "scheduler_indexes",
    "timer_document",
    "timer_id",
]

log = logging.getLogger(__name__)


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class SchedulerStats:
    """Counters since start, for logs, health and the bench."""

    fired: int = 0
    failed: int = 0
    dead: int = 0
    max_lateness_ms: int = 0


class Scheduler:
    """Durable timers of one service (all tenants), fired by whichever replica claims them first."""

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        *,
        service: str,
        poll_seconds: float = 0.2,
        lease_seconds: float = 60.0,
        handler_timeout_seconds: float = 10.0,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 300.0,
        concurrency: int = 16,
        batch_limit: int = 256,
        batch_linger_seconds: float = 0.1,
    ) -> None:
        # A batch is run `concurrency` at a time, each bounded by the handler timeout, so the whole
        # batch ends well inside the lease: a slow batch never lets another replica take a timer over.
        if handler_timeout_seconds * 4 >= lease_seconds:
            raise ValueError("the lease must exceed four handler timeouts (one claimed batch)")
        self._timers = db[TIMERS]
        self._dead = db[DEAD]
        self._service = service
        self._poll = poll_seconds
        self._lease_ms = int(lease_seconds * 1000)
        self._timeout = handler_timeout_seconds
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._concurrency = concurrency
        self._batch = concurrency * 4
        # A batch handler runs as one call bounded by one timeout, so its batch may be larger.
        self._batch_limit = max(batch_limit, self._batch)
        self._linger = min(batch_linger_seconds, poll_seconds)
        self._handlers: dict[str, TimerHandler] = {}
        self._batch_handlers: dict[str, TimerBatchHandler] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.stats = SchedulerStats()

    def register(self, kind: str, handler: TimerHandler) -> None:
        """Let this process fire timers of `kind`; only registered kinds are claimed."""
        self._check_new_kind(kind, self._batch_handlers)
        self._handlers[kind] = handler

    def register_batch(self, kind: str, handler: TimerBatchHandler) -> None:
        """Let this process fire timers of `kind` a whole claimed batch at a time (module docstring)."""
        self._check_new_kind(kind, self._handlers)
        self._batch_handlers[kind] = handler

    @staticmethod
    def _check_new_kind(kind: str, other: Mapping[str, Any]) -> None:
        if not KIND_RE.match(kind):
            raise ValueError(f"timer kind {kind!r} must match {KIND_RE.pattern}")
        if kind in other:
            raise ValueError(f"timer kind {kind!r} has a per-timer and a batch handler; give it one")

    @property
    def kinds(self) -> list[str]:
        return sorted([*self._handlers, *self._batch_handlers])

    def settings(self) -> dict[str, float]:
        """The loop's settings, for benchmarks and operators (bench/task_reminders.py prints them)."""
        return {
            "poll_seconds": self._poll,
            "batch": self._batch,
            "batch_limit": self._batch_limit,
            "batch_linger_seconds": self._linger,
            "concurrency": self._concurrency,
            "lease_seconds": self._lease_ms / 1000,
            "handler_timeout_seconds": self._timeout,
        }

    async def schedule(
        self,
        *,
        tenant: str,
        kind: str,
        key: str,
        due_at: datetime,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        """Fire `kind` for `key` at `due_at`; scheduling the same (tenant, kind, key) again moves it."""
        await self.schedule_many(
            [Timer(tenant=tenant, kind=kind, key=key, due_at=due_at, payload=dict(payload or {}))]
        )

    async def schedule_many(self, timers: Sequence[Timer]) -> None:
        """Schedule (or move) several timers in one round trip; all are checked before any is written."""
        for timer in timers:
            check_timer(timer)
        if not timers:
            return
        now = _now_ms()
        docs = [timer_document(t, now_ms=now) for t in timers]
        ops = [UpdateOne({"_id": doc.pop("_id")}, {"$set": doc}, upsert=True) for doc in docs]
        await self._timers.bulk_write(ops, ordered=False)

    async def cancel(self, *, tenant: str, kind: str, key: str) -> bool:
        """Remove a pending timer; True if there was one. A handler already running is not stopped."""
        result = await self._timers.delete_one({"_id": timer_id(tenant, kind, key)})
        return result.deleted_count == 1

    async def cancel_many(self, *, tenant: str, kind: str, keys: Sequence[str]) -> int:
        """Remove the pending timers of several keys in one round trip; returns how many there were."""
        if not keys:
            return 0
        ids = [timer_id(tenant, kind, key) for key in keys]
        result = await self._timers.delete_many({"_id": {"$in": ids}})
        return int(result.deleted_count)

    async def pending(self, *, tenant: str, kind: str, key: str) -> datetime | None:
        """When the timer for `key` is due, or None when there is none (for tests and operators)."""
        doc = await self._timers.find_one({"_id": timer_id(tenant, kind, key)}, {"at_ms": 1})
        if doc is None:
            return None
        return datetime.fromtimestamp(doc["at_ms"] / 1000, UTC)

    async def dead_letters(self, tenant: str) -> list[dict[str, Any]]:
        """The timers of `tenant` that failed `max_attempts` times, oldest first."""
        cursor = self._dead.find({"tenant_id": tenant}, {"_id": 0}).sort("dead_ms", 1)
        return [doc async for doc in cursor]

    async def run_once(self) -> int:
        """Claim and fire one batch of due timers; returns how many handlers ran."""
        ran, _ = await self._pass()
        return ran

    async def _pass(self) -> tuple[int, float]:
        """One poll: fire what is due; returns (handlers run, seconds until the next poll)."""
        if not self.kinds:
            return 0, self._poll
        now = _now_ms()
        limit = self._batch_limit if self._batch_handlers else self._batch
        # Looking one poll interval ahead lets the loop sleep until the next due time, not a whole poll.
        query = {"due_ms": {"$lte": now + int(self._poll * 1000)}, "kind": {"$in": self.kinds}}
        fields = {"_id": 1, "due_ms": 1, "kind": 1}
        found = [doc async for doc in self._timers.find(query, fields).sort("due_ms", 1).limit(limit)]
        due = [doc for doc in found if doc["due_ms"] <= now]
        single = [doc["_id"] for doc in due if doc["kind"] in self._handlers][: self._batch]
        ids = [*single, *(doc["_id"] for doc in due if doc["kind"] in self._batch_handlers)]
        upcoming = [doc["due_ms"] for doc in found if doc["due_ms"] > now]
        wait = self._poll if not upcoming else max(0.0, min(self._poll, (upcoming[0] - _now_ms()) / 1000))
        if not ids:
            return 0, wait
        ran = await self._claim_and_fire(ids, now)
        if len(found) >= limit or len(ids) < len(due):
            return ran, 0.0  # a backlog: more is due than this pass took
        if any(doc["kind"] in self._batch_handlers for doc in due):
            # A stream of batch timers: let the next few gather rather than take them one pass each.
            wait = max(wait, self._linger)
        return ran, wait

    async def _claim_and_fire(self, ids: list[Any], now: int) -> int:
        token = new_id("lease")
        # The claim: only documents still due are taken (another replica's claim moved due_ms ahead).
        await self._timers.update_many(
            {"_id": {"$in": ids}, "due_ms": {"$lte": now}},
            {"$set": {"due_ms": now + self._lease_ms, "owner": token}, "$inc": {"attempts": 1}},
        )
        claimed = [doc async for doc in self._timers.find({"_id": {"$in": ids}, "owner": token})]
        batches: dict[str, list[dict[str, Any]]] = {}
        for doc in claimed:
            if doc["kind"] in self._batch_handlers:
                batches.setdefault(doc["kind"], []).append(doc)
        gate = asyncio.Semaphore(self._concurrency)

        async def fire(doc: dict[str, Any]) -> int:
            async with gate:
                if self._stopping.is_set():
                    await self._release(doc, token)
                    return 0
                await self._fire(doc, token)
                return 1

        # Each batch is one call bounded by one timeout, beside the per-timer rounds: still in the lease.
        ran = await asyncio.gather(
            *(fire(doc) for doc in claimed if doc["kind"] in self._handlers),
            *(self._fire_batch(kind, docs, token) for kind, docs in batches.items()),
        )
        return sum(ran)

    async def _fire_batch(self, kind: str, docs: list[dict[str, Any]], token: str) -> int:
        """Run one batch handler over `docs`; complete the done ones in one write, fail the others."""
        if self._stopping.is_set():
            for doc in docs:
                await self._release(doc, token)
            return 0
        started = _now_ms()
        self.stats.max_lateness_ms = max(self.stats.max_lateness_ms, started - min(d["at_ms"] for d in docs))
        items = [
            TimerItem(
                tenant=doc["tenant_id"],
                kind=kind,
                key=doc["key"],
                payload=dict(doc.get("payload") or {}),
                at_ms=int(doc["at_ms"]),
                attempt=int(doc.get("attempts", 1)),
            )
            for doc in docs
        ]
        results: list[Exception | None]
        try:
            results = list(await asyncio.wait_for(self._batch_handlers[kind](items), self._timeout))
            if len(results) != len(items):
                raise RuntimeError(f"batch handler of {kind} answered {len(results)} of {len(items)} timers")
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the whole batch failed: each timer is retried on its own schedule
            results = [err] * len(items)
        done = [doc["_id"] for doc, result in zip(docs, results, strict=True) if result is None]
        if done:
            self.stats.fired += len(done)
            # `owner` alone guards it: whatever moved a timer since the claim also reset its owner.
            await self._timers.delete_many({"_id": {"$in": done}, "owner": token})
        for doc, result in zip(docs, results, strict=True):
            if result is not None:
                guard = {"_id": doc["_id"], "owner": token, "version": doc["version"]}
                await self._failed(doc, guard, result)
        return len(docs)

    async def _fire(self, doc: dict[str, Any], token: str) -> None:
        guard = {"_id": doc["_id"], "owner": token, "version": doc["version"]}
        started = _now_ms()
        lateness = started - int(doc["at_ms"])
        self.stats.max_lateness_ms = max(self.stats.max_lateness_ms, lateness)
        handler = self._handlers[doc["kind"]]
        try:
            await asyncio.wait_for(
                handler(doc["tenant_id"], doc["key"], dict(doc.get("payload") or {})), self._timeout
            )
        except asyncio.CancelledError:
            raise
        except Exception as err:
            await self._failed(doc, guard, err)
            return
        self.stats.fired += 1
        await self._timers.delete_one(guard)

    async def _failed(self, doc: dict[str, Any], guard: dict[str, Any], err: Exception) -> None:
        attempts = int(doc.get("attempts", 1))
        error = f"{type(err).__name__}: {err}"[:2000]
        self.stats.failed += 1
        fields = {"tenant_id": doc["tenant_id"], "timer_kind": doc["kind"], "timer_key": doc["key"]}
        if attempts < self._max_attempts:
            delay = min(self._backoff * 2 ** (attempts - 1), self._max_backoff)
            log.warning(
                "timer %s failed (attempt %d of %d), retrying in %.1fs: %s",
                doc["_id"],
                attempts,
                self._max_attempts,
                delay,
                error,
                extra={"fields": fields},
            )
            retry = {"due_ms": _now_ms() + int(delay * 1000), "owner": None, "last_error": error}
            await self._timers.update_one(guard, {"$set": retry})
            return
        self.stats.dead += 1
        log.error(
            "timer %s failed %d times; moved to %s: %s",
            doc["_id"],
            attempts,
            DEAD,
            error,
            extra={"fields": fields},
        )
        record = {
            "_id": f"{doc['_id']}|{doc['version']}",
            "tenant_id": doc["tenant_id"],
            "service": self._service,
            "kind": doc["kind"],
            "key": doc["key"],
            "at_ms": doc["at_ms"],
            "payload": doc.get("payload") or {},
            "attempts": attempts,
            "error": error,
            "dead_ms": _now_ms(),
        }
        with contextlib.suppress(DuplicateKeyError):  # recorded before a crash: once is enough
            await self._dead.insert_one(record)
        await self._timers.delete_one(guard)

    async def _release(self, doc: dict[str, Any], token: str) -> None:
        # Claimed but not started because we are stopping: give it back now rather than after the lease.
        await self._timers.update_one(
            {"_id": doc["_id"], "owner": token, "version": doc["version"]},
            {"$set": {"due_ms": int(doc["at_ms"]), "owner": None}, "$inc": {"attempts": -1}},
        )

    def problems(self) -> list[str]:
        """What readiness should report: the polling loop died (it survives MongoDB outages by design)."""
        task = self._task
        if task is None or not task.done() or self._stopping.is_set():
            return []
        error = None if task.cancelled() else task.exception()
        return [f"the timer scheduler of {self._service} stopped: {error!r}"]

    def start(self) -> None:
        """Poll and fire in the background until `stop()`; does nothing without registered handlers."""
        if not self.kinds or self._task is not None:
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"scheduler:{self._service}")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the handlers already running (up to `grace` seconds), hand back the rest, then stop."""
        self._stopping.set()
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                _, wait = await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # MongoDB away: the timers are safe where they are, keep polling
                log.warning("scheduler pass failed: %s", err)
                wait = self._poll
            if wait <= 0:
                continue  # a backlog: take the next batch at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=wait)
