"""What a timer is: its stored form, its checks, and the handler types (the engine: common/scheduler.py).

Kept apart from the polling engine so services that only schedule (or store a timer as a pending
insert of their outbox, `timer_document`) depend on the small part; `common.scheduler` re-exports
all of it, so `from common.scheduler import Timer` keeps working.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common.ids import is_valid_tenant, new_id
from common.mongo import IndexSpec, epoch_ms

TIMERS = "timers"
DEAD = "timers_dead"
KIND_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
MAX_KEY_LENGTH = 256

TimerHandler = Callable[[str, str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class TimerItem:
    """One claimed timer as a batch handler gets it: what `Timer` scheduled, and when it was due."""

    tenant: str
    kind: str
    key: str
    payload: dict[str, Any]
    at_ms: int
    attempt: int


# Per item, in the order given: None when it is done, the exception it failed with otherwise.
TimerBatchHandler = Callable[[list[TimerItem]], Awaitable[Sequence[Exception | None]]]


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
    check_timer(timer)
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


def check_timer(timer: Timer) -> None:
    # Programming errors of the calling service, not user input: fail loudly before writing anything.
    if not is_valid_tenant(timer.tenant):
        raise ValueError(f"timer tenant {timer.tenant!r} is not a valid tenant id")
    if not KIND_RE.match(timer.kind):
        raise ValueError(f"timer kind {timer.kind!r} must match {KIND_RE.pattern}")
    if not timer.key or len(timer.key) > MAX_KEY_LENGTH:
        raise ValueError(f"timer key must have 1 to {MAX_KEY_LENGTH} characters, got {len(timer.key)}")
    if timer.due_at.tzinfo is None:
        raise ValueError("timer due_at must be timezone-aware (UTC)")


def _now_ms() -> int:
    return int(time.time() * 1000)
