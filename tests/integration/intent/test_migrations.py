"""Data stored before the incremental engine scores what the formula says after an upgrade.

The old documents are written straight into the intent database before the service starts (that is
the point: they predate it): signals with dates only (no `at_ms`), `scores` documents with only the
last score (no aggregates), and a customer with signals and no `scores` document at all. The service's
one-off migration dates the signals and rebuilds the aggregates; GetScore then equals the reference
formula over the same signals, the migration does not run again on a restart, and a new signal adds
on top of the migrated history."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.intent.v1 import intent_pb2, intent_pb2_grpc
from pymongo import AsyncMongoClient

from common import bus, cloudevents
from common.config import Settings
from common.timeutil import iso_utc, to_ms
from services.intent.aggregate import term_of
from services.intent.app import DEFINITION
from services.intent.migrations import DONE, MARKER, MIGRATIONS
from services.intent.scoring import score_signals
from tests.integration.intent.helpers import MODEL, domain, eventually, signal, whole_ms
from tests.support.events import subscribe
from tests.support.leads import Leads
from tests.support.rpc import metadata
from tests.support.service import service_under_test

HISTORY = [  # (type, age): a demo request, a pricing burst, an old white paper, one outside the window
    ("demo_request", timedelta(days=1)),
    ("pricing_page_view", timedelta(hours=3)),
    ("pricing_page_view", timedelta(days=2)),
    ("whitepaper_download", timedelta(days=20)),
    ("email_click", timedelta(days=100)),
]


def old_signal(tenant: str, customer_id: str, kind: str, at: datetime, n: int) -> dict[str, Any]:
    """A signal document as the service stored it before the aggregates (git 41c510f, store.py)."""
    sid = f"old-{n}-{kind}"
    return {
        "_id": f"{tenant}|{sid}",
        "tenant_id": tenant,
        "signal_id": sid,
        "customer_id": customer_id,
        "type": kind,
        "party": "first",
        "topic": "",
        "occurred_at": at,
        "properties": {},
        "source": "",
        "received_at": at + timedelta(seconds=2),
    }


def expected(customer_id: str, now: datetime) -> float:
    terms = [
        term_of(
            domain(customer_id, kind, whole_ms(now - age)), model=MODEL, received_ms=to_ms(now - age) + 2000
        )
        for kind, age in HISTORY
    ]
    return score_signals(customer_id, terms, model=MODEL, now_ms=to_ms(now)).raw_points


async def test_signals_and_scores_from_before_the_aggregates_score_by_the_formula_after_an_upgrade(
    settings_for: Callable[..., Settings],
    nats_url: str,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    leads: Leads,
) -> None:
    settings = settings_for("intent")
    db = mongo_client[settings.database_name]
    scored, unscored = await leads.customers(2)
    alien = await leads.customer("globex")
    now = whole_ms(datetime.now(UTC))
    docs, n = [], 0
    for tenant, cid in (("acme", scored), ("acme", unscored), ("globex", alien)):
        for kind, age in HISTORY:
            n += 1
            docs.append(old_signal(tenant, cid, kind, whole_ms(now - age), n))
    await db["signals"].insert_many(docs)
    await db["scores"].insert_one(  # the old shape: the last score only
        {
            "_id": f"acme|{scored}",
            "tenant_id": "acme",
            "customer_id": scored,
            "score": 71.2,
            "level": "high",
            "computed_at": now - timedelta(hours=1),
        }
    )

    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)

        async def migrated() -> bool:
            records = [d async for d in db[MIGRATIONS].find({"state": DONE})]
            return len(records) == 2

        await eventually(migrated, within=30)
        for tenant, cid in (("acme", scored), ("acme", unscored), ("globex", alien)):
            got = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=cid), metadata=metadata(tenant))
            assert got.signal_count == 4, (cid, got)  # the 100-day-old click is outside the window
            assert abs(got.raw_points - expected(cid, datetime.now(UTC))) < 0.05, (cid, got)
        # Progress, as an admin sees it (GraphQL intentDataMigration).
        acme = await stub.GetDataMigration(intent_pb2.GetDataMigrationRequest(), metadata=metadata("acme"))
        assert (acme.state, acme.signals_done, acme.customers_done) == (
            intent_pb2.DATA_MIGRATION_STATE_DONE,
            10,
            2,
        )
        assert acme.HasField("finished_at") and acme.finished_at.ToDatetime() >= acme.started_at.ToDatetime()
        globex = await stub.GetDataMigration(
            intent_pb2.GetDataMigrationRequest(), metadata=metadata("globex")
        )
        assert (globex.signals_done, globex.customers_done) == (5, 1)
        untouched = await stub.GetDataMigration(
            intent_pb2.GetDataMigrationRequest(), metadata=metadata("initech")
        )
        assert untouched.state == intent_pb2.DATA_MIGRATION_STATE_NONE
        # The old document's score is the history's "before"; the rebuild is the "after".
        history = await stub.ListScoreHistory(
            intent_pb2.ListScoreHistoryRequest(customer_id=scored), metadata=metadata("acme")
        )
        assert history.entries[0].previous_score == 71.2
        # Tenants stay apart: acme does not see globex's migrated customer.
        other = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=alien), metadata=metadata("acme"))
        assert other.signal_count == 0 and other.score == 0

    # A restart migrates nothing again; a new signal adds on top of the migrated history.
    marker = await db[MIGRATIONS].find_one({"_id": MARKER})
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)
        assert await db[MIGRATIONS].find_one({"_id": MARKER}) == marker
        assert await db["timers"].count_documents({"kind": "intent.migrate"}) == 0
        await stub.IngestSignals(
            intent_pb2.IngestSignalsRequest(signals=[signal(scored, "content_read")]),
            metadata=metadata("acme"),
        )
        got = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=scored), metadata=metadata("acme"))
        assert got.signal_count == 5
        assert abs(got.raw_points - expected(scored, datetime.now(UTC)) - 3.0) < 0.05


async def unmigrated_customer(db: Any, leads: Leads) -> str:
    """A customer of acme with the old signals and an old-shape score (71.2, high), which the
    migration has not reached yet (here: it is not scheduled at all)."""
    (cid,) = await leads.customers(1)
    now = whole_ms(datetime.now(UTC))
    await db["signals"].insert_many(
        [old_signal("acme", cid, kind, whole_ms(now - age), n) for n, (kind, age) in enumerate(HISTORY)]
    )
    old = {"_id": f"acme|{cid}", "tenant_id": "acme", "customer_id": cid, "score": 71.2, "level": "high"}
    await db["scores"].insert_one({**old, "computed_at": now - timedelta(hours=1)})
    await db[MIGRATIONS].insert_one({"_id": MARKER, "tenants": 0})
    return cid


async def test_a_profile_fact_reaching_an_old_customer_before_the_migration_upgrades_it_first(
    settings_for: Callable[..., Settings],
    nats_url: str,
    namespace: str,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    leads: Leads,
) -> None:
    settings = settings_for("intent")
    db = mongo_client[settings.database_name]
    cid = await unmigrated_customer(db, leads)

    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)
        levels = await subscribe(svc.nc, f"{namespace}.evt.acme.intent.level_changed")
        data = {"id": cid, "region": "上海", "owner_id": "rep-li", "updated_at": iso_utc(datetime.now(UTC))}
        event = cloudevents.make_event(
            type="crm.leads.customer_updated.v1", source="crm/leads", tenant="acme", data=data
        )
        await bus.publish_event(svc.nc.jetstream(), f"{namespace}.evt.acme.leads.customer_updated", event)

        async def profiled() -> bool:
            doc = await db["scores"].find_one({"_id": f"acme|{cid}"})
            return bool(doc and doc.get("owner_id") == "rep-li")

        await eventually(profiled, within=15)
        doc = await db["scores"].find_one({"_id": f"acme|{cid}"})
        assert doc is not None and "migrated_ms" in doc
        got = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=cid), metadata=metadata("acme"))
        assert got.signal_count == 4
        assert abs(got.raw_points - expected(cid, datetime.now(UTC))) < 0.05
        await asyncio.sleep(0.5)
        # Never a drop to LOW from empty aggregates: at most the honest move from the old stored level.
        assert all(e["data"]["level"] != "low" for e in levels.events), levels.events


async def test_new_signals_for_an_old_customer_before_the_migration_add_to_its_whole_history(
    settings_for: Callable[..., Settings],
    nats_url: str,
    namespace: str,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    leads: Leads,
) -> None:
    settings = settings_for("intent")
    db = mongo_client[settings.database_name]
    cid = await unmigrated_customer(db, leads)

    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)
        levels = await subscribe(svc.nc, f"{namespace}.evt.acme.intent.level_changed")
        # A partner's signal over NATS (the ingest consumer), then one through gRPC.
        event = cloudevents.make_event(
            type="com.partner.signal.v1",
            source="partner/web",
            tenant="acme",
            data={"customer_id": cid, "type": "content_read"},
        )
        await bus.publish_event(svc.nc.jetstream(), f"{namespace}.in.acme.signals", event)

        async def counted() -> bool:
            doc = await db["scores"].find_one({"_id": f"acme|{cid}"})
            return bool(doc and doc.get("applied") == 5)

        await eventually(counted, within=15)
        await stub.IngestSignals(
            intent_pb2.IngestSignalsRequest(signals=[signal(cid, "content_read")]), metadata=metadata("acme")
        )
        doc = await db["scores"].find_one({"_id": f"acme|{cid}"})
        assert doc is not None and "migrated_ms" in doc
        got = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=cid), metadata=metadata("acme"))
        # The four old signals inside the window, plus the two new ones (3 points each).
        assert got.signal_count == 6
        assert abs(got.raw_points - expected(cid, datetime.now(UTC)) - 6.0) < 0.05
        history = await stub.ListScoreHistory(
            intent_pb2.ListScoreHistoryRequest(customer_id=cid), metadata=metadata("acme")
        )
        assert history.entries[-1].previous_score == 71.2  # the old score is the first "before"
        await asyncio.sleep(0.5)
        # Never a drop to LOW from empty aggregates.
        assert all(e["data"]["level"] != "low" for e in levels.events), levels.events
