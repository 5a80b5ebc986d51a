"""A crash between the aggregate write and the signal insert: the redelivered signals count once.

The engine writes a customer's aggregate first and stores the raw signals after it (services/intent/
engine.py, "Exactly once"). Here the first replica dies in between (its insert raises, as a killed
process would never run it); a second replica, which never saw those ids, receives the same signals
again and must store them without adding them twice, then forget them once they are stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import grpc
import pytest
from crm.intent.v1 import intent_pb2, intent_pb2_grpc

from common.config import Settings
from common.grpc_client import open_channel
from common.service import RunningService, start_service
from services.intent.app import DEFINITION
from services.intent.engine import IntentEngine
from services.intent.signals import Signal
from services.intent.store import SCORES, IntentStore, score_doc_id
from tests.support.leads import Leads
from tests.support.rpc import metadata
from tests.support.service import service_under_test


def engine_of(running: RunningService) -> IntentEngine:
    assert running.parts is not None
    api = running.parts.registrations[0][1]
    engine: IntentEngine = api._engine  # type: ignore[attr-defined]
    return engine


class Killed(Exception):
    """Stands for the process dying between its two writes."""


async def test_signals_redelivered_after_a_crash_between_the_two_writes_count_once(
    settings_for: Callable[..., Settings], nats_url: str, leads: Leads
) -> None:
    settings = settings_for("intent")
    buyer = await leads.customer("acme")
    first_signals = [intent_pb2.Signal(id=f"c-{i}", customer_id=buyer, type="demo_request") for i in range(2)]
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as first:
        store = engine_of(first.running).store

        async def die(tenant: str, signals: Sequence[Signal], *, received_at: datetime) -> int:
            raise Killed()

        store.insert_signals = die  # type: ignore[method-assign]
        stub = intent_pb2_grpc.IntentServiceStub(first.channel)
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.IngestSignals(
                intent_pb2.IngestSignalsRequest(signals=first_signals), metadata=metadata("acme")
            )
        scores: Any = first.running.runtime.db[SCORES]
        written = await scores.find_one({"_id": score_doc_id("acme", buyer)})
        assert written is not None and written["applied"] == 2  # the aggregate counted them...
        assert set(written["recent_ids"]) == {"c-0", "c-1"}  # ...and remembers they may be unstored

    second = await start_service(DEFINITION, settings)  # a fresh process on the same database
    try:
        async with open_channel(f"127.0.0.1:{second.port}") as channel:
            stub = intent_pb2_grpc.IntentServiceStub(channel)
            md = metadata("acme")
            again = await stub.IngestSignals(
                intent_pb2.IngestSignalsRequest(signals=first_signals), metadata=md
            )
            assert again.accepted == 2  # stored now, for the first time
            score = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=buyer), metadata=md)
            assert score.signal_count == 2  # but not added a second time
            await stub.IngestSignals(
                intent_pb2.IngestSignalsRequest(
                    signals=[intent_pb2.Signal(id="c-2", customer_id=buyer, type="content_read")]
                ),
                metadata=md,
            )
            score = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=buyer), metadata=md)
            assert score.signal_count == 3
            stored = IntentStore(second.runtime.db)
            doc = (await stored.aggregates("acme", [buyer]))[buyer]
            # The ids found stored are forgotten; only the last write's own may still be unconfirmed.
            assert set(doc["recent_ids"]) <= {"c-2"}
    finally:
        await second.stop()


async def test_items_left_pending_by_a_failed_publish_survive_the_next_write(
    settings_for: Callable[..., Settings], nats_url: str, leads: Leads
) -> None:
    """A write whose publish failed leaves its history entry pending in the document; the next write of
    the same customer (from this process's cached copy) must not clear it with its own: the relay
    still applies it, so both score history entries exist."""
    settings = settings_for("intent")
    buyer = await leads.customer("acme")
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        engine = engine_of(svc.running)
        outbox: Any = engine._outbox  # type: ignore[attr-defined]
        publish_many = outbox.publish_many

        async def unreachable(*args: Any, **kwargs: Any) -> set[str]:
            return set()  # what publish_many reports when NATS or MongoDB failed half-way

        outbox.publish_many = unreachable
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)
        md = metadata("acme")
        first = intent_pb2.Signal(id="p-0", customer_id=buyer, type="demo_request")
        await stub.IngestSignals(intent_pb2.IngestSignalsRequest(signals=[first]), metadata=md)
        scores: Any = svc.running.runtime.db[SCORES]
        pending = (await scores.find_one({"_id": score_doc_id("acme", buyer)}) or {}).get("outbox") or {}
        assert pending  # the first score's history entry waits for the relay
        outbox.publish_many = publish_many

        more = [intent_pb2.Signal(id=f"p-{i}", customer_id=buyer, type="demo_request") for i in range(1, 6)]
        await stub.IngestSignals(intent_pb2.IngestSignalsRequest(signals=more), metadata=md)
        after = (await scores.find_one({"_id": score_doc_id("acme", buyer)}) or {}).get("outbox") or {}
        assert set(pending) <= set(after)  # the second write's publish left the first one's items alone

        history: Any = svc.running.runtime.db["score_history"]
        for _ in range(200):  # the relay picks it up after its grace period
            if await history.count_documents({"tenant_id": "acme", "customer_id": buyer}) == 2:
                break
            await asyncio.sleep(0.05)
        entries = [d async for d in history.find({"tenant_id": "acme", "customer_id": buyer})]
        assert sorted(len(e["signal_ids"]) for e in entries) == [1, 5]
