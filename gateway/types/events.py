"""Domain events as delivered to GraphQL subscribers."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON


@strawberry.type(description="A domain event (CloudEvent) published by one of the services")
class CustomerEvent:
    id: strawberry.ID
    type: str = strawberry.field(description="CloudEvents type, e.g. crm.tags.assigned.v1")
    subject: str | None = strawberry.field(description="The customer (or other resource) it concerns")
    source: str
    time: str
    data: JSON

    @classmethod
    def from_cloudevent(cls, event: dict[str, Any]) -> CustomerEvent:
        return cls(
            id=strawberry.ID(str(event["id"])),
            type=str(event["type"]),
            subject=event.get("subject") or None,
            source=str(event.get("source", "")),
            time=str(event.get("time", "")),
            data=event.get("data", {}),
        )
