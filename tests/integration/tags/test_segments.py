"""Saved segments over gRPC: typed as text, saved, counted, listed, explained, and announced when a
customer's tag change moves them in or out (events on NATS and a membership history)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from crm.tags.v1 import segments_pb2 as S
from crm.tags.v1 import segments_pb2_grpc, tags_pb2_grpc
from crm.tags.v1 import tags_pb2 as T

from common.config import Settings
from common.grpc_client import error_metadata, field_violations
from common.service import start_service
from services.tags.app import DEFINITION
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import assign, enum_tag, flag_tag, wait_for_events
from tests.support.events import connect, subscribe
from tests.support.rpc import channel, metadata

MD = metadata("acme")
MEMBERSHIP_TYPES = ("crm.tags.segment_entered.v1", "crm.tags.segment_left.v1")


def is_membership(event: dict[str, Any]) -> bool:
    return event["type"] in MEMBERSHIP_TYPES


GLOBEX = metadata("globex")


@dataclass
class Segments:
    tags: TagsClient
    stub: segments_pb2_grpc.SegmentsServiceStub


@pytest.fixture
async def segments(tags: TagsClient) -> AsyncIterator[Segments]:
    async with channel(tags.running.port) as ch:
        yield Segments(tags=tags, stub=segments_pb2_grpc.SegmentsServiceStub(ch))


async def _library(tags: TagsClient, tenant_md: tuple[tuple[str, str], ...] = MD) -> None:
    await tags.stub.DefineTag(flag_tag("bought", display_name="已成交"), metadata=tenant_md)
    await tags.stub.DefineTag(flag_tag("repurchased", display_name="已复购"), metadata=tenant_md)
    await tags.stub.DefineTag(enum_tag("region", ["上海", "杭州", "北京"]), metadata=tenant_md)


async def test_a_segment_typed_as_text_is_saved_counted_and_listed_with_its_owner(segments: Segments) -> None:
    tags = segments.tags
    await _library(tags)
    buyer, loyal, other = await tags.customer(), await tags.customer(), await tags.customer()
    await tags.stub.AssignTags(assign(buyer, ("bought", "")), metadata=MD)
    await tags.stub.AssignTags(assign(loyal, ("bought", ""), ("repurchased", "")), metadata=MD)
    await tags.stub.AssignTags(assign(other, ("region", "上海")), metadata=MD)

    preview = await segments.stub.PreviewSegment(
        S.PreviewSegmentRequest(expression="已成交 AND NOT 已复购"), metadata=MD
    )
    assert (preview.expression, preview.count, list(preview.sample_customer_ids)) == (
        "bought AND NOT repurchased",
        1,
        [buyer],
    )

    created = await segments.stub.CreateSegment(
        S.CreateSegmentRequest(name="复购机会", description="买过一次的", expression="已成交 AND NOT 已复购"),
        metadata=metadata("acme", caller="u-ann", roles="marketing"),
    )
    assert (created.owner, created.count, created.version) == ("u-ann", 1, 1)
    assert created.id.startswith("seg_")

    listed = await segments.stub.ListSegments(S.ListSegmentsRequest(), metadata=MD)
    assert [(s.name, s.description, s.expression, s.count) for s in listed.segments] == [
        ("复购机会", "买过一次的", "bought AND NOT repurchased", 1)
    ]
    again = await segments.stub.GetSegment(S.GetSegmentRequest(id=created.id), metadata=MD)
    assert again.name == "复购机会"


async def test_a_syntax_error_names_the_field_and_the_column_and_saves_nothing(segments: Segments) -> None:
    await _library(segments.tags)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await segments.stub.CreateSegment(
            S.CreateSegmentRequest(name="broken", expression="已成交 AND AND 已复购"), metadata=MD
        )
    err = caught.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err)] == ["expression"]
    assert error_metadata(err)["column"] == "9"
    listed = await segments.stub.ListSegments(S.ListSegmentsRequest(), metadata=MD)
    assert list(listed.segments) == []


async def test_a_tag_change_announces_entering_and_leaving_and_keeps_a_history(
    segments: Segments, nats_url: str, namespace: str
) -> None:
    tags = segments.tags
    await _library(tags)
    customer = await tags.customer()
    created = await segments.stub.CreateSegment(
        S.CreateSegmentRequest(name="复购机会", expression="已成交 AND NOT 已复购"), metadata=MD
    )
    nc = await connect(nats_url)
    try:
        collector = await subscribe(nc, f"{namespace}.evt.acme.tags.>")
        await tags.stub.AssignTags(assign(customer, ("bought", "")), metadata=MD)
        await tags.stub.AssignTags(assign(customer, ("repurchased", "")), metadata=MD)
        found = await wait_for_events(collector, is_membership, 2)
    finally:
        await nc.close()

    entered, left = (event for event, _ in found)
    assert (entered["type"], left["type"]) == ("crm.tags.segment_entered.v1", "crm.tags.segment_left.v1")
    assert entered["subject"] == customer
    assert entered["data"]["segment_id"] == created.id
    assert entered["data"]["segment_name"] == "复购机会"
    assert [c["tag_key"] for c in entered["data"]["causes"]] == ["bought"]
    assert [(c["tag_key"], c["action"]) for c in left["data"]["causes"]] == [("repurchased", "assigned")]

    history = await segments.stub.ListMembershipHistory(
        S.ListMembershipHistoryRequest(customer_id=customer), metadata=MD
    )
    assert [(c.change, c.segment_name) for c in history.changes] == [
        ("left", "复购机会"),
        ("entered", "复购机会"),
    ]
    assert history.changes[0].causes[0].tag_key == "repurchased"


async def test_explain_says_which_predicate_decided_and_with_what_value(segments: Segments) -> None:
    tags = segments.tags
    await _library(tags)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("bought", ""), ("region", "杭州")), metadata=MD)

    reply = await segments.stub.ExplainSegment(
        S.ExplainSegmentRequest(customer_id=customer, expression='已成交 AND region IN ("上海", "北京")'),
        metadata=MD,
    )
    assert reply.matches is False
    root = reply.root
    assert root.kind == "and" and root.result is False
    bought, region = root.children
    assert (bought.tag_key, bought.result, bought.values[0].source) == ("bought", True, "manual")
    assert (region.tag_key, region.result, region.values[0].value) == ("region", False, "杭州")


async def test_another_tenant_counts_nothing_and_cannot_see_the_segment(segments: Segments) -> None:
    tags = segments.tags
    await _library(tags)
    await _library(tags, GLOBEX)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("bought", "")), metadata=MD)
    created = await segments.stub.CreateSegment(
        S.CreateSegmentRequest(name="buyers", expression="bought"), metadata=MD
    )
    assert created.count == 1

    theirs = await segments.stub.PreviewSegment(S.PreviewSegmentRequest(expression="bought"), metadata=GLOBEX)
    assert (theirs.count, list(theirs.sample_customer_ids)) == (0, [])
    for call in (
        segments.stub.GetSegment(S.GetSegmentRequest(id=created.id), metadata=GLOBEX),
        segments.stub.ListSegmentMembers(S.ListSegmentMembersRequest(segment_id=created.id), metadata=GLOBEX),
        segments.stub.DeleteSegment(S.DeleteSegmentRequest(id=created.id), metadata=GLOBEX),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    still = await segments.stub.GetSegment(S.GetSegmentRequest(id=created.id), metadata=MD)
    assert still.count == 1


async def test_only_the_owner_or_an_admin_changes_a_segment_and_a_viewer_creates_none(
    segments: Segments,
) -> None:
    await _library(segments.tags)
    ann = metadata("acme", caller="u-ann", roles="sales")
    bob = metadata("acme", caller="u-bob", roles="marketing")
    created = await segments.stub.CreateSegment(
        S.CreateSegmentRequest(name="mine", expression="bought"), metadata=ann
    )

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await segments.stub.UpdateSegment(S.UpdateSegmentRequest(id=created.id, name="ours"), metadata=bob)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await segments.stub.CreateSegment(
            S.CreateSegmentRequest(name="viewer's", expression="bought"),
            metadata=metadata("acme", roles="viewer"),
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED

    renamed = await segments.stub.UpdateSegment(
        S.UpdateSegmentRequest(id=created.id, name="renamed"),
        metadata=metadata("acme", caller="u-cat", roles="admin"),
    )
    assert (renamed.name, renamed.expression, renamed.version, renamed.owner) == (
        "renamed",
        "bought",
        2,
        "u-ann",
    )
    await segments.stub.DeleteSegment(S.DeleteSegmentRequest(id=created.id), metadata=ann)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await segments.stub.GetSegment(S.GetSegmentRequest(id=created.id), metadata=ann)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_names_are_unique_per_tenant(segments: Segments) -> None:
    await _library(segments.tags)
    await segments.stub.CreateSegment(S.CreateSegmentRequest(name="Buyers", expression="bought"), metadata=MD)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await segments.stub.CreateSegment(
            S.CreateSegmentRequest(name="buyers", expression="bought"), metadata=MD
        )
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_members_page_in_customer_number_order_and_stay_stable_while_members_change(
    segments: Segments,
) -> None:
    tags = segments.tags
    await _library(tags)
    customers = [await tags.customer() for _ in range(5)]
    for customer in customers:
        await tags.stub.AssignTags(assign(customer, ("bought", "")), metadata=MD)
    created = await segments.stub.CreateSegment(
        S.CreateSegmentRequest(name="buyers", expression="bought"), metadata=MD
    )

    first = await segments.stub.ListSegmentMembers(
        S.ListSegmentMembersRequest(segment_id=created.id, page_size=2), metadata=MD
    )
    assert (list(first.customer_ids), first.count) == (customers[:2], 5)
    # The first member leaves: the next page still starts right after the last one seen.
    await tags.stub.RemoveTag(T.RemoveTagRequest(customer_id=customers[0], tag_key="bought"), metadata=MD)
    second = await segments.stub.ListSegmentMembers(
        S.ListSegmentMembersRequest(segment_id=created.id, page_size=2, page_token=first.next_page_token),
        metadata=MD,
    )
    assert (list(second.customer_ids), second.count) == (customers[2:4], 4)
    third = await segments.stub.ListSegmentMembers(
        S.ListSegmentMembersRequest(segment_id=created.id, page_size=2, page_token=second.next_page_token),
        metadata=MD,
    )
    assert (list(third.customer_ids), third.next_page_token) == (customers[4:], "")


async def test_a_segment_saved_on_one_replica_is_judged_by_the_next_write_on_another(
    segments: Segments, settings_for: Callable[..., Settings], nats_url: str, namespace: str
) -> None:
    """Replica B caches the tenant's segments; A's create and edit reach B's very next write."""
    tags = segments.tags
    await _library(tags)
    first, second = await tags.customer(), await tags.customer()
    other = await start_service(DEFINITION, settings_for("tags"))
    nc = await connect(nats_url)
    try:
        async with channel(other.port) as ch:
            replica_b = tags_pb2_grpc.TagsServiceStub(ch)
            # B judges a write before any segment exists: it caches "no segments".
            await replica_b.AssignTags(assign(first, ("region", "上海")), metadata=MD)
            collector = await subscribe(nc, f"{namespace}.evt.acme.tags.>")
            created = await segments.stub.CreateSegment(
                S.CreateSegmentRequest(name="buyers", expression="已成交"), metadata=MD
            )
            await replica_b.AssignTags(assign(first, ("bought", "")), metadata=MD)
            [(entered, _)] = await wait_for_events(collector, is_membership, 1)
            assert (entered["data"]["segment_id"], entered["subject"]) == (created.id, first)

            await segments.stub.UpdateSegment(
                S.UpdateSegmentRequest(id=created.id, expression="已复购"), metadata=MD
            )
            await replica_b.AssignTags(assign(second, ("bought", "")), metadata=MD)
            await replica_b.AssignTags(assign(second, ("repurchased", "")), metadata=MD)
            found = await wait_for_events(collector, is_membership, 2)
    finally:
        await nc.close()
        await other.stop()
    # Under the new expression only the 已复购 write moved `second` in; `bought` alone no longer does.
    latest = found[-1][0]
    assert (latest["type"], latest["subject"]) == ("crm.tags.segment_entered.v1", second)
    assert [c["tag_key"] for c in latest["data"]["causes"]] == ["repurchased"]
    assert latest["data"]["segment_version"] == 2


