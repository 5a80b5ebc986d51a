"""A deleted saved segment's tombstone is purged on the common scheduler after its retention, once its
`segment_deleted` event is out, and never while that event is still pending (segments/tombstones.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from crm.tags.v1 import segments_pb2 as S
from crm.tags.v1 import segments_pb2_grpc, tags_pb2_grpc
from pymongo.asynchronous.database import AsyncDatabase

from common.config import Settings
from common.outbox import DUE_MS, FIELD
from common.scheduler import TIMERS, timer_id
from common.service import RunningService, start_service
from common.timeutil import utcnow
from services.tags.app import DEFINITION, build
from services.tags.config import TagsConfig
from services.tags.segments.saved_store import SEGMENTS
from services.tags.segments.tombstones import PURGE_KIND
from tests.integration.tags.helpers import flag_tag
from tests.support.events import connect, subscribe
from tests.support.rpc import channel, metadata

ACME, GLOBEX = metadata("acme"), metadata("globex")
RETENTION = 2  # seconds, instead of the default week


@dataclasses.dataclass
class Service:
    running: RunningService
    segments: segments_pb2_grpc.SegmentsServiceStub
    tags: tags_pb2_grpc.TagsServiceStub

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.running.runtime.db


@pytest.fixture
async def service(settings_for: Callable[..., Settings]) -> AsyncIterator[Service]:
    config = TagsConfig(segment_tombstone_retention_seconds=RETENTION)
    definition = dataclasses.replace(DEFINITION, build=functools.partial(build, config=config))
    running = await start_service(definition, settings_for("tags"))
    try:
        async with channel(running.port) as ch:
            yield Service(
                running=running,
                segments=segments_pb2_grpc.SegmentsServiceStub(ch),
                tags=tags_pb2_grpc.TagsServiceStub(ch),
            )
    finally:
        await running.stop()


async def saved(service: Service, name: str, md: tuple[tuple[str, str], ...]) -> str:
    created = await service.segments.CreateSegment(
        S.CreateSegmentRequest(name=name, expression="vip"), metadata=md
    )
    return str(created.id)


async def tombstone(service: Service, segment_id: str) -> dict[str, Any] | None:
    return await service.db[SEGMENTS].find_one({"_id": segment_id, "deleted": True})


async def until_gone(service: Service, segment_id: str, *, within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        for _ in range(int(within * 10)):
            if await service.db[SEGMENTS].find_one({"_id": segment_id}) is None:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the tombstone of {segment_id} is still there")


async def test_a_deleted_segment_is_announced_then_its_tombstone_purged_after_the_retention(
    service: Service, nats_url: str, namespace: str
) -> None:
    for md in (ACME, GLOBEX):
        await service.tags.DefineTag(flag_tag("vip"), metadata=md)
    gone, kept = await saved(service, "Gone", ACME), await saved(service, "Kept", ACME)
    theirs = await saved(service, "Gone", GLOBEX)
    nc = await connect(nats_url)
    try:
        deleted = await subscribe(nc, f"{namespace}.evt.*.tags.segment_deleted")
        before = utcnow()
        await service.segments.DeleteSegment(S.DeleteSegmentRequest(id=gone), metadata=ACME)
        await service.segments.DeleteSegment(S.DeleteSegmentRequest(id=theirs), metadata=GLOBEX)
        # Right after the delete: announced, and the tombstone waits for its timer.
        events = await deleted.wait_for(2, within=10)
        assert sorted(e["subject"] for e in events) == sorted([gone, theirs])
        assert await tombstone(service, gone) is not None
        due = await service.running.runtime.scheduler.pending(tenant="acme", kind=PURGE_KIND, key=gone)
        assert due is not None
        assert timedelta(seconds=RETENTION - 1) <= due - before <= timedelta(seconds=RETENTION + 5)

        await until_gone(service, gone)
        await until_gone(service, theirs)
    finally:
        await nc.close()
    assert await service.db[TIMERS].find_one({"_id": timer_id("acme", PURGE_KIND, gone)}) is None
    # What people see is unchanged: the live segment is there, the name is free, the other is gone.
    listed = await service.segments.ListSegments(S.ListSegmentsRequest(), metadata=ACME)
    assert [s.id for s in listed.segments] == [kept]
    again = await saved(service, "Gone", ACME)
    assert again not in (gone, theirs)


async def test_a_tombstone_whose_delete_is_not_announced_yet_is_kept_until_it_is(service: Service) -> None:
    await service.tags.DefineTag(flag_tag("vip"), metadata=ACME)
    gone = await saved(service, "Gone", ACME)
    await service.segments.DeleteSegment(S.DeleteSegmentRequest(id=gone), metadata=ACME)
    # As if NATS had been away since the delete: its event is still pending, and the relay's next
    # look is far off.
    pending_event = {"subject": "unused", "body": "{}", "order": 0}
    far = int((utcnow() + timedelta(hours=1)).timestamp() * 1000)
    await service.db[SEGMENTS].update_one(
        {"_id": gone}, {"$set": {f"{FIELD}.evt_held": pending_event, DUE_MS: far}}
    )
    await asyncio.sleep(RETENTION + 3)  # past the retention: the purge has looked, and looked again
    assert await tombstone(service, gone) is not None
    scheduler = service.running.runtime.scheduler
    assert await scheduler.pending(tenant="acme", kind=PURGE_KIND, key=gone) is not None  # it will look again

    # The relay publishes it (here: the item is marked sent); the next look purges the tombstone.
    await service.db[SEGMENTS].update_one({"_id": gone}, {"$unset": {FIELD: "", DUE_MS: ""}})
    await until_gone(service, gone)
    assert await scheduler.pending(tenant="acme", kind=PURGE_KIND, key=gone) is None


async def test_tombstones_left_by_an_earlier_release_get_their_purge_at_start(
    settings_for: Callable[..., Settings],
) -> None:
    settings = settings_for("tags")
    config = TagsConfig(segment_tombstone_retention_seconds=RETENTION)
    definition = dataclasses.replace(DEFINITION, build=functools.partial(build, config=config))
    first = await start_service(definition, settings)
    try:
        async with channel(first.port) as ch:
            service = Service(
                running=first,
                segments=segments_pb2_grpc.SegmentsServiceStub(ch),
                tags=tags_pb2_grpc.TagsServiceStub(ch),
            )
            await service.tags.DefineTag(flag_tag("vip"), metadata=ACME)
            old = await saved(service, "Old", ACME)
            await service.segments.DeleteSegment(S.DeleteSegmentRequest(id=old), metadata=ACME)
            # A release before purges stored no timer.
            await first.runtime.scheduler.cancel(tenant="acme", kind=PURGE_KIND, key=old)
            await asyncio.sleep(RETENTION + 1)
            assert await tombstone(service, old) is not None  # nothing would ever remove it
    finally:
        await first.stop()

    restarted = await start_service(definition, settings)
    try:
        async with channel(restarted.port) as ch:
            service = Service(
                running=restarted,
                segments=segments_pb2_grpc.SegmentsServiceStub(ch),
                tags=tags_pb2_grpc.TagsServiceStub(ch),
            )
            await until_gone(service, old)
    finally:
        await restarted.stop()
