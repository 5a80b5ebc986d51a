"""Next-step tasks, as pure rules: statuses, what a change sets, and the reminders a due time needs.

A task (call, visit, send quote, meeting, follow-up, other) has one owner and one due time. It is
OPEN until done or cancelled; when its due time passes `journey.task_due` goes out once, and when the
grace period after it passes too while it is still open it turns OVERDUE and `journey.task_overdue`
goes out once. Moving the due time re-arms both (an overdue task is open again); completing or
cancelling ends them.

The reminders are two timers of the common scheduler (docs/scheduler.md) whose key names the task
*and the due time they stand for* (`<task id>@<due ms>`): they are inserted with the task change that
needs them (its outbox), never moved, and a timer whose due time is no longer the task's finds
nothing to do. Together with the task's own record of which due time it already announced
(`due_fired_ms`, `overdue_fired_ms`), each reminder goes out once per due time, whichever replica
fires it and however often a crash makes the scheduler fire it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.errors import FailedPrecondition, InvalidArgument
from common.scheduler import Timer
from common.timeutil import from_ms, iso_utc

KINDS = ("call", "visit", "send_quote", "meeting", "follow_up", "other")
OPEN, DONE, CANCELLED, OVERDUE = "open", "done", "cancelled", "overdue"
STATUSES = (OPEN, DONE, CANCELLED, OVERDUE)
ACTIVE = (OPEN, OVERDUE)
MAX_NOTES = 2000
DUE_KIND = "journey.task_due"
OVERDUE_KIND = "journey.task_overdue"
# A due time further ahead than this is a typo, not a plan.
MAX_AHEAD_MS = 3 * 366 * 24 * 3600 * 1000


def task_key(tenant: str, task_id: str) -> str:
    return f"{tenant}|{task_id}"


def timer_key(task_id: str, due_ms: int) -> str:
    return f"{task_id}@{due_ms}"


def reminder_timers(tenant: str, task_id: str, *, due_ms: int, grace_ms: int) -> list[Timer]:
    """The two timers a due time needs: task_due at it, task_overdue a grace period later."""
    payload = {"task_id": task_id, "due_ms": due_ms}
    key = timer_key(task_id, due_ms)
    return [
        Timer(tenant=tenant, kind=DUE_KIND, key=key, due_at=from_ms(due_ms), payload=payload),
        Timer(tenant=tenant, kind=OVERDUE_KIND, key=key, due_at=from_ms(due_ms + grace_ms), payload=payload),
    ]


def check_kind(value: str, *, where: str) -> str:
    if value not in KINDS:
        names = ", ".join(k.upper() for k in KINDS)
        raise InvalidArgument(
            f"{where}: unknown task kind {value.upper() or '(none)'}; one of {names}", field=where
        )
    return value


def check_due(due: datetime | None, *, now_ms: int, where: str) -> int:
    """The due time in ms: required, in the future (a reminder for the past would fire at once)."""
    if due is None:
        raise InvalidArgument(f"{where}: a due time is required", field=where)
    due_ms = int(due.timestamp() * 1000)
    if due_ms <= now_ms:
        raise InvalidArgument(
            f"{where}: the due time {iso_utc(due)} is in the past; give a time after now", field=where
        )
    if due_ms - now_ms > MAX_AHEAD_MS:
        raise InvalidArgument(f"{where}: the due time is more than three years ahead", field=where)
    return due_ms


def check_notes(value: str, *, where: str) -> str:
    if len(value) > MAX_NOTES:
        raise InvalidArgument(f"{where}: at most {MAX_NOTES} characters", field=where)
    return value


def plan_update(doc: dict[str, Any], values: dict[str, Any], *, now_ms: int) -> dict[str, Any] | None:
    """Fields to `$set` for changing kind, notes, owner or due time of an active task; None if unchanged.

    A new due time makes an overdue task open again: its reminders start over for the new time.
    """
    if doc["status"] not in ACTIVE:
        raise FailedPrecondition(
            f"task {doc['id']} is {doc['status']}; only open or overdue tasks change",
            metadata={"task_id": str(doc["id"]), "status": str(doc["status"])},
        )
    updates = {name: value for name, value in values.items() if doc.get(name) != value}
    if not updates:
        return None
    if "due_ms" in updates:
        updates["status"] = OPEN
    updates["updated_ms"] = now_ms
    return updates


def plan_close(doc: dict[str, Any], status: str, *, actor: str, now_ms: int) -> dict[str, Any] | None:
    """Fields to `$set` for completing (`done`) or cancelling a task; None when it already is so."""
    if doc["status"] == status:
        return None
    if doc["status"] not in ACTIVE:
        raise FailedPrecondition(
            f"task {doc['id']} is already {doc['status']}",
            metadata={"task_id": str(doc["id"]), "status": str(doc["status"])},
        )
    return {"status": status, "closed_by": actor, "completed_ms": now_ms, "updated_ms": now_ms}


def plan_reminder(
    doc: dict[str, Any] | None, kind: str, *, due_ms: int, now_ms: int
) -> dict[str, Any] | None:
    """Fields to `$set` when the reminder timer `kind` for `due_ms` fires; None when it has nothing to do.

    Nothing to do: the task is gone, closed, its due time moved, or this reminder already went out
    for this due time (a re-run after a crash).
    """
    if doc is None or doc["status"] not in ACTIVE or int(doc["due_ms"]) != due_ms:
        return None
    if kind == DUE_KIND:
        if int(doc.get("due_fired_ms") or 0) == due_ms:
            return None
        return {"due_fired_ms": due_ms, "due_reminded_ms": now_ms, "updated_ms": now_ms}
    if int(doc.get("overdue_fired_ms") or 0) == due_ms or doc["status"] != OPEN:
        return None
    return {"overdue_fired_ms": due_ms, "status": OVERDUE, "updated_ms": now_ms}


def task_event_data(doc: dict[str, Any]) -> dict[str, Any]:
    """The task as reminder events carry it (enums lower case, times ISO-8601 UTC)."""
    return {
        "task_id": doc["id"],
        "customer_id": doc["customer_id"],
        "deal_id": doc.get("deal_id") or None,
        "kind": doc["kind"],
        "owner_id": doc["owner_id"],
        "due_at": iso_utc(from_ms(int(doc["due_ms"]))),
        "notes": doc.get("notes", ""),
        "status": doc["status"],
    }
