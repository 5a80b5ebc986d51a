"""Follow-ups move the auto-release; a lead without one is released once with 无跟进; call-backs
fall due, are missed after the grace period and listed for recovery until someone follows up."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from crm.leads.v1 import pool_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from common import cloudevents
from common.bus import publish_event
from common.config import Settings
from common.timeutil import from_ms, from_timestamp, iso_utc, to_ms
from services.leads.pool.claims import AUTO_RELEASE
from tests.integration.leads.pool_helpers import PoolWorld, as_admin, as_rep, pool_world
from tests.support.events import Collector, connect, subscribe

DAY_MS = 86_400_000


@pytest.fixture
async def world(settings_for: Callable[..., Settings]) -> AsyncIterator[PoolWorld]:
    async with pool_world(settings_for("leads")) as w:
        yield w


def ts(value: datetime) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(value)
    return out


async def follow_up(world: PoolWorld, lead: str, rep: str = "li") -> pool_pb2.FollowUp:
    reply: pool_pb2.FollowUp = await world.pool.RecordFollowUp(
        pool_pb2.RecordFollowUpRequest(
            customer_id=lead, kind=pool_pb2.FOLLOW_UP_KIND_VISIT, outcome="见到老板"
        ),
        metadata=as_rep(rep),
    )
    return reply


async def missed(world: PoolWorld) -> list[pool_pb2.Callback]:
    reply = await world.pool.ListMissedCallbacks(
        pool_pb2.ListMissedCallbacksRequest(all_owners=True), metadata=as_admin()
    )
    return list(reply.callbacks)


async def wait_until(check: Callable[[], object], *, within: float = 20.0) -> None:
    import asyncio

    deadline = time.monotonic() + within
    while not await check():  # type: ignore[misc]
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.2)


async def test_a_follow_up_moves_the_auto_release_and_a_silent_lead_is_released_once_with_no_follow_up(
    world: PoolWorld, nats_url: str, settings_for: Callable[..., Settings]
) -> None:
    root = settings_for("leads").subject_root
    nc = await connect(nats_url)
    try:
        released = await subscribe(nc, f"{root}.evt.acme.leads.released")
        pool = await world.define(follow_up_days=5)
        (lead,) = await world.pooled(pool.id, 1)
        claimed = await world.pool.ClaimLead(
            pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=pool.id), metadata=as_rep("li")
        )
        claimed_at = from_timestamp(claimed.claimed_at)
        assert claimed_at is not None
        assert from_timestamp(claimed.release_due_at) == from_ms(to_ms(claimed_at) + 5 * DAY_MS)

        done = await follow_up(world, lead)
        facts = await world.facts(lead)
        moved_to = to_ms(from_timestamp(done.at)) + 5 * DAY_MS  # type: ignore[arg-type]
        assert to_ms(from_timestamp(facts.lead.release_due_at)) == moved_to  # type: ignore[arg-type]

        # Five days later (the clock is faked by moving the lead's last follow-up and its timer back).
        runtime = world.running.runtime
        stored = await runtime.db["pool_leads"].find_one({"customer_id": lead})
        assert stored is not None
        claim_id = stored["claim_id"]
        assert await runtime.scheduler.pending(tenant="acme", kind=AUTO_RELEASE, key=claim_id) == from_ms(
            moved_to
        )
        await runtime.db["pool_leads"].update_one(
            {"_id": stored["_id"]}, {"$set": {"last_follow_up_ms": int(time.time() * 1000) - 6 * DAY_MS}}
        )
        await runtime.scheduler.schedule(
            tenant="acme",
            kind=AUTO_RELEASE,
            key=claim_id,
            due_at=datetime.now(UTC),
            payload={"customer_id": lead},
        )

        (event,) = await released.wait_for(1, within=20)
        assert (event["data"]["reason"], event["data"]["automatic"], event["data"]["owner_id"]) == (
            "无跟进",
            True,
            "li",
        )
        facts = await world.facts(lead)
        assert facts.lead.owner_id == ""
        assert [(o.owner_id, o.reason, o.automatic) for o in facts.owners] == [("li", "无跟进", True)]
        # Once: the timer is gone, and firing it again changes nothing.
        assert await runtime.scheduler.pending(tenant="acme", kind=AUTO_RELEASE, key=claim_id) is None
        parts = world.running.parts
        assert parts is not None
        await parts.timers[AUTO_RELEASE]("acme", claim_id, {"customer_id": lead})
        await nc.flush()
        assert len(released.events) == 1
        # The rep's place came back: the pool's limit counts only leads held.
        mine = await world.pool.ListMyLeads(pool_pb2.ListMyLeadsRequest(), metadata=as_rep("li"))
        assert list(mine.leads) == []
    finally:
        await nc.close()


async def test_a_promised_call_back_falls_due_is_missed_and_leaves_the_list_when_someone_follows_up(
    world: PoolWorld, nats_url: str, settings_for: Callable[..., Settings]
) -> None:
    root = settings_for("leads").subject_root
    nc = await connect(nats_url)
    try:
        due_events: Collector = await subscribe(nc, f"{root}.evt.acme.leads.callback_due")
        pool = await world.define(callback_grace_hours=0)
        (lead,) = await world.pooled(pool.id, 1)
        await world.pool.ClaimLead(
            pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=pool.id), metadata=as_rep("li")
        )
        promised = await world.pool.PromiseCallback(
            pool_pb2.PromiseCallbackRequest(
                customer_id=lead, due_at=ts(datetime.now(UTC) + timedelta(seconds=1)), text="周五上午回电"
            ),
            metadata=as_rep("li"),
        )
        assert (promised.state, promised.owner_id, promised.source) == ("pending", "li", "rep")

        (event,) = await due_events.wait_for(1, within=20)
        assert (event["data"]["owner_id"], event["data"]["text"]) == ("li", "周五上午回电")

        async def listed() -> bool:
            return [c.id for c in await missed(world)] == [promised.id]

        await wait_until(listed)
        mine = await world.pool.ListMissedCallbacks(
            pool_pb2.ListMissedCallbacksRequest(), metadata=as_rep("li")
        )
        assert [c.text for c in mine.callbacks] == ["周五上午回电"]
        theirs = await world.pool.ListMissedCallbacks(
            pool_pb2.ListMissedCallbacksRequest(), metadata=as_rep("wang")
        )
        assert list(theirs.callbacks) == []

        await follow_up(world, lead)
        assert await missed(world) == []
    finally:
        await nc.close()


async def test_a_call_back_heard_in_a_conversation_is_listed_with_its_quote(
    world: PoolWorld, nats_url: str, settings_for: Callable[..., Settings]
) -> None:
    root = settings_for("leads").subject_root
    pool = await world.define(callback_grace_hours=0)
    (lead,) = await world.pooled(pool.id, 1)
    await world.pool.ClaimLead(
        pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=pool.id), metadata=as_rep("wang")
    )
    nc = await connect(nats_url)
    try:
        data = {
            "customer_id": lead,
            "conversation_id": "conv-1",
            "callback_at": iso_utc(datetime.now(UTC) - timedelta(hours=20)),
            "text": "明天下午三点",
            "quote": "你明天下午三点再打给我吧",
            "rep_id": "li",
        }
        envelope = cloudevents.make_event(
            type="crm.tags.callback_promised.v1", source="crm/tags", tenant="acme", data=data, subject=lead
        )
        await publish_event(nc.jetstream(), f"{root}.evt.acme.tags.callback_promised", envelope)

        async def listed() -> bool:
            return len(await missed(world)) == 1

        await wait_until(listed)
        (callback,) = await missed(world)
        assert (callback.owner_id, callback.promised_by, callback.text, callback.quote, callback.source) == (
            "wang",
            "li",
            "明天下午三点",
            "你明天下午三点再打给我吧",
            "conversation",
        )
        other = await world.pool.ListMissedCallbacks(
            pool_pb2.ListMissedCallbacksRequest(all_owners=True), metadata=as_admin("globex")
        )
        assert list(other.callbacks) == []
    finally:
        await nc.close()


async def test_a_call_back_falls_due_to_whoever_holds_the_lead_by_then(
    world: PoolWorld, nats_url: str, settings_for: Callable[..., Settings]
) -> None:
    root = settings_for("leads").subject_root
    nc = await connect(nats_url)
    try:
        due_events = await subscribe(nc, f"{root}.evt.acme.leads.callback_due")
        pool = await world.define(cooldown_hours=0)
        (lead,) = await world.pooled(pool.id, 1)
        claim = pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=pool.id)
        await world.pool.ClaimLead(claim, metadata=as_rep("li"))
        await world.pool.PromiseCallback(
            pool_pb2.PromiseCallbackRequest(
                customer_id=lead, due_at=ts(datetime.now(UTC) + timedelta(seconds=2))
            ),
            metadata=as_rep("li"),
        )
        await world.pool.ReleaseLead(
            pool_pb2.ReleaseLeadRequest(customer_id=lead, reason="非决策人"), metadata=as_rep("li")
        )
        await world.pool.ClaimLead(claim, metadata=as_rep("wang"))

        (event,) = await due_events.wait_for(1, within=20)
        assert (event["data"]["owner_id"], event["data"]["promised_by"]) == ("wang", "li")
    finally:
        await nc.close()
