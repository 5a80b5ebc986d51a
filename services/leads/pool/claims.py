"""Claim and release of pool leads: atomic, limited per rep, with cooldowns and reasons.

A claim (1) checks the lead is in the named pool, unowned and not in the rep's cooldown, (2) reserves
one of the rep's places (`LoadStore.reserve`, guarded by `count < limit`), (3) takes the lead with one
update guarded by its revision and `owner_id: null` — of concurrent claims exactly one matches — and
stores in that same write the `claimed` event and the auto-release timer (`leads.auto_release`, keyed
by the claim, due `follow_up_days` after the claim). A loser gives its place back and is told why.
A release (by the owner, an admin, or the timer with 无跟进) clears the owner, records the owner span
with its reason and the releasing rep's cooldown, and publishes `released`, again in one write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from common.errors import Contended, InvalidArgument, NotFound, PermissionDenied
from common.ids import new_id
from common.outbox import Outbox, Pending
from common.scheduler import TIMERS, Scheduler, Timer, timer_document
from common.timeutil import from_ms
from services.leads.pool import events
from services.leads.pool.loads import LoadStore
from services.leads.pool.rules import (
    ALREADY_CLAIMED,
    COOLDOWN,
    LIMIT_REACHED,
    NO_FOLLOW_UP,
    NOT_IN_POOL,
    PoolRules,
    check_release_reason,
    claim_refused,
)
from services.leads.pool.store import OWNER_SPANS, POOL_LEADS, PoolStore

AUTO_RELEASE = "leads.auto_release"
# Who the profile's history names for a change no person made (rule assignment, auto-release).
POOL_ACTOR = "svc:leads-pool"
MAX_ATTEMPTS = 6
# How often, and how long, a claim at the limit waits for the rep's own claims still deciding.
IN_FLIGHT_WAITS = 5
IN_FLIGHT_PAUSE = 0.02

Document = dict[str, Any]
# Called with (tenant, customer_id) after a claim or release landed: the profile follows (owner.py).
OwnerHook = Callable[[str, str], Awaitable[None]]
# Called with (tenant, customer_id, rep) after a follow-up landed: a new lead becomes contacted.
FollowUpHook = Callable[[str, str, str], Awaitable[None]]
log = logging.getLogger(__name__)


class Claims:
    def __init__(self, store: PoolStore, loads: LoadStore, outbox: Outbox, scheduler: Scheduler) -> None:
        self.store = store
        self.loads = loads
        self.outbox = outbox
        self.scheduler = scheduler
        self.on_owner_change: OwnerHook | None = None
        self.on_follow_up: FollowUpHook | None = None

    async def owner_changed(self, tenant: str, customer_id: str) -> None:
        """The fast path of the profile's owner; a failure is left to the claimed/released consumer."""
        if self.on_owner_change is None:
            return
        try:
            await self.on_owner_change(tenant, customer_id)
        except Exception:  # the event's consumer converges the profile (docs/lead-pool.md)
            log.warning(
                "profile owner of %s not updated yet; the event consumer will", customer_id, exc_info=True
            )

    async def followed_up(self, tenant: str, customer_id: str, rep: str) -> None:
        """The profile's status after a follow-up (owner.py); a failure leaves the follow-up stored."""
        if self.on_follow_up is None:
            return
        try:
            await self.on_follow_up(tenant, customer_id, rep)
        except Exception:
            log.warning("status of %s not moved after its follow-up", customer_id, exc_info=True)

    async def lead_and_pool(self, tenant: str, customer_id: str) -> tuple[Document, PoolRules]:
        lead = await self.store.lead(tenant, customer_id)
        if lead is None:
            raise NotFound(f"customer {customer_id} is in no pool", field="customer_id")
        rules = await self.store.pool(tenant, lead["pool_id"])
        if rules is None:
            raise NotFound(f"pool {lead['pool_id']} does not exist", field="pool_id")
        return lead, rules

    async def claim(
        self, tenant: str, customer_id: str, rep: str, *, pool_id: str, now_ms: int, assigned: bool = False
    ) -> Document:
        """Make `rep` the owner of the lead, or raise FAILED_PRECONDITION saying why not (see module)."""
        lead, rules = await self.lead_and_pool(tenant, customer_id)
        if pool_id and lead["pool_id"] != pool_id:
            raise claim_refused(
                NOT_IN_POOL, f"customer {customer_id} is not in pool {pool_id}", customer_id=customer_id
            )
        for _ in range(MAX_ATTEMPTS):
            self._check_claimable(lead, rep, now_ms=now_ms)
            if not await self._reserve(tenant, rules, rep, customer_id, now_ms=now_ms):
                raise claim_refused(
                    LIMIT_REACHED,
                    f"{rep} already holds {rules.claim_limit} leads of pool {rules.name}, its limit",
                    customer_id=customer_id,
                    limit=str(rules.claim_limit),
                )
            claim_id = new_id("clm")
            due_ms = now_ms + rules.follow_up_ms
            timer = Timer(
                tenant=tenant,
                kind=AUTO_RELEASE,
                key=claim_id,
                due_at=from_ms(due_ms),
                payload={"customer_id": customer_id},
            )
            items: list[Pending] = [
                events.claimed(
                    self.outbox, lead, owner=rep, claim_id=claim_id, at_ms=now_ms, assigned=assigned
                ),
                self.outbox.insert(TIMERS, timer_document(timer)),
            ]
            fields = {
                "owner_id": rep,
                "claim_id": claim_id,
                "claimed_ms": now_ms,
                "last_follow_up_ms": None,
                "release_due_ms": due_ms,
                "cooldowns": [c for c in lead.get("cooldowns", []) if c["until_ms"] > now_ms],
                # What the profile's history says about this owner change (owner.py).
                "owner_actor": POOL_ACTOR if assigned else rep,
                "owner_reason": f"assigned by the rules of pool {rules.name}" if assigned else "claimed",
            }
            if await self.store.change(lead, fields, items, owner_id=None):
                await self.outbox.publish(POOL_LEADS, lead["_id"], items)
                await self.owner_changed(tenant, customer_id)
                return {**lead, **fields}
            await self.loads.give_back(tenant, rules.id, rep, customer_id)
            fresh = await self.store.lead(tenant, customer_id)
            if fresh is None:
                raise NotFound(f"customer {customer_id} is in no pool", field="customer_id")
            lead = fresh
        raise Contended(f"lead {customer_id} kept changing; try again", field="customer_id")

    def _check_claimable(self, lead: Document, rep: str, *, now_ms: int) -> None:
        customer_id = lead["customer_id"]
        owner = lead.get("owner_id")
        if owner:
            who = "you" if owner == rep else owner
            raise claim_refused(
                ALREADY_CLAIMED,
                f"lead {customer_id} is already claimed by {who}",
                customer_id=customer_id,
                owner_id=owner,
            )
        for cooldown in lead.get("cooldowns", []):
            if cooldown["rep"] == rep and cooldown["until_ms"] > now_ms:
                raise claim_refused(
                    COOLDOWN,
                    f"you released lead {customer_id}; you may claim it again after {from_ms(cooldown['until_ms']).isoformat()}",
                    customer_id=customer_id,
                    until=from_ms(cooldown["until_ms"]).isoformat(),
                )

    async def _reserve(
        self, tenant: str, rules: PoolRules, rep: str, customer_id: str, *, now_ms: int
    ) -> bool:
        """One of the rep's places, or False when the rep really is at the limit.

        At the limit, first drop what a crash left (`heal`); then, while some of the rep's places are held
        by the rep's own claims still deciding (a burst of claims by one rep), wait for them briefly, so
        a place that a losing claim gives back is not refused to this one.
        """
        for attempt in range(IN_FLIGHT_WAITS + 1):
            if await self.loads.reserve(
                tenant, rules.id, rep, customer_id, limit=rules.claim_limit, now_ms=now_ms
            ):
                return True
            if await self.loads.heal(tenant, rules.id, rep, now_ms=now_ms):
                continue
            if attempt == IN_FLIGHT_WAITS or not await self.loads.in_flight(tenant, rules.id, rep):
                return False
            await asyncio.sleep(IN_FLIGHT_PAUSE * (attempt + 1))
        return False

    async def release(
        self, tenant: str, customer_id: str, *, by: str, is_admin: bool, reason: str, note: str, now_ms: int
    ) -> Document:
        """Release a lead with one of its pool's lost reasons; only its owner or an admin may."""
        lead, rules = await self.lead_and_pool(tenant, customer_id)
        reason, note = check_release_reason(rules, reason, note)
        for _ in range(MAX_ATTEMPTS):
            owner = lead.get("owner_id")
            if not owner:
                raise InvalidArgument(
                    f"lead {customer_id} is not claimed; nothing to release", field="customer_id"
                )
            if owner != by and not is_admin:
                raise PermissionDenied(
                    f"lead {customer_id} belongs to {owner}; only they or an admin may release it"
                )
            done = await self._release(
                lead, rules, reason=reason, note=note, automatic=False, now_ms=now_ms, by=by
            )
            if done is not None:
                return done
            lead, rules = await self.lead_and_pool(tenant, customer_id)
        raise Contended(f"lead {customer_id} kept changing; try again", field="customer_id")

    async def auto_release(self, tenant: str, claim_id: str, payload: dict[str, Any]) -> None:
        """The `leads.auto_release` timer: release with 无跟进 if the claim went N days without follow-up.

        A follow-up moves the timer; if that move was lost, the handler finds the newer follow-up and
        moves the timer itself. A claim that ended already leaves nothing to do (idempotent).
        """
        customer_id = str(payload.get("customer_id", ""))
        lead = await self.store.lead(tenant, customer_id)
        if lead is None or lead.get("claim_id") != claim_id:
            return
        rules = await self.store.pool(tenant, lead["pool_id"])
        if rules is None:
            return
        now_ms = _now_ms()
        since = lead.get("last_follow_up_ms") or lead["claimed_ms"]
        due_ms = int(since) + rules.follow_up_ms
        if due_ms > now_ms:
            await self.scheduler.schedule(
                tenant=tenant, kind=AUTO_RELEASE, key=claim_id, due_at=from_ms(due_ms), payload=payload
            )
            return
        if (
            await self._release(
                lead, rules, reason=NO_FOLLOW_UP, note="", automatic=True, now_ms=now_ms, by=POOL_ACTOR
            )
            is None
        ):
            raise Contended(f"lead {customer_id} changed during its automatic release")  # the timer retries

    async def _release(
        self,
        lead: Document,
        rules: PoolRules,
        *,
        reason: str,
        note: str,
        automatic: bool,
        now_ms: int,
        by: str,
    ) -> Document | None:
        owner = str(lead["owner_id"])
        span = {
            "_id": lead["claim_id"],
            "tenant_id": lead["tenant_id"],
            "customer_id": lead["customer_id"],
            "pool_id": lead["pool_id"],
            "owner_id": owner,
            "claimed_ms": lead["claimed_ms"],
            "released_ms": now_ms,
            "reason": reason,
            "note": note,
            "automatic": automatic,
        }
        cooldowns = [c for c in lead.get("cooldowns", []) if c["until_ms"] > now_ms and c["rep"] != owner]
        if rules.cooldown_ms:
            cooldowns.append({"rep": owner, "until_ms": now_ms + rules.cooldown_ms})
        items: list[Pending] = [
            self.outbox.insert(OWNER_SPANS, span),
            events.released(self.outbox, lead, reason=reason, note=note, automatic=automatic, at_ms=now_ms),
        ]
        fields = {
            "owner_id": None,
            "claim_id": None,
            "claimed_ms": None,
            "release_due_ms": None,
            "last_reason": reason,
            "release_count": int(lead.get("release_count", 0)) + 1,
            "cooldowns": cooldowns,
            "owner_actor": by,
            "owner_reason": f"released: {reason}",
        }
        if not await self.store.change(lead, fields, items, owner_id=owner):
            return None
        await self.outbox.publish(POOL_LEADS, lead["_id"], items)
        await self.loads.give_back(lead["tenant_id"], lead["pool_id"], owner, lead["customer_id"])
        await self.scheduler.cancel(tenant=lead["tenant_id"], kind=AUTO_RELEASE, key=str(lead["claim_id"]))
        await self.owner_changed(lead["tenant_id"], lead["customer_id"])
        return {**lead, **fields}


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
