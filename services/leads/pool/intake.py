"""New leads into a pool, and to a rep by the pool's assignment rule (services/leads/pool/assignment.py)."""

from __future__ import annotations

from typing import Any

from common.errors import FailedPrecondition
from services.leads.pool.assignment import candidates
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
