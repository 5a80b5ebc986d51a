"""The profile's owner converges to the pool lead's even when the claim's own profile write never
happened (a crash between the two documents): the claim's `claimed` event, stored with the lead's
change, drives leads' consumer to write it — once, with its history — and a stale state never wins."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest
from crm.leads.v1 import leads_pb2

from common.config import Settings
from services.leads.pool.claims import Claims
from services.leads.pool.loads import LoadStore
from services.leads.pool.owner import owner_plan
from services.leads.pool.store import PoolStore
from tests.e2e.graphql import eventually
from tests.integration.leads.pool_helpers import PoolWorld, as_admin, pool_world


@pytest.fixture
async def world(settings_for: Callable[..., Settings]) -> AsyncIterator[PoolWorld]:
    async with pool_world(settings_for("leads")) as w:
        yield w


async def profile(world: PoolWorld, customer_id: str) -> leads_pb2.Customer:
    reply: leads_pb2.Customer = await world.leads.GetCustomer(
        leads_pb2.GetCustomerRequest(id=customer_id), metadata=as_admin()
    )
    return reply


async def test_a_claim_whose_profile_write_was_lost_is_completed_by_its_event(world: PoolWorld) -> None:
    pool = await world.define(claim_limit=2)
    [customer] = await world.pooled(pool.id, 1)
    runtime = world.running.runtime
    # A second Claims over the same database without the fast path: the lead is claimed and its
    # `claimed` event stored and published, but nobody writes the profile (what a crash leaves).
    crashed = Claims(PoolStore(runtime.db), LoadStore(runtime.db), runtime.outbox, runtime.scheduler)
    await crashed.claim("acme", customer, "li", pool_id=pool.id, now_ms=int(time.time() * 1000))

    async def owned() -> bool:
        return (await profile(world, customer)).owner_id == "li"

    await eventually(owned, within=15, every=0.1)
    history = await world.leads.ListProfileHistory(
        leads_pb2.ListProfileHistoryRequest(id=customer), metadata=as_admin()
    )
    owner_entries = [e for e in history.entries if any(c.field == "owner_id" for c in e.changes)]
    assert [(e.actor, e.reason) for e in owner_entries] == [("li", "claimed")]


def test_the_profile_follows_only_a_later_state_of_the_lead() -> None:
    lead = {"owner_id": "li", "seq": 3}
    assert owner_plan({"owner_id": "", "owner_seq": 2}, lead) == (
        {"owner_id": "li", "owner_seq": 3},
        owner_plan({"owner_id": ""}, lead)[1],  # type: ignore[index]
    )
    assert owner_plan({"owner_id": "wang", "owner_seq": 4}, lead) is None  # a stale read loses
    assert owner_plan({"owner_id": "li", "owner_seq": 1}, lead) == ({"owner_seq": 3}, None)  # silent catch-up
    cleared = owner_plan({"owner_id": "li"}, {"owner_id": None, "seq": 5})
    assert cleared is not None and cleared[1] is not None and cleared[1].new == ""
