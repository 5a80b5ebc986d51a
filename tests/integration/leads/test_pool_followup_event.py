"""A follow-up is announced with its own write: `leads.followup_recorded` (docs/events.md), once per
follow-up, with the data intent needs to count it as contact; a refused follow-up announces nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from crm.leads.v1 import pool_pb2

from common.config import Settings
from common.timeutil import from_timestamp, iso_utc
from tests.integration.leads.pool_helpers import PoolWorld, as_admin, as_rep, pool_world
from tests.support.events import connect, subscribe


@pytest.fixture
async def world(settings_for: Callable[..., Settings]) -> AsyncIterator[PoolWorld]:
    async with pool_world(settings_for("leads")) as w:
        yield w


async def test_a_follow_up_publishes_followup_recorded_and_a_refused_one_nothing(
    world: PoolWorld, nats_url: str, settings_for: Callable[..., Settings]
) -> None:
    root = settings_for("leads").subject_root
    nc = await connect(nats_url)
    try:
        recorded = await subscribe(nc, f"{root}.evt.*.leads.followup_recorded")
        pool = await world.define()
        lead, unclaimed = await world.pooled(pool.id, 2)
        await world.pool.ClaimLead(
            pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=pool.id), metadata=as_rep("li")
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await world.pool.RecordFollowUp(
                pool_pb2.RecordFollowUpRequest(
                    customer_id=unclaimed, kind=pool_pb2.FOLLOW_UP_KIND_CALL, outcome="没人接"
                ),
                metadata=as_rep("li"),
            )
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        done = await world.pool.RecordFollowUp(
            pool_pb2.RecordFollowUpRequest(
                customer_id=lead, kind=pool_pb2.FOLLOW_UP_KIND_MEETING, outcome="约了演示"
            ),
            metadata=as_admin(),  # an admin records it for the rep who holds the lead
        )
        (event,) = await recorded.wait_for(1, within=10)
        at = from_timestamp(done.at)
        assert at is not None
        assert event["type"] == "crm.leads.followup_recorded.v1" and event["subject"] == lead
        data = event["data"]
        assert data.pop("followup_id").startswith("fu_")
        assert data == {
            "customer_id": lead,
            "pool_id": pool.id,
            "owner_id": "li",
            "recorded_by": "boss",  # who recorded it, not who holds the lead
            "kind": "meeting",
            "outcome": "约了演示",
            "at": iso_utc(at),
        }
        await asyncio.sleep(0.5)
        assert len(recorded.events) == 1
    finally:
        await nc.close()
