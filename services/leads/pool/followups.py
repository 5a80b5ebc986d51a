"""Follow-ups (CALL, VISIT, MESSAGE, MEETING) of a claimed lead, and what each one moves.

A follow-up is stored with the lead's `last_follow_up_ms` in one write (a pending insert into
`follow_ups`, and the `followup_recorded` event other services count as a contact), guarded by the claim it belongs to; then the claim's auto-release timer is moved to
`follow_up_days` after it, and the lead's due and missed call-backs are closed (docs/lead-pool.md).
"""

from __future__ import annotations

from typing import Any

from common.errors import Contended, FailedPrecondition, InvalidArgument, PermissionDenied
from common.ids import new_id
from common.outbox import Outbox, Pending
from common.scheduler import Scheduler
from common.timeutil import from_ms
from services.leads.pool import events
from services.leads.pool.callbacks import CallbackStore
from services.leads.pool.claims import AUTO_RELEASE, Claims
from services.leads.pool.store import FOLLOW_UPS, POOL_LEADS

KINDS = ("call", "visit", "message", "meeting")
MAX_OUTCOME, MAX_NOTES = 200, 4000

Document = dict[str, Any]


def check_follow_up(kind: str, outcome: str, notes: str) -> tuple[str, str, str]:
    """(kind, outcome, notes) cleaned, or InvalidArgument naming the field."""
    if kind not in KINDS:
        raise InvalidArgument(f"kind must be one of {', '.join(k.upper() for k in KINDS)}", field="kind")
    outcome = outcome.strip()
    if not outcome or len(outcome) > MAX_OUTCOME:
        raise InvalidArgument(f"outcome must have 1 to {MAX_OUTCOME} characters", field="outcome")
    if len(notes) > MAX_NOTES:
        raise InvalidArgument(f"notes have at most {MAX_NOTES} characters", field="notes")
    return kind, outcome, notes.strip()


class FollowUps:
    def __init__(
        self, claims: Claims, callbacks: CallbackStore, outbox: Outbox, scheduler: Scheduler
    ) -> None:
        self.claims = claims
        self.callbacks = callbacks
        self.outbox = outbox
        self.scheduler = scheduler

    async def record(
        self,
        tenant: str,
        customer_id: str,
        *,
        rep: str,
        is_admin: bool,
        kind: str,
        outcome: str,
        notes: str,
        now_ms: int,
    ) -> Document:
        kind, outcome, notes = check_follow_up(kind, outcome, notes)
        for _ in range(4):
            lead, rules = await self.claims.lead_and_pool(tenant, customer_id)
            owner = lead.get("owner_id")
            if not owner:
                raise FailedPrecondition(
                    f"lead {customer_id} is unclaimed; claim it before following up", field="customer_id"
                )
            if owner != rep and not is_admin:
                raise PermissionDenied(
                    f"lead {customer_id} belongs to {owner}; only they or an admin record its follow-ups"
                )
            entry = {
                "_id": new_id("fu"),
                "tenant_id": tenant,
                "customer_id": customer_id,
                "claim_id": lead["claim_id"],
                "rep_id": rep,
                "kind": kind,
                "outcome": outcome,
                "notes": notes,
                "at_ms": now_ms,
            }
            due_ms = now_ms + rules.follow_up_ms
            items: list[Pending] = [
                self.outbox.insert(FOLLOW_UPS, entry),
                events.followup_recorded(self.outbox, lead, entry),
            ]
            fields = {"last_follow_up_ms": now_ms, "release_due_ms": due_ms}
            if await self.claims.store.change(lead, fields, items, claim_id=lead["claim_id"]):
                await self.outbox.publish(POOL_LEADS, lead["_id"], items)
                await self.scheduler.schedule(
                    tenant=tenant,
                    kind=AUTO_RELEASE,
                    key=str(lead["claim_id"]),
                    due_at=from_ms(due_ms),
                    payload={"customer_id": customer_id},
                )
                await self.callbacks.close(tenant, customer_id, by=rep, now_ms=now_ms)
                await self.claims.followed_up(tenant, customer_id, rep)
                return entry
        raise Contended(f"lead {customer_id} kept changing; try again", field="customer_id")
