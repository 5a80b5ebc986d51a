"""Journey progress under concurrent writers: 50 touchpoints of one customer at once, on two replicas.

Whatever order the writes land in, the stored progress must be that of some serial order, and the
`stage_changed` events on the stream must tell the same story: each names as `previous_stage` the
stage of the event before it, and the last one's stage is the stored current stage.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC
from typing import Any

import pytest
from crm.journey.v1 import journey_pb2, journey_pb2_grpc

from common.config import Settings
from common.service import start_service
from services.journey.app import DEFINITION
from tests.integration.journey.helpers import Journey, at, eventually
from tests.integration.journey.streams import customer_events, stream_count, wait_for_stream_count
from tests.support.rpc import channel, metadata

ROUNDS = 6
PER_ROUND = 50
# One type per 5A stage, and one that implies none.
TYPES = {
    "ad_click": "aware",
    "website_visit": "appeal",
    "inquiry": "ask",
    "purchase": "act",
    "referral": "advocate",
    "email_open": "",
}
RANK = {"aware": 1, "appeal": 2, "ask": 3, "act": 4, "advocate": 5}


@pytest.fixture
async def second_replica(
    journey: Journey, settings_for: Callable[..., Settings]
) -> AsyncIterator[journey_pb2_grpc.JourneyServiceStub]:
    """Another journey process on the same database and NATS, as a second Kubernetes replica would be."""
    running = await start_service(DEFINITION, settings_for("journey"))
    try:
        async with channel(running.port) as ch:
            yield journey_pb2_grpc.JourneyServiceStub(ch)
    finally:
        await running.stop()


def expected_progress(sent: list[journey_pb2.Touchpoint]) -> dict[str, Any]:
    """Progress after all of `sent` in any serial order (the rules keep extremes, so order is moot)."""
    staged = [t for t in sent if TYPES[t.type]]
    newest = max(staged, key=lambda t: (t.occurred_at.ToDatetime(), t.id))
    reached: dict[str, Any] = {}
    for t in staged:
        when = t.occurred_at.ToDatetime(tzinfo=UTC)
        reached[TYPES[t.type]] = min(reached.get(TYPES[t.type], when), when)
    return {
        "current": TYPES[newest.type],
        "furthest": max((TYPES[t.type] for t in staged), key=RANK.__getitem__),
        "reached": sorted(reached.items(), key=lambda item: RANK[item[0]]),
    }


async def check_story(journey: Journey, buyer: str, sent: list[journey_pb2.Touchpoint]) -> int:
    """Check the stream and the stored progress tell one serial story of `sent`; returns the number of
    stage changes. Every touchpoint is announced once; the stored progress is that of a serial order;
    the stage changes chain (each `previous_stage` is the stage before it, in stream order), end at the
    stored current stage, and each is caused by a touchpoint newer than the one before it."""
    recorded = await customer_events(journey, buyer, "touchpoint_recorded")
    assert sorted(e["data"]["id"] for e in recorded) == sorted(t.id for t in sent)
    changes = [e["data"] for e in await customer_events(journey, buyer, "stage_changed")]

    [progress] = await journey.progress(buyer)
    want = expected_progress(sent)
    assert (progress.current_stage, progress.furthest_stage) == (want["current"], want["furthest"])
    assert [(r.stage, r.first_reached_at.ToDatetime(tzinfo=UTC)) for r in progress.reached] == want["reached"]

    assert [c["previous_stage"] for c in changes] == ["", *(c["stage"] for c in changes[:-1])]
    assert changes[-1]["stage"] == progress.current_stage
    assert all(c["stage"] != c["previous_stage"] for c in changes)
    by_id = {t.id: t for t in sent}
    assert all(TYPES[by_id[c["touchpoint_id"]].type] == c["stage"] for c in changes)
    causes = [(by_id[c["touchpoint_id"]].occurred_at.ToDatetime(), c["touchpoint_id"]) for c in changes]
    assert causes == sorted(set(causes))
    return len(changes)


async def test_concurrent_touchpoints_leave_a_serial_state_and_agreeing_stage_events(
    journey: Journey, second_replica: journey_pb2_grpc.JourneyServiceStub
) -> None:
    buyer = await journey.customer()
    stubs = [journey.stub, second_replica]
    rng = random.Random(7)
    sent: list[journey_pb2.Touchpoint] = []
    changed_replies = 0
    for round_no in range(ROUNDS):
        batch = [
            journey_pb2.Touchpoint(
                id=f"r{round_no}-{i:02d}",
                customer_id=buyer,
                type=rng.choice(list(TYPES)),
                occurred_at=at(rng.randrange(0, 600)),
            )
            for i in range(PER_ROUND)
        ]
        replies = await asyncio.gather(
            *(
                stubs[i % 2].RecordTouchpoint(
                    journey_pb2.RecordTouchpointRequest(touchpoint=t), metadata=metadata("acme")
                )
                for i, t in enumerate(batch)
            )
        )
        sent += batch
        changed_replies += sum(r.stage_changed for r in replies)
        await wait_for_stream_count(journey, len(sent) + changed_replies)

        # As many stage changes on the stream as replies that said so.
        assert await check_story(journey, buyer, sent) == changed_replies

    timeline_ids: list[str] = []
    token = ""
    while True:
        page = await journey.timeline(buyer, page_size=200, page_token=token)
        timeline_ids += [t.id for t in page.touchpoints]
        if not (token := page.next_page_token):
            break
    assert sorted(timeline_ids) == sorted(t.id for t in sent)


async def test_resent_touchpoints_change_nothing_and_publish_nothing(journey: Journey) -> None:
    buyer = await journey.customer()
    first = [
        await journey.record(buyer, kind, minutes=m, id=f"tp-{m}")
        for m, kind in enumerate(["ad_click", "inquiry", "purchase"])
    ]
    assert [r.stage_changed for r in first] == [True, True, True]
    await wait_for_stream_count(journey, 6)
    [before] = await journey.progress(buyer)

    again = await asyncio.gather(
        *(journey.record(buyer, "referral", minutes=m, id=f"tp-{m}", notes="again") for m in range(3))
    )
    assert [r.stage_changed for r in again] == [False, False, False]
    # The reply shows the touchpoint as first stored, not the re-sent body.
    assert [(r.touchpoint.type, r.touchpoint.notes) for r in again] == [
        ("ad_click", ""),
        ("inquiry", ""),
        ("purchase", ""),
    ]
    await asyncio.sleep(3)  # past the relay's grace period, were anything left pending
    assert await stream_count(journey) == 6
    assert await journey.progress(buyer) == [before]
    assert [t.id for t in (await journey.timeline(buyer)).touchpoints] == ["tp-2", "tp-1", "tp-0"]


async def test_ingested_batches_of_one_customer_tell_one_serial_story(journey: Journey) -> None:
    buyer = await journey.customer()
    rng = random.Random(11)
    sent = [
        journey_pb2.Touchpoint(
            id=f"in-{i:02d}",
            customer_id=buyer,
            type=rng.choice(list(TYPES)),
            occurred_at=at(rng.randrange(600)),
        )
        for i in range(60)
    ]
    messages = [
        {
            "items": [
                {"id": t.id, "customer_id": buyer, "type": t.type, "occurred_at": iso(t)}
                for t in sent[k : k + 20]
            ]
        }
        for k in range(0, 60, 20)
    ]
    await asyncio.gather(*(journey.publish_touchpoints(m) for m in [*messages, messages[1]]))

    async def all_recorded() -> bool:
        return len(await customer_events(journey, buyer, "touchpoint_recorded")) >= len(sent)

    await eventually(all_recorded, within=30)
    await asyncio.sleep(3)  # the re-sent message, and the relay's grace period, add nothing
    changes = await check_story(journey, buyer, sent)
    assert await stream_count(journey) == len(sent) + changes


def iso(touchpoint: journey_pb2.Touchpoint) -> str:
    return touchpoint.occurred_at.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z")
