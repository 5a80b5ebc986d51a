"""Who gets a new lead (pure): the pool's assignment rule over its members and their loads.

- `none`: the lead waits unclaimed in the pool for a rep to claim it.
- `round_robin`: the members in their listed order, one after another; the turn is a counter in the
  pool document advanced atomically, so two intakes at once never pick the same turn.
- `capacity`: the member with the most free places (limit − held), ties by listed order.
A member already at the limit is skipped (round-robin tries the next ones); when every member is full
the lead stays unclaimed. By region: a new customer enters the pool whose `region` equals the
customer's, else the tenant's pool without a region (`pool_for_region`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.leads.pool.rules import ASSIGN_CAPACITY, ASSIGN_ROUND_ROBIN, PoolRules


def candidates(rules: PoolRules, *, turn: int, loads: Mapping[str, int]) -> list[str]:
    """Members to try, best first, for the intake whose round-robin turn is `turn`; full ones left out."""
    members = list(rules.members)
    free = [m for m in members if loads.get(m, 0) < rules.claim_limit]
    if rules.assignment == ASSIGN_ROUND_ROBIN and members:
        start = turn % len(members)
        rotated = members[start:] + members[:start]
        return [m for m in rotated if m in free]
    if rules.assignment == ASSIGN_CAPACITY:
        order = {m: i for i, m in enumerate(members)}
        return sorted(free, key=lambda m: (-(rules.claim_limit - loads.get(m, 0)), order[m]))
    return []


def pool_for_region(pools: Sequence[PoolRules], region: str) -> PoolRules | None:
    """The pool a new customer of `region` enters: same region first, else the pool without one."""
    wanted = region.strip().casefold()
    for pool in pools:
        if wanted and pool.region.casefold() == wanted:
            return pool
    return next((p for p in pools if not p.region), None)
