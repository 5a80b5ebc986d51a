"""Membership that stays true: a new or edited segment announces its members in the background, a
customer's current segments come in one batch call, and a WITHIN-n-DAYS window lets a customer go
when the assignment ages out although nothing is written. Real nats-server and MongoDB stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import grpc
import pytest
from crm.tags.v1 import segments_pb2 as S
from crm.tags.v1 import segments_pb2_grpc

from common import cloudevents
from common.bus import publish_event
from common.timeutil import utcnow
from services.tags import app as tags_app
from services.tags.config import TagsConfig
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import assign, flag_tag, wait_for_events
from tests.support.events import Collector, connect, subscribe
from tests.support.rpc import channel, metadata

MD = metadata("acme")
GLOBEX = metadata("globex")
MEMBERSHIP_TYPES = ("crm.tags.segment_entered.v1", "crm.tags.segment_left.v1")


@dataclass
class Segments:
    tags: TagsClient
    stub: segments_pb2_grpc.SegmentsServiceStub


@pytest.fixture
async def segments(tags: TagsClient) -> AsyncIterator[Segments]:
    async with channel(tags.running.port) as ch:
        yield Segments(tags=tags, stub=segments_pb2_grpc.SegmentsServiceStub(ch))


def membership(trigger: str, customers: set[str] | None = None) -> Any:
    def match(event: dict[str, Any]) -> bool:
        return (
            event["type"] in MEMBERSHIP_TYPES
            and event["data"].get("trigger") == trigger
            and (customers is None or event["subject"] in customers)
        )

    return match


def moves(collector: Collector, trigger: str) -> set[tuple[str, str]]:
    """(change, customer) of the membership events seen with this trigger."""
    return {(e["data"]["change"], e["subject"]) for e in collector.events if membership(trigger)(e)}


async def _library(tags: TagsClient, md: tuple[tuple[str, str], ...] = MD) -> None:
    await tags.stub.DefineTag(flag_tag("bought", display_name="已成交"), metadata=md)
    await tags.stub.DefineTag(flag_tag("repurchased", display_name="已复购"), metadata=md)


async def _synced(segments: Segments, segment_id: str, version: int) -> S.Segment:
    """The segment once the sync of `version` is done (background work: poll with a generous bound)."""
    async with asyncio.timeout(30):
        while True:
            got = await segments.stub.GetSegment(S.GetSegmentRequest(id=segment_id), metadata=MD)
            sync = got.membership_sync
            if sync.segment_version == version and sync.state == "done":
                return got
            await asyncio.sleep(0.1)


async def test_a_new_or_edited_segment_announces_its_members_once_and_shows_its_progress(
    segments: Segments, nats_url: str, namespace: str
) -> None:
    tags = segments.tags
    await _library(tags)
    await _library(tags, GLOBEX)
    one, two, loyal = await tags.customer(), await tags.customer(), await tags.customer()
    outsider = await tags.customer("globex")
    for customer in (one, two):
        await tags.stub.AssignTags(assign(customer, ("bought", "")), metadata=MD)
    await tags.stub.AssignTags(assign(loyal, ("bought", ""), ("repurchased", "")), metadata=MD)
    await tags.stub.AssignTags(assign(outsider, ("bought", "")), metadata=GLOBEX)

    nc = await connect(nats_url)
    try:
        acme = await subscribe(nc, f"{namespace}.evt.acme.tags.>")
        globex = await subscribe(nc, f"{namespace}.evt.globex.tags.>")
        created = await segments.stub.CreateSegment(
            S.CreateSegmentRequest(name="复购机会", expression="已成交 AND NOT 已复购"), metadata=MD
        )
        assert created.membership_sync.segment_version == 1
        await wait_for_events(acme, membership("segment_change"), 2, within=30)
        synced = await _synced(segments, created.id, 1)
        assert (synced.membership_sync.entered, synced.membership_sync.left) == (2, 0)
        assert synced.membership_sync.done >= 3

        # Editing the expression announces the difference: two leave, the loyal one enters.
        await segments.stub.UpdateSegment(
            S.UpdateSegmentRequest(id=created.id, expression="已复购"), metadata=MD
        )
        await wait_for_events(acme, membership("segment_change"), 5, within=30)
        edited = await _synced(segments, created.id, 2)
        assert (edited.membership_sync.entered, edited.membership_sync.left) == (1, 2)

        # A rename announces nobody and starts no sync.
        renamed = await segments.stub.UpdateSegment(
            S.UpdateSegmentRequest(id=created.id, name="复购"), metadata=MD
        )
        assert (renamed.membership_sync.segment_version, renamed.membership_sync.state) == (2, "done")

        # Afterwards a tag change is announced by the write itself, exactly once.
        await tags.stub.AssignTags(assign(one, ("repurchased", "")), metadata=MD)
        await wait_for_events(acme, membership("tag_change"), 1)
        await asyncio.sleep(1.0)  # room for a wrong duplicate to show up
    finally:
        await nc.close()

    assert moves(acme, "segment_change") == {
        ("entered", one),
        ("entered", two),
        ("left", one),
        ("left", two),
        ("entered", loyal),
    }
    assert len([e for e in acme.events if membership("segment_change")(e)]) == 5
    assert moves(acme, "tag_change") == {("entered", one)}
    assert [e for e in globex.events if e["type"] in MEMBERSHIP_TYPES] == []

    history = await segments.stub.ListMembershipHistory(
        S.ListMembershipHistoryRequest(customer_id=one), metadata=MD
    )
    assert [(c.change, c.trigger) for c in history.changes] == [
        ("entered", "tag_change"),
        ("left", "segment_change"),
        ("entered", "segment_change"),
    ]
    assert list(history.changes[-1].causes) == []


async def test_current_segments_of_a_page_of_customers_come_in_one_call_and_never_cross_tenants(
    segments: Segments,
) -> None:
    tags = segments.tags
    await _library(tags)
    await _library(tags, GLOBEX)
    buyer, loyal, stranger = await tags.customer(), await tags.customer(), await tags.customer()
    outsider = await tags.customer("globex")
    await tags.stub.AssignTags(assign(buyer, ("bought", "")), metadata=MD)
    await tags.stub.AssignTags(assign(loyal, ("bought", ""), ("repurchased", "")), metadata=MD)
    await tags.stub.AssignTags(assign(outsider, ("bought", "")), metadata=GLOBEX)
    buyers = await segments.stub.CreateSegment(
        S.CreateSegmentRequest(name="买家", expression="已成交"), metadata=MD
    )
    once = await segments.stub.CreateSegment(
        S.CreateSegmentRequest(name="复购机会", expression="已成交 AND NOT 已复购"), metadata=MD
    )
    await _synced(segments, buyers.id, 1)
    await _synced(segments, once.id, 1)

    reply = await segments.stub.BatchGetCustomerSegments(
        S.BatchGetCustomerSegmentsRequest(customer_ids=[buyer, loyal, stranger, outsider]), metadata=MD
    )
    got = {
        c.customer_id: [(s.segment_name, s.since.seconds > 0) for s in c.segments] for c in reply.customers
    }
    assert got == {
        buyer: [("买家", True), ("复购机会", True)],
        loyal: [("买家", True)],
        stranger: [],
        outsider: [],  # a globex customer asked about under acme: nothing of either tenant
    }
    theirs = await segments.stub.BatchGetCustomerSegments(
        S.BatchGetCustomerSegmentsRequest(customer_ids=[buyer, outsider]), metadata=GLOBEX
    )
    assert [(c.customer_id, list(c.segments)) for c in theirs.customers] == [(buyer, []), (outsider, [])]

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await segments.stub.BatchGetCustomerSegments(
            S.BatchGetCustomerSegmentsRequest(customer_ids=["not-a-customer"]), metadata=MD
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
def quick_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Window checks every second instead of every minute (TAGS_SEGMENT_WINDOW_SECONDS)."""
    monkeypatch.setattr(tags_app, "CONFIG", TagsConfig(segment_window_seconds=1.0))


