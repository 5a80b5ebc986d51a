"""Expiry on time (docs/tag-expiry.md): an assignment whose expiry comes is removed by its `tags.expire`
timer within seconds, with an `expired` history entry, a `removed` event (action `expired`) and a read
that no longer shows it; once with two replicas; moved by a refresh; cancelled by a removal; not lost
by a crash right after the write; and assignments stored before this release are swept up once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.tags.v1 import tags_pb2 as T
from crm.tags.v1 import tags_pb2_grpc
from pymongo import AsyncMongoClient

from common.config import Settings
from common.outbox import Outbox, Pending
from common.scheduler import TIMERS
from common.service import start_service
from common.timeutil import from_timestamp, to_timestamp
from services.tags.app import DEFINITION
from services.tags.expiry.planning import EXPIRE_KIND, timer_key
from services.tags.expiry.timers import SWEEP_KIND, SWEEPS
from services.tags.model import AssignInput
from services.tags.operations import TagOperations
from services.tags.store import TagStore
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import active, assign, flag_tag
from tests.support.events import Collector, connect, subscribe
from tests.support.leads import Leads
from tests.support.rpc import channel, metadata

MD = metadata("acme")
# Generous for a loaded 2-core box; the bench measures the real lateness.
WITHIN = 20.0


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def expiring(customer: str, key: str, at: datetime) -> T.AssignTagsRequest:
    return assign(customer, T.TagAssignmentInput(tag_key=key, value="", expires_at=to_timestamp(at)))


def removals(collector: Collector) -> list[dict[str, Any]]:
    return [e for e in collector.events if e["type"] == "crm.tags.removed.v1"]


async def history(tags: TagsClient, customer: str, tenant: str = "acme") -> list[T.TagHistoryEntry]:
    request = T.ListTagHistoryRequest(customer_id=customer)
    return list((await tags.stub.ListTagHistory(request, metadata=metadata(tenant))).entries)


async def shown(tags: TagsClient, customer: str, tenant: str = "acme") -> dict[str, str]:
    request = T.ListCustomerTagsRequest(customer_id=customer)
    return active(await tags.stub.ListCustomerTags(request, metadata=metadata(tenant)))


async def test_an_assignment_expires_on_time_with_history_event_and_read(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await tags.stub.DefineTag(flag_tag("trial"), metadata=MD)
    await tags.stub.DefineTag(flag_tag("trial"), metadata=metadata("globex"))
    customer, other = await tags.customer(), await tags.customer("globex")
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.*.tags.removed")
        due = soon(2)
        await tags.stub.AssignTags(expiring(customer, "trial", due), metadata=MD)
        # Another tenant's value of the same tag, due later, is not touched.
        await tags.stub.AssignTags(expiring(other, "trial", soon(600)), metadata=metadata("globex"))
        assert await shown(tags, customer) == {"trial": ""}
        pending = await tags.running.runtime.scheduler.pending(
            tenant="acme", kind=EXPIRE_KIND, key=timer_key(customer, "trial", due)
        )
        assert pending is not None and abs((pending - due).total_seconds()) < 0.002

        [event] = await collector.wait_for(1, within=WITHIN)
    finally:
        await nc.close()

    assert event["tenantid"] == "acme" and event["subject"] == customer
    assert {k: event["data"][k] for k in ("tag_key", "action", "source", "reason")} == {
        "tag_key": "trial",
        "action": "expired",
        "source": "system",
        "reason": "expired",
    }
    entries = await history(tags, customer)
    assert [e.action for e in entries] == ["expired", "assigned"]
    assert entries[0].id == event["data"]["history_id"]
    at = from_timestamp(entries[0].at)
    assert at is not None and due <= at < due + timedelta(seconds=WITHIN)
    assert await shown(tags, customer) == {}
    assert await shown(tags, other, "globex") == {"trial": ""}
    assert [e.action for e in await history(tags, other, "globex")] == ["assigned"]


async def test_two_replicas_expire_each_assignment_once(
    tags: TagsClient, settings_for: Callable[..., Settings], nats_url: str, namespace: str
) -> None:
    second = await start_service(DEFINITION, settings_for("tags"))
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.removed")
        await tags.stub.DefineTag(flag_tag("trial"), metadata=MD)
        customers = [await tags.customer() for _ in range(12)]
        due = soon(3)
        for customer in customers:
            await tags.stub.AssignTags(expiring(customer, "trial", due), metadata=MD)
        await collector.wait_for(len(customers), within=WITHIN)
        await asyncio.sleep(2.0)  # room for a double
        fired = tags.running.runtime.scheduler.stats.fired + second.runtime.scheduler.stats.fired
    finally:
        await nc.close()
        await second.stop()

    assert sorted(e["subject"] for e in removals(collector)) == sorted(customers)
    assert fired >= len(customers)
    for customer in customers:
        assert [e.action for e in await history(tags, customer)] == ["expired", "assigned"]
        assert await shown(tags, customer) == {}


async def test_a_refresh_moves_the_expiry_and_a_removal_cancels_it(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await tags.stub.DefineTag(flag_tag("trial"), metadata=MD)
    await tags.stub.DefineTag(flag_tag("promo"), metadata=MD)
    customer = await tags.customer()
    scheduler = tags.running.runtime.scheduler
    first, later = soon(2), soon(6)
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.removed")
        await tags.stub.AssignTags(expiring(customer, "trial", first), metadata=MD)
        await tags.stub.AssignTags(expiring(customer, "promo", first), metadata=MD)
        refreshed = await tags.stub.AssignTags(expiring(customer, "trial", later), metadata=MD)
        assert [(s.tag_key, s.reason) for s in refreshed.skipped] == [("trial", "unchanged")]
        await tags.stub.RemoveTag(T.RemoveTagRequest(customer_id=customer, tag_key="promo"), metadata=MD)

        async def timer(key: str, at: datetime) -> datetime | None:
            return await scheduler.pending(tenant="acme", kind=EXPIRE_KIND, key=timer_key(customer, key, at))

        assert await timer("trial", first) is None
        assert await timer("trial", later) is not None
        assert await timer("promo", first) is None

        await asyncio.sleep((first - datetime.now(UTC)).total_seconds() + 1.5)
        assert await shown(tags, customer) == {
            "trial": ""
        }  # refreshed: still active after the first due time
        await collector.wait_for(2, within=WITHIN)  # RemoveTag's, then the expiry's
        [event] = [e for e in removals(collector) if e["data"]["action"] == "expired"]
    finally:
        await nc.close()

    assert (event["data"]["tag_key"], event["data"]["action"]) == ("trial", "expired")
    assert [(e.tag_key, e.action) for e in await history(tags, customer)] == [
        ("trial", "expired"),
        ("promo", "removed"),
        ("promo", "assigned"),
        ("trial", "assigned"),
    ]
    assert await shown(tags, customer) == {}


async def test_a_daily_tag_set_by_a_rule_expires_unless_the_rule_reasserts_it(tags: TagsClient) -> None:
    daily = flag_tag("active-buyer")
    daily.definition.update_cycle = T.UPDATE_CYCLE_DAILY
    await tags.stub.DefineTag(daily, metadata=MD)
    customer = await tags.customer()
    platform = metadata("acme", roles="platform")  # an importer/rule engine may set machine sources
    by_rule = assign(
        customer, T.TagAssignmentInput(tag_key="active-buyer", value="", source=T.TAG_SOURCE_RULE)
    )
    scheduler = tags.running.runtime.scheduler

    async def stored_expiry() -> datetime:
        listed = await tags.stub.ListCustomerTags(
            T.ListCustomerTagsRequest(customer_id=customer), metadata=MD
        )
        [value] = listed.tags
        expires = from_timestamp(value.expires_at)
        assert expires is not None
        return expires

    before = datetime.now(UTC)
    await tags.stub.AssignTags(by_rule, metadata=platform)
    first = await stored_expiry()
    assert before + timedelta(hours=36) <= first <= datetime.now(UTC) + timedelta(hours=36)
    assert await scheduler.pending(
        tenant="acme", kind=EXPIRE_KIND, key=timer_key(customer, "active-buyer", first)
    )

    await asyncio.sleep(0.05)
    again = await tags.stub.AssignTags(by_rule, metadata=platform)  # tomorrow's run, in short
    assert [s.reason for s in again.skipped] == ["unchanged"]
    second = await stored_expiry()
    assert second > first
    assert not await scheduler.pending(
        tenant="acme", kind=EXPIRE_KIND, key=timer_key(customer, "active-buyer", first)
    )
    assert await scheduler.pending(
        tenant="acme", kind=EXPIRE_KIND, key=timer_key(customer, "active-buyer", second)
    )
    # A refresh changes no value: no history entry of its own.
    assert [e.action for e in await history(tags, customer)] == ["assigned"]

    # A person's value of the same tag does not expire by cycle.
    await tags.stub.AssignTags(assign(customer, ("active-buyer", "")), metadata=MD)  # confirmed by a person
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    assert [t.HasField("expires_at") for t in listed.tags] == [False]
    assert not await scheduler.pending(
        tenant="acme", kind=EXPIRE_KIND, key=timer_key(customer, "active-buyer", second)
    )


class CrashAfterWrite(Outbox):
    """The service's outbox as if the process died right after each write: nothing of the fast path
    runs (no history insert, no event, no timer); only what the write stored remains."""

    async def publish(self, collection: str, doc_id: Any, events: Sequence[Pending]) -> None:
        return None


async def test_a_crash_between_the_write_and_its_timer_loses_no_expiry(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await tags.stub.DefineTag(flag_tag("trial"), metadata=MD)
    customer = await tags.customer()
    runtime = tags.running.runtime
    crashing = CrashAfterWrite(
        runtime.db, runtime.js, root=namespace, service="tags", collections=DEFINITION.outbox_collections
    )
    ops = TagOperations(TagStore(runtime.db), crashing, runtime.scheduler)
    due = soon(2)
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.*")
        await ops.assign(
            "acme", customer, [AssignInput(tag_key="trial", value="", expires_at=due)], roles=None, actor="u"
        )
        key = timer_key(customer, "trial", due)
        assert await runtime.db[TIMERS].find_one({"_id": f"acme|{EXPIRE_KIND}|{key}"}) is None
        # The running service's relay applies what the write carried: history, event, and the timer.
        events = await collector.wait_for(2, within=WITHIN)
    finally:
        await nc.close()

    assert [(e["type"], e["data"].get("action")) for e in events] == [
        ("crm.tags.assigned.v1", None),
        ("crm.tags.removed.v1", "expired"),
    ]
    assert [e.action for e in await history(tags, customer)] == ["expired", "assigned"]
    assert await shown(tags, customer) == {}


def stored(customer: str, key: str, expires: datetime) -> dict[str, Any]:
    """An assignment as a release before timers stored it."""
    return {
        "customer_id": customer,
        "tag_key": key,
        "value": "",
        "source": "manual",
        "confidence": 1.0,
        "evidence": {},
        "actor": "usr_old",
        "assigned_at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        "expires_at": expires,
        "status": "active",
    }


async def test_assignments_stored_before_timers_are_swept_up_once(
    settings_for: Callable[..., Settings],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    leads: Leads,
    nats_url: str,
    namespace: str,
) -> None:
    settings = settings_for("tags")
    db = mongo_client[settings.database_name]
    aggregate, not_migrated, current = [await leads.customer("acme") for _ in range(3)]
    past, near, far = soon(-3600), soon(2), soon(3600)
    await db["tag_customers"].insert_one(
        {
            "_id": f"acme/{aggregate}",
            "tenant_id": "acme",
            "customer_id": aggregate,
            "tags": {"old": stored(aggregate, "old", past), "soon": stored(aggregate, "soon", near)},
            "version": 3,
        }
    )
    legacy = stored(not_migrated, "legacy", past)
    await db["tag_assignments"].insert_one(
        {"_id": f"acme/{not_migrated}/legacy", "tenant_id": "acme", **legacy}
    )
    await db["tag_customers"].insert_one(
        {
            "_id": f"acme/{current}",
            "tenant_id": "acme",
            "customer_id": current,
            "tags": {"later": stored(current, "later", far)},
            "version": 1,
        }
    )
    nc = await connect(nats_url)
    running = await start_service(DEFINITION, settings)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.removed")
        await collector.wait_for(3, within=WITHIN)
        assert await db[SWEEPS].find_one({"_id": "v1"}) is not None
        scheduler = running.runtime.scheduler
        assert await scheduler.pending(tenant="acme", kind=EXPIRE_KIND, key=timer_key(current, "later", far))
    finally:
        await running.stop()

    again = await start_service(DEFINITION, settings)  # a restart: the sweep is done, not scheduled again
    try:
        assert await db[TIMERS].count_documents({"kind": SWEEP_KIND}) == 0
        async with channel(again.port) as ch:
            stub = tags_pb2_grpc.TagsServiceStub(ch)
            for customer in (aggregate, not_migrated):
                listed = await stub.ListCustomerTags(
                    T.ListCustomerTagsRequest(customer_id=customer), metadata=MD
                )
                assert active(listed) == {}
            listed = await stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=current), metadata=MD)
            assert active(listed) == {"later": ""}
            entries = await stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=aggregate), metadata=MD)
            assert sorted(e.tag_key for e in entries.entries if e.action == "expired") == ["old", "soon"]
    finally:
        await again.stop()
        await nc.close()
    by_tag = sorted((e["subject"], e["data"]["tag_key"]) for e in removals(collector))
    assert by_tag == sorted([(aggregate, "old"), (aggregate, "soon"), (not_migrated, "legacy")])
    assert {e["data"]["action"] for e in removals(collector)} == {"expired"}
