"""Touchpoints whose writer never published: the running service's outbox relay completes them once.

A second writer shares the service's database but cannot reach NATS (its connection is closed), as a
replica that lost NATS right after its commit; another commit is left exactly as a process killed
right after the write leaves it (no fast path at all). No caller retries either of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pymongo import AsyncMongoClient

from common.config import Settings
from common.outbox import Outbox
from services.journey.definitions import JourneyBook
from services.journey.events import JourneyEvents
from services.journey.recording import TouchpointRecorder, apply_to_journeys
from services.journey.store import OUTBOX_COLLECTIONS, JourneyStore
from services.journey.templates import journey_for_tenant
from services.journey.touchpoints import Touchpoint
from tests.integration.journey.helpers import Journey, at
from tests.integration.journey.streams import customer_events, stream_count, wait_for_stream_count
from tests.support.events import connect

FIVE_A = journey_for_tenant("acme")
BOOK = JourneyBook()


def touchpoint(buyer: str, tp_id: str, kind: str, stage: str, minutes: int) -> Touchpoint:
    return Touchpoint(
        id=tp_id,
        customer_id=buyer,
        type=kind,
        channel="",
        occurred_at=at(minutes),
        actor="",
        notes="",
        stage=stage,
    )


async def test_commits_whose_events_were_never_published_are_published_once_by_the_relay(
    journey: Journey,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    settings_for: Callable[..., Settings],
    nats_url: str,
) -> None:
    settings = settings_for("journey")
    db = mongo_client[settings.database_name]
    dead = await connect(nats_url)
    await dead.close()
    offline = Outbox(
        db, dead.jetstream(), root=settings.subject_root, service="journey", collections=OUTBOX_COLLECTIONS
    )
    store, events = JourneyStore(db), JourneyEvents(offline)
    buyer = await journey.customer()

    # 1. Recorded by the service's own code path; its fast path cannot reach NATS.
    first = await TouchpointRecorder(store=store, events=events).record(
        "acme", touchpoint(buyer, "tp-click", "ad_click", "aware", 0), BOOK
    )
    assert first.stage_changed
    # 2. Committed, then the writer dies before anything else: no insert, no publish.
    late = touchpoint(buyer, "tp-buy", "purchase", "act", 5)
    current = await store.load("acme", buyer)
    after, changes = apply_to_journeys(current.progress, late, BOOK)
    items = events.commit_items(
        "acme", touchpoint=late, journey=FIVE_A, changes=changes, version=current.version + 1
    )
    assert await store.commit("acme", buyer, expected_version=current.version, progress=after, items=items)

    # Progress already shows both; the relay completes the rest without any caller retrying.
    [progress] = await journey.progress(buyer)
    assert (progress.current_stage, progress.furthest_stage) == ("act", "act")
    await wait_for_stream_count(journey, 4)
    recorded = await customer_events(journey, buyer, "touchpoint_recorded")
    assert [e["data"]["id"] for e in recorded] == ["tp-click", "tp-buy"]
    changes = await customer_events(journey, buyer, "stage_changed")
    assert [(c["data"]["previous_stage"], c["data"]["stage"]) for c in changes] == [
        ("", "aware"),
        ("aware", "act"),
    ]
    assert [t.id for t in (await journey.timeline(buyer)).touchpoints] == ["tp-buy", "tp-click"]

    # Re-sending both through the API now changes nothing, and nothing is published again.
    again = await journey.record(buyer, "purchase", minutes=5, id="tp-buy")
    assert not again.stage_changed
    await asyncio.sleep(3)  # past the relay's grace period
    assert await stream_count(journey) == 4
    assert await journey.progress(buyer) == [progress]


async def test_a_resend_while_the_first_recording_is_unfinished_completes_it_once(
    journey: Journey,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    settings_for: Callable[..., Settings],
) -> None:
    settings = settings_for("journey")
    db = mongo_client[settings.database_name]
    store = JourneyStore(db)
    # The writer's events are built by an outbox that never runs (its process "died" after commit).
    events = JourneyEvents(
        Outbox(db, journey.js, root=settings.subject_root, service="journey", collections=OUTBOX_COLLECTIONS)
    )
    buyer = await journey.customer()
    tp = touchpoint(buyer, "tp-ask", "inquiry", "ask", 1)
    empty = (await store.load("acme", buyer)).progress
    after, changes = apply_to_journeys(empty, tp, BOOK)
    items = events.commit_items("acme", touchpoint=tp, journey=FIVE_A, changes=changes, version=1)
    assert await store.commit("acme", buyer, expected_version=0, progress=after, items=items)

    # The partner retries at once, before the relay's grace period: it sees the first recording.
    reply = await journey.record(buyer, "inquiry", minutes=1, id="tp-ask", notes="retry")
    assert not reply.stage_changed
    assert (reply.touchpoint.notes, reply.progress.current_stage) == ("", "ask")
    await wait_for_stream_count(journey, 2)
    await asyncio.sleep(3)
    assert await stream_count(journey) == 2
    assert [e["data"]["id"] for e in await customer_events(journey, buyer, "touchpoint_recorded")] == [
        "tp-ask"
    ]
