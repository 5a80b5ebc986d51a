"""Leads' `customers_merged` on the running journey service: a merge killed half-way is completed by the
event's redelivery, a replay changes nothing, another tenant's event touches nothing, and a malformed
event is dead-lettered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from pymongo import AsyncMongoClient

from common.config import Settings
from common.outbox import Outbox
from services.journey.deal_store import DealStore
from services.journey.definition_store import DefinitionStore
from services.journey.definitions import JourneyBook
from services.journey.events import JourneyEvents
from services.journey.merges import DURABLE, JourneyMerges
from services.journey.store import OUTBOX_COLLECTIONS, PROGRESS, JourneyStore
from services.journey.task_store import TaskStore
from tests.integration.journey.helpers import Journey, eventually
from tests.integration.journey.test_timeline_feed import consumed, publish
from tests.support.events import subscribe


def merged(survivor: str, duplicate: str) -> dict[str, Any]:
    return {"survivor_id": survivor, "merged_id": duplicate, "actor": "admin-1"}


async def state(journey: Journey, *ids: str, tenant: str = "acme") -> list[tuple[Any, ...]]:
    """What a reader sees of each customer: stage, furthest stage, reached stages, timeline ids."""
    seen = []
    for cid in ids:
        [p] = await journey.progress(cid, tenant=tenant)
        timeline = sorted(t.id for t in (await journey.timeline(cid, tenant=tenant)).touchpoints)
        seen.append((p.current_stage, p.furthest_stage, [r.stage for r in p.reached], timeline))
    return seen


async def test_a_merge_killed_half_way_is_completed_by_the_redelivery_and_a_replay_changes_nothing(
    journey: Journey,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    settings_for: Callable[..., Settings],
) -> None:
    settings = settings_for("journey")
    db = mongo_client[settings.database_name]
    outbox = Outbox(
        db, journey.js, root=settings.subject_root, service="journey", collections=OUTBOX_COLLECTIONS
    )
    store = JourneyStore(db)
    merges = JourneyMerges(
        store=store,
        deals=DealStore(db),
        tasks=TaskStore(db),
        events=JourneyEvents(outbox),
        definitions=DefinitionStore(db),
    )
    kept, dup = await journey.customer(), await journey.customer()
    await journey.record(kept, "ad_click", minutes=30, id="tp-kept")
    await journey.record(dup, "ad_click", minutes=0, id="tp-dup-1")
    await journey.record(dup, "purchase", minutes=10, id="tp-dup-2")

    # A replica folded the duplicate into the survivor (step 2), then died before emptying it.
    duplicate = await store.load("acme", dup)
    await merges._absorb("acme", kept, dup, duplicate.progress, JourneyBook())
    assert (await state(journey, kept))[0][:2] == ("aware", "act")

    # The event's redelivery (here: its first delivery to the running service) completes the merge.
    event = await publish(journey, "leads", "customers_merged", merged(kept, dup))
    await consumed(journey, DURABLE)
    done = await state(journey, kept, dup)
    assert done == [
        ("aware", "act", ["aware", "act"], ["tp-dup-1", "tp-dup-2", "tp-kept"]),
        ("", "", [], []),
    ]
    stored = await db[PROGRESS].find_one({"customer_id": kept, "tenant_id": "acme"})
    assert stored is not None and stored["merged_ids"] == [dup]
    version = stored["version"]

    # A replay (the same data under a new event id) and a touchpoint-less re-run change nothing.
    await publish(journey, "leads", "customers_merged", merged(kept, dup))
    await merges.merge("acme", kept, dup)
    await consumed(journey, DURABLE)
    assert await state(journey, kept, dup) == done
    again = await db[PROGRESS].find_one({"customer_id": kept, "tenant_id": "acme"})
    assert again is not None and again["version"] == version
    assert event["data"]["merged_id"] == dup


async def test_another_tenants_merge_touches_nothing_and_a_malformed_event_is_dead_lettered(
    journey: Journey,
) -> None:
    dlq = await subscribe(journey.nc, f"{journey.namespace}.dlq.journey")
    kept, dup = await journey.customer(), await journey.customer()
    await journey.record(kept, "ad_click", minutes=0)
    await journey.record(dup, "inquiry", minutes=5)
    before = await state(journey, kept, dup)

    await publish(journey, "leads", "customers_merged", merged(kept, dup), tenant="globex")
    await publish(journey, "leads", "customers_merged", {"survivor_id": kept, "merged_id": kept})
    [dead] = await dlq.wait_for(1)
    assert dead["consumer"] == DURABLE and "the same customer twice" in dead["error"]
    assert json.loads(dead["payload"])["data"]["survivor_id"] == kept
    await consumed(journey, DURABLE)
    assert await state(journey, kept, dup) == before

    # The same event in acme moves the duplicate's inquiry to the survivor.
    await publish(journey, "leads", "customers_merged", merged(kept, dup))

    async def moved() -> bool:
        return (await state(journey, kept))[0][1] == "ask"

    await eventually(moved)
    assert (await state(journey, dup)) == [("", "", [], [])]

    # A touchpoint sent for the dead id later is recorded for the survivor.
    late = await journey.record(dup, "purchase", minutes=20, id="tp-late")
    assert late.touchpoint.customer_id == kept and late.progress.current_stage == "act"
    assert (await state(journey, kept, dup)) == [
        ("act", "act", ["aware", "ask", "act"], sorted([*before[0][3], *before[1][3], "tp-late"])),
        ("", "", [], []),
    ]


async def test_touchpoints_sent_for_the_duplicate_during_its_merge_all_end_on_the_survivor(
    journey: Journey,
) -> None:
    kept, dup = await journey.customer(), await journey.customer()
    await journey.record(kept, "ad_click", minutes=0, id="tp-k")
    await journey.record(dup, "website_visit", minutes=1, id="tp-d")
    types = ["inquiry", "ad_click", "content_read", "purchase", "review", "store_visit"]

    async def send(i: int, kind: str) -> None:
        await journey.record(dup, kind, minutes=10 + i, id=f"tp-during-{i}")

    await asyncio.gather(
        publish(journey, "leads", "customers_merged", merged(kept, dup)),
        *(send(i, kind) for i, kind in enumerate(types)),
    )
    await consumed(journey, DURABLE)
    ids = sorted(["tp-k", "tp-d", *(f"tp-during-{i}" for i in range(len(types)))])

    async def all_moved() -> bool:
        return (await state(journey, kept))[0][3] == ids

    await eventually(all_moved)
    [survivor, duplicate] = await state(journey, kept, dup)
    # Whatever the interleaving: every stage either reached; the latest touch (store_visit) is current.
    assert survivor == ("ask", "advocate", ["aware", "appeal", "ask", "act", "advocate"], ids)
    assert duplicate == ("", "", [], [])
