"""The `lead.status` system tag: the leads service's status, mirrored from its profile events.

Durable `tags-lead-status` on `<root>.evt.*.leads.customer_updated` (the whole profile with its
`status` and `updated_at`; `customer_created` needs no consumer: every customer is created `new`). Each
event assigns the status through the one write door (`TagOperations.assign` → `write`), so history,
events, segment membership and the index follow as for any assignment, with the event id as provenance.
A customer still `new` that never held the tag gets none: only leads that moved carry it, so the tag
costs nothing for the bulk of fresh leads and "no lead.status" reads as "new".
Idempotent: a redelivery finds the same value active and changes nothing; an event whose `updated_at`
is older than the active value's is ignored inside the guarded write, so a late delivery never turns a
won customer back into an earlier status. Recovery's "who is won" reads it (`lead.status = won`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from common.bus import Consumer
from common.errors import InvalidArgument
from common.ids import require_customer_id
from common.timeutil import parse_iso_instant
from services.tags.model import AssignInput, Assignment, Evidence, TagDef

if TYPE_CHECKING:
    from services.tags.operations import TagOperations

TAG_KEY = "lead.status"
ACTOR = "svc:leads"
# The leads service's lifecycle (services/leads/status.py), as the enum the tag accepts.
STATUSES = ("new", "contacted", "qualified", "opportunity", "won", "lost", "invalid")
DURABLE = "tags-lead-status"


def system_definition() -> TagDef:
    """The definition every tenant gets the first time one of its leads is created or changed."""
    return TagDef(
        key=TAG_KEY,
        display_name="线索状态",
        description="The lead's status in the leads service (new → contacted → … → won / lost, invalid)",
        group="lead",
        category="system",
        value_type="enum",
        allowed_values=STATUSES,
        exclusive=False,
    )


@dataclass(frozen=True, kw_only=True)
class StatusFact:
    event_id: str
    customer_id: str
    status: str
    at: datetime

    def as_input(self) -> AssignInput:
        return AssignInput(
            tag_key=TAG_KEY,
            value=self.status,
            source="system",
            confidence=1.0,
            evidence=Evidence(event_ids=(self.event_id,)),
        )


def parse_profile_event(event: dict[str, Any]) -> StatusFact:
    """Decode `customer_created`/`customer_updated`; malformed data raises InvalidArgument (dead letter)."""
    data = event.get("data") or {}
    customer_id = data.get("id")
    if not isinstance(customer_id, str):
        raise InvalidArgument("profile event data lacks id", field="data.id")
    require_customer_id(customer_id, field="data.id")
    status = data.get("status") or "new"
    if status not in STATUSES:
        raise InvalidArgument(
            f"profile event has status {status!r}; expected one of {', '.join(STATUSES)}", field="data.status"
        )
    updated = data.get("updated_at")
    if not isinstance(updated, str):
        raise InvalidArgument("profile event data lacks updated_at", field="data.updated_at")
    return StatusFact(
        event_id=str(event["id"]),
        customer_id=customer_id,
        status=status,
        at=parse_iso_instant(updated, field="data.updated_at"),
    )


def lead_status_consumer(ops: TagOperations) -> Consumer:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        fact = parse_profile_event(event)
        if fact.status != "new":  # a `new` fact only ever replaces a tag that exists, with its definition
            await ops.ensure_system_tag(tenant, system_definition())

        def stale(stored: dict[str, Assignment]) -> bool:
            current = stored.get(TAG_KEY)
            if current is None:
                return fact.status == "new"  # a lead that never moved carries no tag
            return fact.at < current.assigned_at

        await ops.assign(
            tenant,
            fact.customer_id,
            [fact.as_input()],
            roles=None,
            actor=ACTOR,
            assigned_at=fact.at,
            reason="lead status",
            unless=stale,
        )

    return Consumer(
        durable=DURABLE, stream_kind="evt", filter_subject="evt.*.leads.customer_updated", handler=handle
    )
