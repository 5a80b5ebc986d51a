"""Raw signals leave after the retention period, by the scheduler's hourly job (not a TTL index)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from crm.intent.v1 import intent_pb2, intent_pb2_grpc

from common.config import Settings
from common.timeutil import to_timestamp, utcnow
from services.intent.app import DEFINITION
from services.intent.retention import KEY, RETENTION_KIND, Retention
from services.intent.store import SIGNALS
from tests.support.leads import Leads
from tests.support.rpc import metadata
from tests.support.service import service_under_test


async def test_expired_signals_are_deleted_by_the_hourly_job_and_the_old_ttl_index_goes(
    settings_for: Callable[..., Settings], nats_url: str, leads: Leads
) -> None:
    async with service_under_test(DEFINITION, settings_for("intent"), nats_url=nats_url) as svc:
        runtime = svc.running.runtime
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)
        buyer, other = await leads.customer("acme"), await leads.customer("globex")
        now = utcnow()
        for tenant, customer in (("acme", buyer), ("globex", other)):
            await stub.IngestSignals(
                intent_pb2.IngestSignalsRequest(
                    signals=[
                        intent_pb2.Signal(
                            id="old",
                            customer_id=customer,
                            type="content_read",
                            occurred_at=to_timestamp(now - timedelta(days=3)),
                        ),
                        intent_pb2.Signal(id="new", customer_id=customer, type="content_read"),
                    ]
                ),
                metadata=metadata(tenant),
            )
        scheduler = runtime.scheduler
        # Storing its first signals gave each tenant its retention timer, about an hour ahead.
        due = await scheduler.pending(tenant="acme", kind=RETENTION_KIND, key=KEY)
        assert due is not None and timedelta(minutes=55) < due - now < timedelta(minutes=65)

        signals: Any = runtime.db[SIGNALS]
        job = Retention(signals, scheduler, keep=timedelta(days=2))  # as if the retention were 2 days
        await job.due("acme", KEY, {})
        left = {
            (d["tenant_id"], d["signal_id"]) async for d in signals.find({}, {"tenant_id": 1, "signal_id": 1})
        }
        assert left == {("acme", "new"), ("globex", "old"), ("globex", "new")}  # one tenant's job, one tenant
        again = await scheduler.pending(tenant="acme", kind=RETENTION_KIND, key=KEY)
        assert again is not None and again > now + timedelta(minutes=55)  # it comes back

        # A database from an earlier release still has the TTL index: start-up drops it.
        await signals.create_index([("occurred_at", 1)], expireAfterSeconds=3600)
        await job.drop_old_ttl_index()
        infos = (await signals.index_information()).values()
        assert not [i for i in infos if "expireAfterSeconds" in i]
