"""Large batches and overlapping batches: the insert is split into several commands, and a write may meet
ids another batch of the same process is still storing (services/intent/engine.py, services/intent/store.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pytest
from crm.intent.v1 import intent_pb2, intent_pb2_grpc

from common.config import Settings
from services.intent import store as store_module
from services.intent.app import DEFINITION
from services.intent.signals import Signal
from services.intent.store import SCORES, SIGNALS, IntentStore, score_doc_id
from tests.integration.intent.helpers import eventually
from tests.integration.intent.test_crash_window import engine_of
from tests.support.leads import Leads
from tests.support.rpc import metadata
from tests.support.service import service_under_test


async def test_a_batch_split_over_many_insert_commands_is_stored_and_counted_once(
    settings_for: Callable[..., Settings], nats_url: str, leads: Leads, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical batches at once, each stored in commands of 7 signals: every signal is stored once
    (the loser's duplicates inside its commands are recognised) and counted once."""
    monkeypatch.setattr(store_module, "INSERT_CHUNK", 7)
    settings = settings_for("intent")
    buyers = [await leads.customer("acme") for _ in range(3)]
    md = metadata("acme")
    request = intent_pb2.IngestSignalsRequest(
        signals=[
            intent_pb2.Signal(id=f"s-{i}", customer_id=buyers[i % 3], type="content_read") for i in range(40)
        ]
    )
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)
        await asyncio.gather(*(stub.IngestSignals(request, metadata=md) for _ in range(2)))
        total = 0
        for buyer in buyers:
            score = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=buyer), metadata=md)
            total += score.signal_count
        assert total == 40
        signals: Any = svc.running.runtime.db[SIGNALS]
        stored = [
            d["signal_id"] async for d in signals.find({"tenant_id": "acme", "customer_id": {"$in": buyers}})
        ]
        assert sorted(stored) == sorted(f"s-{i}" for i in range(40))
        again = await stub.IngestSignals(request, metadata=md)
        assert (again.accepted, again.duplicates) == (0, 40)


async def test_a_write_keeps_the_ids_another_batch_is_still_storing(
    settings_for: Callable[..., Settings], nats_url: str, leads: Leads
) -> None:
    """Batch A's aggregate write is done but its signals are not stored yet when batch B writes the same
    customer: B must keep A's ids in `recent_ids` (a crash now would redeliver them, and only that list
    stops them counting twice). Once A's signals are stored, a later write forgets them."""
    settings = settings_for("intent")
    buyer = await leads.customer("acme")
    md = metadata("acme")
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        engine = engine_of(svc.running)
        store = engine.store
        real_insert = store.insert_signals
        release = asyncio.Event()

        async def slow_for_a(tenant: str, signals: Sequence[Signal], *, received_at: datetime) -> int:
            if any(s.id.startswith("a-") for s in signals):
                await release.wait()
            return await real_insert(tenant, signals, received_at=received_at)

        store.insert_signals = slow_for_a  # type: ignore[method-assign]
        stub = intent_pb2_grpc.IntentServiceStub(svc.channel)

        async def ingest(*ids: str) -> intent_pb2.IngestSignalsResponse:
            request = intent_pb2.IngestSignalsRequest(
                signals=[intent_pb2.Signal(id=i, customer_id=buyer, type="pricing_page_view") for i in ids]
            )
            response: intent_pb2.IngestSignalsResponse = await stub.IngestSignals(request, metadata=md)
            return response

        scores: Any = svc.running.runtime.db[SCORES]

        async def document() -> dict[str, Any]:
            return await scores.find_one({"_id": score_doc_id("acme", buyer)}) or {}

        a = asyncio.create_task(ingest("a-1", "a-2"))

        async def a_written() -> bool:
            return int((await document()).get("applied", 0)) == 2

        await eventually(a_written)
        assert not a.done()  # A's signals are not stored yet
        await ingest("b-1")
        doc = await document()
        assert doc["applied"] == 3
        assert {"a-1", "a-2", "b-1"} <= set(doc["recent_ids"])  # A's ids are kept: not stored yet

        release.set()
        assert (await a).accepted == 2
        await ingest("c-1")
        doc = (await IntentStore(svc.running.runtime.db).aggregates("acme", [buyer]))[buyer]
        assert set(doc["recent_ids"]) <= {"c-1"}  # stored by now, so forgotten
        score = await stub.GetScore(intent_pb2.GetScoreRequest(customer_id=buyer), metadata=md)
        assert score.signal_count == 4
