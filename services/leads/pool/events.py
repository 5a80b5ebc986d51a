"""The pool's events (`<root>.evt.<tenant>.leads.<event>`), built to be stored with the change.

- `claimed`: customer_id, pool_id, owner_id, claim_id, assigned (true when a rule assigned it), at.
- `released`: customer_id, pool_id, owner_id (who held it), reason, note, automatic, claim_id, at.
- `callback_due`: callback_id, customer_id, owner_id, promised_by, due_at, text, quote, conversation_id.
- `callback_missed`: the same fields, once the grace period passed without a follow-up.
- `followup_recorded`: followup_id, customer_id, pool_id, owner_id (who holds the lead), recorded_by,
  kind (call, visit, message, meeting), outcome, at. Intent counts it as contacting the customer.
Times are ISO-8601 UTC. The subject of each is the customer id.
"""

from __future__ import annotations

from typing import Any

from common.outbox import Outbox, PendingEvent
from common.timeutil import from_ms, iso_utc

CLAIMED, RELEASED, CALLBACK_DUE, CALLBACK_MISSED = "claimed", "released", "callback_due", "callback_missed"
FOLLOWUP_RECORDED = "followup_recorded"


def claimed(
    outbox: Outbox, lead: dict[str, Any], *, owner: str, claim_id: str, at_ms: int, assigned: bool
) -> PendingEvent:
    data = {
        "customer_id": lead["customer_id"],
        "pool_id": lead["pool_id"],
        "owner_id": owner,
        "claim_id": claim_id,
        "assigned": assigned,
        "at": iso_utc(from_ms(at_ms)),
    }
    return outbox.event(tenant=lead["tenant_id"], event=CLAIMED, data=data, subject_id=lead["customer_id"])


def released(
    outbox: Outbox, lead: dict[str, Any], *, reason: str, note: str, automatic: bool, at_ms: int
) -> PendingEvent:
    data = {
        "customer_id": lead["customer_id"],
        "pool_id": lead["pool_id"],
        "owner_id": lead["owner_id"],
        "claim_id": lead["claim_id"],
        "reason": reason,
        "note": note,
        "automatic": automatic,
        "at": iso_utc(from_ms(at_ms)),
    }
    return outbox.event(tenant=lead["tenant_id"], event=RELEASED, data=data, subject_id=lead["customer_id"])


def callback_event(outbox: Outbox, callback: dict[str, Any], *, event: str) -> PendingEvent:
    data = {
        "callback_id": callback["_id"],
        "customer_id": callback["customer_id"],
        "owner_id": callback["owner_id"],
        "promised_by": callback["promised_by"],
        "due_at": iso_utc(from_ms(callback["due_ms"])),
        "text": callback["text"],
        "quote": callback["quote"],
        "conversation_id": callback["conversation_id"],
    }
    return outbox.event(
        tenant=callback["tenant_id"], event=event, data=data, subject_id=callback["customer_id"]
    )


def followup_recorded(outbox: Outbox, lead: dict[str, Any], entry: dict[str, Any]) -> PendingEvent:
    """Stored with the follow-up itself (one write), so a follow-up is never recorded unannounced."""
    data = {
        "followup_id": entry["_id"],
        "customer_id": lead["customer_id"],
        "pool_id": lead["pool_id"],
        "owner_id": lead["owner_id"],
        "recorded_by": entry["rep_id"],
        "kind": entry["kind"],
        "outcome": entry["outcome"],
        "at": iso_utc(from_ms(entry["at_ms"])),
    }
    return outbox.event(
        tenant=lead["tenant_id"], event=FOLLOWUP_RECORDED, data=data, subject_id=lead["customer_id"]
    )
