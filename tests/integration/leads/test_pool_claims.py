"""Claiming and releasing pool leads over gRPC: the race, limits, cooldown, reasons, history, tenants."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from crm.leads.v1 import pool_pb2
from grpc_status import rpc_status

from common.config import Settings
from services.leads.pool.loads import LoadStore
from tests.integration.leads.pool_helpers import PoolWorld, as_admin, as_rep, pool_world
from tests.support.events import connect, subscribe


@pytest.fixture
async def world(settings_for: Callable[..., Settings]) -> AsyncIterator[PoolWorld]:
    async with pool_world(settings_for("leads")) as w:
        yield w


def why(err: grpc.aio.AioRpcError) -> str:
    """The `why` of the ErrorInfo a refused claim carries."""
    from google.rpc import error_details_pb2

    status = rpc_status.from_call(err)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return str(info.metadata.get("why", ""))
    return ""


async def claim(w: PoolWorld, rep: str, customer_id: str, pool_id: str) -> tuple[str, str]:
    try:
        reply = await w.pool.ClaimLead(
            pool_pb2.ClaimLeadRequest(customer_id=customer_id, pool_id=pool_id), metadata=as_rep(rep)
        )
        return "won", reply.owner_id
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.FAILED_PRECONDITION, err.details()
        return "lost", why(err)


@pytest.mark.parametrize(
    ("claims", "lead_count", "reps", "limit"),
    [(50, 10, 5, 3), (1000, 100, 50, 5)],
    ids=["50-claims-10-leads-5-reps-limit-3", "1000-claims-100-leads-50-reps-limit-5"],
)
async def test_a_burst_of_concurrent_claims_gives_each_lead_one_owner_and_nobody_more_than_the_limit(
    world: PoolWorld, claims: int, lead_count: int, reps: int, limit: int
) -> None:
    pool = await world.define(claim_limit=limit)
    pooled: list[str] = []
    while len(pooled) < lead_count:
        pooled += await world.pooled(pool.id, min(50, lead_count - len(pooled)))
    names = [f"rep-{i}" for i in range(reps)]
    attempts = [(names[i % reps], random.choice(pooled)) for i in range(claims)]

    results = await asyncio.gather(*(claim(world, rep, lead, pool.id) for rep, lead in attempts))

    wins = [attempts[i] for i, (outcome, _) in enumerate(results) if outcome == "won"]
    owners: dict[str, str] = {}
    for start in range(0, lead_count, 200):
        found = await world.pool.BatchGetLeadFacts(
            pool_pb2.BatchGetLeadFactsRequest(customer_ids=pooled[start : start + 200]), metadata=as_admin()
        )
        owners.update({f.customer_id: f.lead.owner_id for f in found.facts if f.lead.owner_id})
    assert len(wins) == len(owners)  # every reported win is a lead owned, none twice
    assert {lead: rep for rep, lead in wins} == owners
    assert max(Counter(owners.values()).values()) <= limit
    losses = {reason for outcome, reason in results if outcome == "lost"}
    assert losses <= {"already_claimed", "limit_reached"}
    assert all(reason for outcome, reason in results if outcome == "lost")  # every loser is told why
    # Places (reps × limit) exceed the leads: a lead somebody tried and nobody owns lost every claim to
    # a limit (a rep's places all reserved by their own claims at that instant), never for another reason.
    unowned = {lead for _, lead in attempts} - set(owners)
    assert all(
        reason == "limit_reached"
        for (_, lead), (_, reason) in zip(attempts, results, strict=True)
        if lead in unowned
    )


async def test_a_rep_at_the_limit_is_refused_and_a_release_frees_a_place(world: PoolWorld) -> None:
    pool = await world.define(claim_limit=2, cooldown_hours=0)
    a, b, c = await world.pooled(pool.id, 3)
    assert (await claim(world, "li", a, pool.id))[0] == "won"
    assert (await claim(world, "li", b, pool.id))[0] == "won"
    assert await claim(world, "li", c, pool.id) == ("lost", "limit_reached")

    await world.pool.ReleaseLead(
        pool_pb2.ReleaseLeadRequest(customer_id=a, reason="无响应"), metadata=as_rep("li")
    )

    assert await claim(world, "li", c, pool.id) == ("won", "li")


async def test_release_needs_one_of_the_pools_reasons_and_changes_nothing_without(world: PoolWorld) -> None:
    pool = await world.define()
    (lead,) = await world.pooled(pool.id, 1)
    await claim(world, "li", lead, pool.id)

    for reason in ("", "不喜欢"):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await world.pool.ReleaseLead(
                pool_pb2.ReleaseLeadRequest(customer_id=lead, reason=reason), metadata=as_rep("li")
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "预算不足" in (refused.value.details() or "")

    assert (await world.facts(lead)).lead.owner_id == "li"


async def test_only_the_owner_or_an_admin_releases_and_the_next_owner_sees_the_history(
    world: PoolWorld, nats_url: str, settings_for: Callable[..., Settings]
) -> None:
    root = settings_for("leads").subject_root
    nc = await connect(nats_url)
    try:
        released = await subscribe(nc, f"{root}.evt.acme.leads.released")
        pool = await world.define(cooldown_hours=48)
        (lead,) = await world.pooled(pool.id, 1)
        await claim(world, "li", lead, pool.id)
        await world.pool.RecordFollowUp(
            pool_pb2.RecordFollowUpRequest(
                customer_id=lead, kind=pool_pb2.FOLLOW_UP_KIND_CALL, outcome="没接", notes="下午再打"
            ),
            metadata=as_rep("li"),
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await world.pool.ReleaseLead(
                pool_pb2.ReleaseLeadRequest(customer_id=lead, reason="无响应"), metadata=as_rep("wang")
            )
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

        await world.pool.ReleaseLead(
            pool_pb2.ReleaseLeadRequest(customer_id=lead, reason="选择竞品", note="用了友商"),
            metadata=as_rep("li"),
        )
        assert await claim(world, "li", lead, pool.id) == ("lost", "cooldown")
        assert await claim(world, "wang", lead, pool.id) == ("won", "wang")

        facts = await world.facts(lead)
        assert facts.lead.owner_id == "wang"
        assert [(o.owner_id, o.reason, o.note) for o in facts.owners] == [("li", "选择竞品", "用了友商")]
        assert [(f.rep_id, f.outcome, f.notes) for f in facts.follow_ups] == [("li", "没接", "下午再打")]
        (event,) = await released.wait_for(1)
        assert event["type"] == "crm.leads.released.v1"
        assert event["data"] | {"at": ""} == event["data"] | {
            "customer_id": lead,
            "owner_id": "li",
            "reason": "选择竞品",
            "note": "用了友商",
            "automatic": False,
            "at": "",
        }
    finally:
        await nc.close()


async def test_a_claim_names_the_leads_own_pool_and_tenants_never_see_each_others_pools(
    world: PoolWorld,
) -> None:
    east = await world.define(name="East")
    west = await world.define(name="West")
    (lead,) = await world.pooled(east.id, 1)
    assert await claim(world, "li", lead, west.id) == ("lost", "not_in_pool")

    other = await world.pool.ListPools(pool_pb2.ListPoolsRequest(), metadata=as_admin("globex"))
    assert list(other.pools) == []
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await world.pool.ClaimLead(
            pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=east.id), metadata=as_rep("li", "globex")
        )
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await world.facts(lead)).lead.owner_id == ""


async def test_round_robin_assigns_new_leads_to_the_members_in_turn(world: PoolWorld) -> None:
    pool = await world.define(
        assignment=pool_pb2.ASSIGNMENT_RULE_ROUND_ROBIN, members=["li", "wang", "zhao"], claim_limit=1
    )
    leads = await world.pooled(pool.id, 4)
    owners = [(await world.facts(lead)).lead.owner_id for lead in leads]
    assert sorted(owners[:3]) == ["li", "wang", "zhao"]
    assert owners[3] == ""  # every member is at the limit: the lead waits in the pool


async def test_new_customers_enter_their_regions_pool_and_capacity_spreads_them_over_the_members(
    world: PoolWorld,
) -> None:
    east = await world.define(
        name="华东",
        region="上海",
        assignment=pool_pb2.ASSIGNMENT_RULE_CAPACITY,
        members=["li", "wang"],
        claim_limit=2,
    )
    default = await world.define(name="默认", region="")
    shanghai = await world.customers(3, region="上海")
    (beijing,) = await world.customers(1, region="北京")

    async def placed() -> bool:
        found = await world.pool.BatchGetLeadFacts(
            pool_pb2.BatchGetLeadFactsRequest(customer_ids=[*shanghai, beijing]), metadata=as_admin()
        )
        return len(found.facts) == 4

    for _ in range(100):
        if await placed():
            break
        await asyncio.sleep(0.2)
    facts = {cid: await world.facts(cid) for cid in [*shanghai, beijing]}
    assert {facts[c].lead.pool_id for c in shanghai} == {east.id}
    assert sorted(facts[c].lead.owner_id for c in shanghai) == ["li", "li", "wang"]
    assert (facts[beijing].lead.pool_id, facts[beijing].lead.owner_id) == (default.id, "")


async def test_a_place_left_reserved_by_a_crash_is_healed_but_a_claim_in_flight_is_not(
    world: PoolWorld,
) -> None:
    pool = await world.define(claim_limit=1)
    a, b, c = await world.pooled(pool.id, 3)
    loads = LoadStore(world.running.runtime.db)
    now = int(time.time() * 1000)
    # A claim that reserved li's only place for `b` a minute ago and died before taking the lead.
    assert await loads.reserve("acme", pool.id, "li", b, limit=1, now_ms=now - 60_000)

    assert await claim(world, "li", a, pool.id) == ("won", "li")
    assert await loads.held("acme", pool.id, "li") == 1

    # A reservation of a second ago is a claim in flight: it keeps its place.
    assert await loads.reserve("acme", pool.id, "wang", b, limit=1, now_ms=now)
    assert await claim(world, "wang", c, pool.id) == ("lost", "limit_reached")