async def test_a_customer_leaves_a_within_window_when_the_assignment_ages_out_without_any_write(
    quick_windows: None, segments: Segments, nats_url: str, namespace: str
) -> None:
    tags = segments.tags
    aging, fresh = await tags.customer(), await tags.customer()
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.>")
        # intent.level is set from intent's events at the time they were observed: one day ago less
        # 8 seconds for one customer (it ages out of "WITHIN 1 DAYS" in 8 s), now for the other.
        for customer, observed in (
            (aging, utcnow() - timedelta(days=1) + timedelta(seconds=8)),
            (fresh, None),
        ):
            envelope = cloudevents.make_event(
                type="crm.intent.level_changed.v1",
                source="crm/intent",
                tenant="acme",
                data={"customer_id": customer, "level": "high", "previous_level": "low", "score": 80.0},
                subject=customer,
                time=observed,
            )
            await publish_event(nc.jetstream(), f"{namespace}.evt.acme.intent.level_changed", envelope)
        await wait_for_events(collector, lambda e: e["type"] == "crm.tags.assigned.v1", 2)

        created = await segments.stub.CreateSegment(
            S.CreateSegmentRequest(
                name="新近高意向", expression="intent.level = high AND intent.level ASSIGNED WITHIN 1 DAYS"
            ),
            metadata=MD,
        )
        assert created.count == 2
        await wait_for_events(collector, membership("segment_change"), 2, within=30)
        [(left, _)] = await wait_for_events(collector, membership("time_window"), 1, within=40)
        await asyncio.sleep(2.5)  # two more checks: nobody else leaves, nobody leaves twice
    finally:
        await nc.close()

    assert (left["type"], left["subject"]) == ("crm.tags.segment_left.v1", aging)
    assert moves(collector, "time_window") == {("left", aging)}
    assert len([e for e in collector.events if membership("time_window")(e)]) == 1
    history = await segments.stub.ListMembershipHistory(
        S.ListMembershipHistoryRequest(customer_id=aging), metadata=MD
    )
    assert [(c.change, c.trigger) for c in history.changes] == [
        ("left", "time_window"),
        ("entered", "segment_change"),
    ]
    current = await segments.stub.BatchGetCustomerSegments(
        S.BatchGetCustomerSegmentsRequest(customer_ids=[aging, fresh]), metadata=MD
    )
    assert [[s.segment_name for s in c.segments] for c in current.customers] == [[], ["新近高意向"]]
