"""RecordTouchpoint, ListTimeline and BatchGetProgress over a real gRPC channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from crm.journey.v1 import journey_pb2
from pymongo import AsyncMongoClient

from common.config import Settings
from common.grpc_client import field_violations
from services.journey.store import TOUCHPOINTS, touchpoint_document
from services.journey.touchpoints import Touchpoint
from tests.integration.journey.helpers import Journey, at, reached, unknown_customer
from tests.support.rpc import metadata


async def test_recording_touchpoints_moves_the_stage_and_pages_the_timeline_newest_first(
    journey: Journey,
) -> None:
    buyer = await journey.customer()
    first = await journey.record(buyer, "ad_click", minutes=0, channel="web")
    assert first.stage_changed
    assert first.touchpoint.stage == "aware"
    assert first.touchpoint.id.startswith("tp_")
    assert first.progress.current_stage == "aware"

    kinds = ["website_visit", "coffee_chat", "inquiry", "test_drive", "purchase"]
    for minutes, kind in enumerate(kinds, start=1):
        response = await journey.record(buyer, kind, minutes=minutes)
    assert response.stage_changed
    assert (response.progress.current_stage, response.progress.furthest_stage) == ("act", "act")
    assert reached(response.progress) == [("aware", at(0)), ("appeal", at(1)), ("ask", at(3)), ("act", at(5))]
    assert response.progress.journey == "5a"
    assert await journey.progress(buyer) == [response.progress]

    page1 = await journey.timeline(buyer, page_size=4)
    assert page1.next_page_token
    page2 = await journey.timeline(buyer, page_size=4, page_token=page1.next_page_token)
    assert not page2.next_page_token
    listed = [t.type for t in [*page1.touchpoints, *page2.touchpoints]]
    assert listed == ["purchase", "test_drive", "inquiry", "coffee_chat", "website_visit", "ad_click"]
    assert [t.stage for t in page1.touchpoints] == ["act", "ask", "ask", ""]
    assert page2.touchpoints[-1].channel == "web"


async def test_same_instant_touchpoints_page_without_skipping_or_repeating(journey: Journey) -> None:
    buyer = await journey.customer()
    ids = [f"same-{i}" for i in range(5)]
    for touchpoint_id in ids:
        await journey.record(buyer, "content_view", minutes=7, id=touchpoint_id)
    seen: list[str] = []
    token = ""
    for _ in range(5):
        page = await journey.timeline(buyer, page_size=2, page_token=token)
        seen += [t.id for t in page.touchpoints]
        token = page.next_page_token
        if not token:
            break
    assert seen == sorted(ids, reverse=True)


async def test_a_resent_touchpoint_id_is_recorded_once(journey: Journey) -> None:
    buyer = await journey.customer()
    first = await journey.record(buyer, "inquiry", minutes=10, id="crm-call-1", notes="asked for price")
    again = await journey.record(buyer, "purchase", minutes=20, id="crm-call-1", notes="different")
    assert not again.stage_changed
    assert again.touchpoint == first.touchpoint
    assert again.progress == first.progress
    timeline = await journey.timeline(buyer)
    assert [(t.id, t.type, t.notes) for t in timeline.touchpoints] == [
        ("crm-call-1", "inquiry", "asked for price")
    ]


async def test_a_late_older_touchpoint_lowers_first_reached_but_keeps_the_current_stage(
    journey: Journey,
) -> None:
    buyer = await journey.customer()
    await journey.record(buyer, "ad_click", minutes=30)
    await journey.record(buyer, "inquiry", minutes=60)
    late = await journey.record(buyer, "ad_impression", minutes=5)
    assert not late.stage_changed
    assert late.progress.current_stage == "ask"
    assert reached(late.progress) == [("aware", at(5)), ("ask", at(60))]
    assert late.progress.last_touch_at.ToDatetime(tzinfo=UTC) == at(60)
    assert await journey.progress(buyer) == [late.progress]  # what was stored, read back

    back = await journey.record(buyer, "content_read", minutes=61)
    assert back.stage_changed
    assert (back.progress.current_stage, back.progress.furthest_stage) == ("appeal", "ask")
    assert await journey.progress(buyer) == [back.progress]


async def test_an_unknown_type_joins_the_timeline_without_moving_a_stage(journey: Journey) -> None:
    buyer = await journey.customer()
    response = await journey.record(buyer, "coffee_chat", minutes=3)
    assert not response.stage_changed
    assert response.touchpoint.stage == ""
    assert response.progress.current_stage == ""
    assert response.progress.last_touch_at.ToDatetime(tzinfo=UTC) == at(3)
    assert [t.type for t in (await journey.timeline(buyer)).touchpoints] == ["coffee_chat"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"customer_id": "not-a-customer"}, "touchpoint.customer_id"),
        ({"type": "Store Visit"}, "touchpoint.type"),
        ({"channel": "c" * 33}, "touchpoint.channel"),
        ({"notes": "n" * 2001}, "touchpoint.notes"),
        ({"id": "bad id!"}, "touchpoint.id"),
        ({"occurred_at": datetime.now(UTC) + timedelta(hours=1)}, "touchpoint.occurred_at"),
    ],
)
async def test_bad_touchpoint_is_invalid_argument_naming_the_field_and_stores_nothing(
    journey: Journey, fields: dict[str, object], field: str
) -> None:
    buyer = await journey.customer()
    values: dict[str, object] = {"customer_id": buyer, "type": "inquiry", "occurred_at": at(0)}
    values.update(fields)
    request = journey_pb2.RecordTouchpointRequest(touchpoint=journey_pb2.Touchpoint(**values))  # type: ignore[arg-type]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await journey.stub.RecordTouchpoint(request, metadata=metadata("acme"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [field]
    assert list((await journey.timeline(buyer)).touchpoints) == []
    [progress] = await journey.progress(buyer)
    assert (progress.current_stage, list(progress.reached)) == ("", [])


@pytest.mark.parametrize(
    ("page_size", "page_token", "field"),
    [(201, "", "page_size"), (-1, "", "page_size"), (0, "garbage!", "page_token"), (0, "e30", "page_token")],
)
async def test_bad_timeline_paging_is_invalid_argument(
    journey: Journey, page_size: int, page_token: str, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await journey.timeline(await journey.customer(), page_size=page_size, page_token=page_token)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [field]


async def test_another_tenant_sees_nothing_of_a_customer(journey: Journey) -> None:
    buyer = await journey.customer()
    await journey.record(buyer, "purchase", minutes=1, id="shared-id", tenant="acme")
    assert list((await journey.timeline(buyer, tenant="globex")).touchpoints) == []
    [progress] = await journey.progress(buyer, tenant="globex")
    assert (progress.current_stage, progress.furthest_stage, list(progress.reached)) == ("", "", [])

    # acme's customer does not exist in globex: globex cannot record touchpoints for it.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await journey.record(buyer, "ad_click", minutes=2, id="other-id", tenant="globex")
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND

    # The same touchpoint id is free in another tenant and moves only that tenant's progress.
    theirs = await journey.customer("globex")
    other = await journey.record(theirs, "ad_click", minutes=2, id="shared-id", tenant="globex")
    assert other.stage_changed
    assert other.touchpoint.type == "ad_click"
    [acme] = await journey.progress(buyer, tenant="acme")
    assert acme.current_stage == "act"
    [unseen] = await journey.progress(theirs, tenant="acme")
    assert unseen.current_stage == ""


async def test_batch_get_progress_answers_in_request_order(journey: Journey) -> None:
    asker, buyer, stranger = await journey.customer(), await journey.customer(), unknown_customer()
    await journey.record(buyer, "order", minutes=1)
    await journey.record(asker, "demo_request", minutes=2)
    progress = await journey.progress(stranger, buyer, asker, buyer)
    assert [p.customer_id for p in progress] == [stranger, buyer, asker, buyer]
    assert [p.current_stage for p in progress] == ["", "act", "ask", "act"]
    assert [p.journey for p in progress] == ["5a"] * 4
    assert not progress[0].HasField("last_touch_at")


@pytest.mark.parametrize(("count", "field"), [(0, "customer_ids"), (201, "customer_ids")])
async def test_batch_get_progress_refuses_empty_or_oversized_batches(
    journey: Journey, count: int, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await journey.progress(*[unknown_customer() for _ in range(count)])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [field]


async def test_later_timeline_pages_hold_only_this_tenants_and_this_customers_touchpoints(
    journey: Journey, mongo_client: AsyncMongoClient[dict[str, Any]], settings_for: Callable[..., Settings]
) -> None:
    buyer, neighbour = await journey.customer(), await journey.customer()
    elsewhere = await journey.customer("globex")
    # Touchpoints of the same id in another tenant can no longer be recorded (the customer is acme's),
    # but orphans stored before that check may exist: the timeline must leave them out too.
    orphans = mongo_client[settings_for("journey").database_name][TOUCHPOINTS]
    mine = [f"mine-{i}" for i in range(3)]
    for i, touchpoint_id in enumerate(mine):
        await journey.record(buyer, "content_view", minutes=i, id=touchpoint_id)
        await journey.record(neighbour, "content_view", minutes=i, id=f"neighbour-{i}")
        await journey.record(elsewhere, "content_view", minutes=i, id=f"other-tenant-{i}", tenant="globex")
        legacy = Touchpoint(
            id=f"orphan-{i}",
            customer_id=buyer,
            type="content_view",
            channel="",
            occurred_at=at(i),
            actor="",
            notes="",
            stage="aware",
        )
        await orphans.insert_one(touchpoint_document("globex", legacy, journey="5a"))

    seen: list[str] = []
    token = ""
    for _ in range(10):
        page = await journey.timeline(buyer, page_size=1, page_token=token)
        seen += [t.id for t in page.touchpoints]
        token = page.next_page_token
        if not token:
            break

    assert seen == list(reversed(mine))
