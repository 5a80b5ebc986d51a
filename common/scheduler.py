"""Due-time work: "do X for this key at time T, once, with several replicas, across restarts".

DESIGN §6 gives due-time work one home. Every service that needs it (intent decay and tag expiry today;
task reminders, call-backs and lead auto-release next) configures this one mechanism:

    await runtime.scheduler.schedule(tenant=t, kind="intent.rescore", key=customer_id, due_at=when)
    ServiceParts(..., timers={"intent.rescore": handler})   # handler(tenant, key, payload)

A timer is one document per (tenant, kind, key) in the service's own database (collection `timers`),
so scheduling the same key again *moves* it and `cancel` deletes it. Every replica polls the
`due_ms` index a few times a second, claims a batch of due timers with a lease (a guarded update: a
timer is claimed by exactly one replica), runs their handlers and deletes each finished timer,
guarded by the claim and by the timer's `version` (a timer re-scheduled while its handler ran keeps
its new due time). docs/scheduler.md argues this engine against JetStream message schedules with
measurements.

Guarantees. A due timer's handler is called by one replica at a time, at least once, and its
completion is recorded once. A handler is called twice only if its process dies after the handler's
effect and before the completion write (then the lease runs out and another replica runs it again),
so handlers must be idempotent in that sense — the intent rescore is (its stored-level guard lets one
write win). A failing handler is retried with exponential back-off; after `max_attempts` the timer
is moved to `timers_dead` (with its error) and logged, never lost and never looping forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.ids import is_valid_tenant, new_id
from common.mongo import IndexSpec, epoch_ms

log = logging.getLogger(__name__)

TIMERS = "timers"
DEAD = "timers_dead"
KIND_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
MAX_KEY_LENGTH = 256

TimerHandler = Callable[[str, str, dict[str, Any]], Awaitable[None]]


def scheduler_indexes() -> list[IndexSpec]:
    """The due-time index every replica polls (all tenants at once), and the dead letters per tenant."""
    return [
        IndexSpec(TIMERS, [("due_ms", 1)], cross_tenant=True),
        IndexSpec(DEAD, [("tenant_id", 1), ("dead_ms", 1)]),
    ]


@dataclass(frozen=True, kw_only=True)
class Timer:
    """One timer to (re)schedule: `handler(tenant, key, payload)` of `kind` runs at `due_at`."""

    tenant: str
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return timer_id(self.tenant, self.kind, self.key)


def timer_id(tenant: str, kind: str, key: str) -> str:
    return f"{tenant}|{kind}|{key}"


def timer_document(timer: Timer, *, now_ms: int | None = None) -> dict[str, Any]:
    """The stored form of `timer` (with its `_id`), as `schedule_many` writes it.

    A service that must not record a change without its timer stores this document as a pending
    insert of its outbox (`Outbox.insert(TIMERS, ...)`) in the same single-document write as the
    change, so the two cannot be separated by a crash (tag expiry does, docs/tag-expiry.md). Such a
    timer is inserted, never moved: its key must name the due time it stands for.
    """
    _check(timer)
    return {
        "_id": timer.id,
        "tenant_id": timer.tenant,
        "kind": timer.kind,
        "key": timer.key,
        "at_ms": epoch_ms(timer.due_at),
        "due_ms": epoch_ms(timer.due_at),
        "payload": timer.payload,
        # A new version makes a handler already running for the old one leave it alone.
        "version": new_id("tv"),
        "attempts": 0,
        "owner": None,
        "scheduled_ms": _now_ms() if now_ms is None else now_ms,
    }


def _check(timer: Timer) -> None:
    # Programming errors of the calling service, not user input: fail loudly before writing anything.
    if not is_valid_tenant(timer.tenant):
        raise ValueError(f"timer tenant {timer.tenant!r} is not a valid tenant id")
    if not KIND_RE.match(timer.kind):
        raise ValueError(f"timer kind {timer.kind!r} must match {KIND_RE.pattern}")
    if not timer.key or len(timer.key) > MAX_KEY_LENGTH:
        raise ValueError(f"timer key must have 1 to {MAX_KEY_LENGTH} characters, got {len(timer.key)}")
    if timer.due_at.tzinfo is None:
        raise ValueError("timer due_at must be timezone-aware (UTC)")


@dataclass
class SchedulerStats:
    """Counters since start, for logs, health and the bench."""

    fired: int = 0
    failed: int = 0
    dead: int = 0
    max_lateness_ms: int = 0


def _now_ms() -> int:
    return int(time.time() * 1000)


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
        self._handlers: dict[str, TimerHandler] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.stats = SchedulerStats()

    def register(self, kind: str, handler: TimerHandler) -> None:
        """Let this process fire timers of `kind`; only registered kinds are claimed."""
        if not KIND_RE.match(kind):
            raise ValueError(f"timer kind {kind!r} must match {KIND_RE.pattern}")
        self._handlers[kind] = handler

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def settings(self) -> dict[str, float]:
        """The loop's settings, for benchmarks and operators (bench/task_reminders.py prints them)."""
        return {
            "poll_seconds": self._poll,
            "batch": self._batch,
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
            _check(timer)
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
        if not self._handlers:
            return 0, self._poll
        now = _now_ms()
        # Looking one poll interval ahead lets the loop sleep until the next due time, not a whole poll.
        query = {"due_ms": {"$lte": now + int(self._poll * 1000)}, "kind": {"$in": self.kinds}}
        cursor = self._timers.find(query, {"_id": 1, "due_ms": 1}).sort("due_ms", 1).limit(self._batch)
        found = [doc async for doc in cursor]
        ids = [doc["_id"] for doc in found if doc["due_ms"] <= now]
        upcoming = [doc["due_ms"] for doc in found if doc["due_ms"] > now]
        wait = self._poll if not upcoming else max(0.0, min(self._poll, (upcoming[0] - _now_ms()) / 1000))
        if not ids:
            return 0, wait
        ran = await self._claim_and_fire(ids, now)
        return ran, 0.0 if len(ids) >= self._batch else wait

    async def _claim_and_fire(self, ids: list[Any], now: int) -> int:
        token = new_id("lease")
        # The claim: only documents still due are taken (another replica's claim moved due_ms ahead).
        await self._timers.update_many(
            {"_id": {"$in": ids}, "due_ms": {"$lte": now}},
            {"$set": {"due_ms": now + self._lease_ms, "owner": token}, "$inc": {"attempts": 1}},
        )
        claimed = [doc async for doc in self._timers.find({"_id": {"$in": ids}, "owner": token})]
        gate = asyncio.Semaphore(self._concurrency)

        async def fire(doc: dict[str, Any]) -> bool:
            async with gate:
                if self._stopping.is_set():
                    await self._release(doc, token)
                    return False
                await self._fire(doc, token)
                return True

        ran = await asyncio.gather(*(fire(doc) for doc in claimed))
        return sum(ran)

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
        if not self._handlers or self._task is not None:
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
