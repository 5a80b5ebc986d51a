"""The segment index of a running tags service: own writes at once, a second replica from the event
stream, a rebuild from MongoDB (numbering earlier customers, migrating earlier per-tag documents,
leaving expired values out), usage marks that survive a restart, and tenants kept apart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from common.config import Settings
from common.service import RunningService, start_service
from services.tags.app import DEFINITION
from services.tags.segments.evaluate import count
from services.tags.segments.expression import And, Equals, Has, Not
from services.tags.segments.keeper import IndexKeeper
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import assign, enum_tag, flag_tag
from tests.support.rpc import metadata

MD = metadata("acme")


def keeper_of(running: RunningService) -> IndexKeeper:
    assert running.parts is not None
    keeper = next(p for p in running.parts.background if isinstance(p, IndexKeeper))
    return keeper


async def ready(running: RunningService, within: float = 30.0) -> IndexKeeper:
    keeper = keeper_of(running)
    async with asyncio.timeout(within):
        await keeper.rebuilt.wait()
    return keeper


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    for _ in range(int(within / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within} s")


async def test_an_assignment_is_in_the_index_when_the_call_returns_and_numbers_are_stored(
    tags: TagsClient, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    keeper = await ready(tags.running)
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    await tags.stub.DefineTag(enum_tag("region", ["上海", "杭州"]), metadata=MD)
    first, second = await tags.customer(), await tags.customer()
    await tags.stub.AssignTags(assign(first, ("vip", ""), ("region", "上海")), metadata=MD)
    await tags.stub.AssignTags(assign(second, ("region", "杭州")), metadata=MD)

    index = keeper.index
    assert count(And((Has("vip"), Equals("region", "上海"))), index, "acme", now_ms=now_ms()) == 1
    assert count(Not(Has("vip")), index, "acme", now_ms=now_ms()) == 1
    db = mongo_client[tags.running.runtime.settings.database_name]
    stored = {d["customer_id"]: d["n"] async for d in db["tag_customers"].find({"tenant_id": "acme"})}
    assert stored == {first: index.number_of("acme", first), second: index.number_of("acme", second)}
    assert len(set(stored.values())) == 2

    await tags.stub.RemoveTag(_remove(first, "vip"), metadata=MD)
    assert count(Has("vip"), index, "acme", now_ms=now_ms()) == 0
    assert count(Has("vip"), index, "other", now_ms=now_ms()) == 0  # tenants apart


def _remove(customer: str, tag: str) -> Any:
    from crm.tags.v1 import tags_pb2 as T

    return T.RemoveTagRequest(customer_id=customer, tag_key=tag, reason="test")


async def test_a_write_on_one_replica_reaches_the_other_replicas_index_within_seconds(
    tags: TagsClient, settings_for: Callable[..., Settings]
) -> None:
    other = await start_service(DEFINITION, settings_for("tags"))
    try:
        mine, theirs = await ready(tags.running), await ready(other)
        await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
        customers = [await tags.customer() for _ in range(3)]
        for c in customers:
            await tags.stub.AssignTags(assign(c, ("vip", "")), metadata=MD)
        await eventually(lambda: len(theirs.index.has("acme", "vip")) == 3)
        assert theirs.index.number_of("acme", customers[0]) == mine.index.number_of("acme", customers[0])

        await tags.stub.RemoveTag(_remove(customers[1], "vip"), metadata=MD)
        await eventually(lambda: len(theirs.index.has("acme", "vip")) == 2)
        assert theirs.index.customer_ids("acme", theirs.index.has("acme", "vip")) == [
            customers[0],
            customers[2],
        ]
    finally:
        await other.stop()


def _assignment(customer: str, key: str, value: str, *, expires: datetime | None = None) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "tag_key": key,
        "value": value,
        "source": "manual",
        "confidence": 1.0,
        "evidence": {},
        "actor": "usr_old",
        "assigned_at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        "expires_at": expires,
        "status": "active",
    }


async def test_a_restart_rebuilds_from_mongodb_numbering_earlier_customers_and_keeping_usage_marks(
    settings_for: Callable[..., Settings], mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    settings = settings_for("tags")
    db = mongo_client[settings.database_name]
    past = datetime.now(UTC) - timedelta(days=1)
    # Two customers written before numbers existed, one with a value that has already expired …
    await db["tag_customers"].insert_many(
        [
            {
                "_id": f"acme/c{i}",
                "tenant_id": "acme",
                "customer_id": f"c{i}",
                "version": 2,
                "tags": {
                    "vip": _assignment(f"c{i}", "vip", ""),
                    "trial": _assignment(f"c{i}", "trial", "", expires=past),
                },
            }
            for i in (1, 2)
        ]
    )
    # … and one still only in the per-tag documents of an even earlier release.
    await db["tag_assignments"].insert_one(
        {"_id": "acme/c3/vip", "tenant_id": "acme", **_assignment("c3", "vip", "")}
    )
    await db["tag_usage"].insert_one(
        {
            "_id": "acme/gone",
            "tenant_id": "acme",
            "tag_key": "gone",
            "last_assigned_ms": 5,
            "last_removed_ms": 9,
        }
    )

    running = await start_service(DEFINITION, settings)
    try:
        keeper = await ready(running)
        assert running.watchdog is not None and await running.watchdog.check() == []  # ready once rebuilt
        index = keeper.index
        assert sorted(index.customer_ids("acme", index.has("acme", "vip"))) == ["c1", "c2", "c3"]
        assert len(index.has("acme", "trial")) == 0  # expired before the rebuild: never indexed
        numbers = {
            d["customer_id"]: d.get("n") async for d in db["tag_customers"].find({"tenant_id": "acme"})
        }
        assert sorted(numbers.values()) == [1, 2, 3]  # every customer numbered, c3 migrated
        usage = index.usage("acme")
        assert (usage["gone"].last_assigned_ms, usage["gone"].last_removed_ms) == (5, 9)
        assert usage["vip"].customers == 3
        assert usage["vip"].last_assigned_ms == int(datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp() * 1000)
    finally:
        await running.stop()
    stored = await db["tag_usage"].find_one({"_id": "acme/vip"})
    assert stored is not None and stored["last_assigned_ms"] > 0  # flushed, so the next start has it

    again = await start_service(DEFINITION, settings)
    try:
        index = (await ready(again)).index
        assert index.number_of("acme", "c3") == numbers["c3"]  # numbers are stable across restarts
        assert index.usage("acme")["vip"].customers == 3
    finally:
        await again.stop()


async def test_a_document_without_a_number_gets_one_with_its_next_write(
    tags: TagsClient, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    keeper = await ready(tags.running)
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    await tags.stub.DefineTag(flag_tag("new"), metadata=MD)
    customer = await tags.customer()
    db = mongo_client[tags.running.runtime.settings.database_name]
    await db["tag_customers"].insert_one(  # written by a replica of an earlier release, after our rebuild
        {
            "_id": f"acme/{customer}",
            "tenant_id": "acme",
            "customer_id": customer,
            "version": 1,
            "tags": {"vip": _assignment(customer, "vip", "")},
        }
    )
    await tags.stub.AssignTags(assign(customer, ("new", "")), metadata=MD)
    doc = await db["tag_customers"].find_one({"_id": f"acme/{customer}"})
    assert doc is not None and doc["n"] == keeper.index.number_of("acme", customer)
    assert keeper.index.customer_ids(
        "acme", keeper.index.has("acme", "vip") & keeper.index.has("acme", "new")
    ) == [customer]