async def test_segment_lists_and_membership_history_page_without_gaps(segments: Segments) -> None:
    tags = segments.tags
    await _library(tags)
    for name in ("c-buyers", "a-buyers", "B-buyers"):
        await segments.stub.CreateSegment(S.CreateSegmentRequest(name=name, expression="bought"), metadata=MD)
    first = await segments.stub.ListSegments(S.ListSegmentsRequest(page_size=2), metadata=MD)
    rest = await segments.stub.ListSegments(
        S.ListSegmentsRequest(page_size=2, page_token=first.next_page_token), metadata=MD
    )
    assert [s.name for s in first.segments] + [s.name for s in rest.segments] == [
        "a-buyers",
        "B-buyers",
        "c-buyers",
    ]
    assert rest.next_page_token == ""

    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("bought", "")), metadata=MD)  # enters all three
    await tags.stub.RemoveTag(T.RemoveTagRequest(customer_id=customer, tag_key="bought"), metadata=MD)
    seen: list[tuple[str, str]] = []
    token = ""
    while True:
        page = await segments.stub.ListMembershipHistory(
            S.ListMembershipHistoryRequest(customer_id=customer, page_size=4, page_token=token), metadata=MD
        )
        seen += [(c.change, c.segment_name) for c in page.changes]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(
        [(change, n) for change in ("entered", "left") for n in ("a-buyers", "B-buyers", "c-buyers")]
    )
    assert [change for change, _ in seen] == ["left"] * 3 + ["entered"] * 3
