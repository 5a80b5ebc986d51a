"""Next-step tasks on the GraphQL side, and the reminders the task subscription delivers."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from crm.journey.v1 import journey_pb2

from common.timeutil import from_timestamp
from gateway.types.deals import enum_of
from gateway.types.pagination import PageInfo


@strawberry.enum
class TaskKind(Enum):
    CALL = "call"
    VISIT = "visit"
    SEND_QUOTE = "send_quote"
    MEETING = "meeting"
    FOLLOW_UP = "follow_up"
    OTHER = "other"


@strawberry.enum(description="OVERDUE: still to do, past its due time and the grace period")
class TaskStatus(Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"


@strawberry.enum(description="DUE: the due time has come; OVERDUE: the grace period after it passed too")
class ReminderKind(Enum):
    DUE = "due"
    OVERDUE = "overdue"


@strawberry.type(description="A next step with a customer, owned by one person, reminded when due")
class Task:
    id: strawberry.ID
    customer_id: strawberry.ID
    deal_id: strawberry.ID | None
    kind: TaskKind
    owner_id: str
    due_at: datetime | None
    notes: str
    status: TaskStatus
    created_by: str
    created_at: datetime | None
    updated_at: datetime | None
    due_reminded_at: datetime | None = strawberry.field(description="When the due reminder went out")
    completed_at: datetime | None
    version: int

    @classmethod
    def from_proto(cls, m: journey_pb2.Task) -> Task:
        def when(name: str) -> datetime | None:
            return from_timestamp(getattr(m, name)) if m.HasField(name) else None

        return cls(
            id=strawberry.ID(m.id),
            customer_id=strawberry.ID(m.customer_id),
            deal_id=strawberry.ID(m.deal_id) if m.deal_id else None,
            kind=enum_of(TaskKind, "TASK_KIND_", m.kind, journey_pb2.TaskKind) or TaskKind.OTHER,  # type: ignore[arg-type]
            owner_id=m.owner_id,
            due_at=when("due_at"),
            notes=m.notes,
            status=enum_of(TaskStatus, "TASK_STATUS_", m.status, journey_pb2.TaskStatus) or TaskStatus.OPEN,  # type: ignore[arg-type]
            created_by=m.created_by,
            created_at=when("created_at"),
            updated_at=when("updated_at"),
            due_reminded_at=when("due_reminded_at"),
            completed_at=when("completed_at"),
            version=m.version,
        )


@strawberry.type
class TaskEdge:
    node: Task
    cursor: str


@strawberry.type
class TaskConnection:
    edges: list[TaskEdge]
    page_info: PageInfo


@strawberry.input(description="A next step; the due time must be in the future")
class CreateTaskInput:
    customer_id: strawberry.ID
    kind: TaskKind
    due_at: datetime
    notes: str = ""
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: you; only admins assign a task to someone else"
    )
    deal_id: strawberry.ID | None = None
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your own id for the task, so a retried request creates it once"
    )


@strawberry.input(description="What to change; omitted fields stay. A new due time moves the reminders")
class UpdateTaskInput:
    kind: TaskKind | None = None
    due_at: datetime | None = None
    notes: str | None = None
    owner_id: strawberry.ID | None = None


@strawberry.type(description="A task reminder as it happens: the task is due, or overdue")
class TaskReminder:
    event_id: strawberry.ID
    reminder: ReminderKind
    task_id: strawberry.ID
    customer_id: strawberry.ID
    deal_id: strawberry.ID | None
    kind: TaskKind
    owner_id: str
    due_at: datetime
    notes: str
    reminded_at: datetime | None

    @classmethod
    def from_event(cls, event: dict[str, Any], reminder: ReminderKind) -> TaskReminder:
        data = event["data"]
        reminded = data.get("reminded_at")
        return cls(
            event_id=strawberry.ID(str(event.get("id", ""))),
            reminder=reminder,
            task_id=strawberry.ID(data["task_id"]),
            customer_id=strawberry.ID(data["customer_id"]),
            deal_id=strawberry.ID(data["deal_id"]) if data.get("deal_id") else None,
            kind=TaskKind(data["kind"]),
            owner_id=data["owner_id"],
            due_at=datetime.fromisoformat(data["due_at"].replace("Z", "+00:00")),
            notes=data.get("notes", ""),
            reminded_at=datetime.fromisoformat(reminded.replace("Z", "+00:00")) if reminded else None,
        )
