"""The `lead.lost_reason` system tag, fed by the leads service's `released` events (pure part).

When a rep releases a lead back to the pool they name a lost reason (预算不足, 选择竞品, … — the reasons
each pool configures, or 无跟进 for an automatic release). The tags service mirrors the reason of the
latest release as a system tag, so segments and recovery searches can use it ("lost to a competitor").
The reasons are the tenant's own, so the tag is free text rather than an enum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument
from common.ids import require_customer_id
from services.tags.model import AssignInput, Evidence, TagDef

TAG_KEY = "lead.lost_reason"
ACTOR = "svc:leads"
MAX_REASON = 40


def system_definition() -> TagDef:
    """The definition every tenant gets the first time one of its leads is released."""
    return TagDef(
        key=TAG_KEY,
        display_name="流失原因",
        description="Why the lead was last released back to the pool (the leads service's lost reason)",
        group="lead",
        category="system",
        value_type="text",
        exclusive=False,
    )


@dataclass(frozen=True, kw_only=True)
class Released:
    """A decoded `leads.released` event: whose lead, and the reason it was released with."""

    event_id: str
    customer_id: str
    reason: str
    note: str

    def as_input(self) -> AssignInput:
        return AssignInput(
            tag_key=TAG_KEY,
            value=self.reason,
            source="system",
            confidence=1.0,
            evidence=Evidence(event_ids=(self.event_id,)),
        )


def parse_released(event: dict[str, Any]) -> Released:
    """Decode a CloudEvent; malformed data raises InvalidArgument so the runner dead-letters it."""
    data = event.get("data") or {}
    customer_id = data.get("customer_id")
    if not isinstance(customer_id, str):
        raise InvalidArgument("released data lacks customer_id", field="data.customer_id")
    require_customer_id(customer_id, field="data.customer_id")
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidArgument(
            f"released data needs a reason of 1 to {MAX_REASON} characters", field="data.reason"
        )
    return Released(
        event_id=str(event["id"]),
        customer_id=customer_id,
        reason=reason.strip(),
        note=str(data.get("note", "")),
    )
