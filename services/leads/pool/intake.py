"""New leads into a pool, and to a rep by the pool's assignment rule (services/leads/pool/assignment.py)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from common.bus import Consumer
from common.errors import FailedPrecondition
from common.ids import require_customer_id
from services.leads.pool.assignment import candidates, pool_for_region
from services.leads.pool.claims import Claims
from services.leads.pool.rules import ASSIGN_NONE, PoolRules


async def add_lead(
    claims: Claims, tenant: str, customer_id: str, rules: PoolRules, *, now_ms: int
) -> dict[str, Any]:
    """Put the customer into the pool (no-op when it is in one already) and assign it by the rule.

    Assignment goes through the same atomic claim as a rep's own claim, so it respects every limit;
    a member who is full (or loses a race) is skipped, and with every member full the lead waits.
    """
    added = await claims.store.add(tenant, customer_id, rules.id, now_ms=now_ms)
    if added and rules.assignment != ASSIGN_NONE:
        turn = await claims.store.next_turn(tenant, rules.id)
        loads = await claims.loads.loads_of(tenant, rules.id, list(rules.members))
        for rep in candidates(rules, turn=turn, loads=loads):
            try:
                return await claims.claim(
                    tenant, customer_id, rep, pool_id=rules.id, now_ms=now_ms, assigned=True
                )
            except FailedPrecondition:
                continue
    lead = await claims.store.lead(tenant, customer_id)
    assert lead is not None
    return lead


INTAKE_DURABLE = "leads-pool-intake"


def intake_consumer(claims: Claims) -> Consumer:
    """New customers (leads' own `customer_created`) enter the pool of their region, else the tenant's
    pool without a region; none when the tenant has no pools. A customer created with an owner is
    claimed for that owner (within the limit), otherwise the pool's assignment rule applies.
    Redelivery finds the lead in its pool already and changes nothing.
    """

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        customer_id = require_customer_id(str(data.get("id", "")), field="data.id")
        rules = pool_for_region(await claims.store.pools_of(tenant), str(data.get("region") or ""))
        if rules is None:
            return
        now_ms = int(time.time() * 1000)
        owner = str(data.get("owner_id") or "")
        if not owner:
            await add_lead(claims, tenant, customer_id, rules, now_ms=now_ms)
            return
        if await claims.store.add(tenant, customer_id, rules.id, now_ms=now_ms):
            with contextlib.suppress(FailedPrecondition):  # the owner is full: the lead waits in the pool
                await claims.claim(tenant, customer_id, owner, pool_id=rules.id, now_ms=now_ms, assigned=True)

    return Consumer(
        durable=INTAKE_DURABLE,
        stream_kind="evt",
        filter_subject="evt.*.leads.customer_created",
        handler=handle,
    )
