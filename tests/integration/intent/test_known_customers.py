"""Signals are stored only for customers leads has in the tenant (common/customers.py).

An unknown id, or a customer of another tenant, is refused over gRPC with NOT_FOUND naming the field
and dead-lettered on NATS; nothing of the request or message is stored. When leads does not answer,
gRPC says UNAVAILABLE and the consumer retries instead of storing anything unchecked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc
import pytest
from crm.intent.v1 import intent_pb2_grpc

from common.config import Settings
from common.grpc_client import error_metadata, field_violations
from services.intent.app import DEFINITION
from tests.integration.intent.helpers import Intent, eventually, signal, unknown_customer
from tests.support.events import subscribe
from tests.support.leads import Leads
from tests.support.service import service_under_test

# Nothing listens here: a leads that is down.
NOWHERE = {"leads": "127.0.0.1:1"}


async def test_a_signal_for_a_customer_leads_never_created_is_not_found_and_nothing_is_stored(
    intent: Intent,
) -> None:
    buyer, stranger = await intent.customer(), unknown_customer()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await intent.ingest(signal(buyer, "demo_request"), signal(stranger, "demo_request"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert [f for f, _ in field_violations(caught.value)] == ["signals[1].customer_id"]
    assert error_metadata(caught.value) == {"customer_id": stranger}
    assert (await intent.score(buyer)).signal_count == 0
    assert (await intent.score(stranger)).signal_count == 0


async def test_a_customer_of_another_tenant_is_not_found(intent: Intent) -> None:
    theirs = await intent.customer("globex")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await intent.ingest(signal(theirs, "demo_request"), tenant="acme")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert [f for f, _ in field_violations(caught.value)] == ["signals[0].customer_id"]
    assert (await intent.score(theirs, tenant="acme")).signal_count == 0
    assert (await intent.score(theirs, tenant="globex")).signal_count == 0
    # in its own tenant the same customer is welcome
    assert (await intent.ingest(signal(theirs, "demo_request"), tenant="globex")).accepted == 1


async def test_an_unknown_customer_on_nats_is_dead_lettered_once_and_the_next_message_is_scored(
    intent: Intent,
) -> None:
    dead = await subscribe(intent.nc, f"{intent.namespace}.dlq.intent")
    buyer, stranger, theirs = await intent.customer(), unknown_customer(), await intent.customer("globex")
    await intent.publish_signals(
        {"items": [{"customer_id": buyer, "type": "demo_request"}, {"customer_id": stranger, "type": "x"}]}
    )
    await intent.publish_signals({"customer_id": theirs, "type": "demo_request"})
    await intent.publish_signals({"customer_id": buyer, "type": "email_click"})

    letters = await dead.wait_for(2)
    assert all(letter["deliveries"] == 1 for letter in letters)  # not retried: it will not get better
    assert "NotFound" in letters[0]["error"] and "items[1].customer_id" in letters[0]["error"]
    assert stranger in letters[0]["error"]
    assert "NotFound" in letters[1]["error"] and "data.customer_id" in letters[1]["error"]

    async def scored() -> bool:
        return (await intent.score(buyer)).signal_count == 1

    await eventually(scored)
    [top] = (await intent.score(buyer)).top_signals
    assert top.type == "email_click"  # the demo_request of the refused message was not stored
    assert (await intent.score(theirs, tenant="acme")).signal_count == 0


async def test_one_lookup_per_request_and_known_customers_are_not_asked_again(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> None:
    async with service_under_test(DEFINITION, settings_for("intent"), nats_url=nats_url) as svc:
        intent = Intent(
            stub=intent_pb2_grpc.IntentServiceStub(svc.channel),
            nc=svc.nc,
            js=svc.nc.jetstream(),
            namespace=namespace,
            leads=leads,
        )
        known = svc.running.runtime.customers
        buyers = await leads.customers(3)
        await intent.ingest(*(signal(b, k) for b in buyers for k in ("email_click", "demo_request")))
        assert known.lookups == 1
        await intent.ingest(*(signal(b, "webinar_attend") for b in buyers))
        assert known.lookups == 1
        stranger = unknown_customer()
        for _ in range(2):  # a miss is never remembered: the customer may be created a moment later
            with pytest.raises(grpc.aio.AioRpcError):
                await intent.ingest(signal(stranger, "email_click"))
        assert known.lookups == 3


async def test_when_leads_does_not_answer_grpc_is_unavailable_and_nats_retries_storing_nothing(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> None:
    settings = settings_for("intent", peers=NOWHERE)
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        intent = Intent(
            stub=intent_pb2_grpc.IntentServiceStub(svc.channel),
            nc=svc.nc,
            js=svc.nc.jetstream(),
            namespace=namespace,
            leads=leads,
        )
        buyer = await intent.customer()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await intent.ingest(signal(buyer, "demo_request"))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE

        dead = await subscribe(intent.nc, f"{namespace}.dlq.intent")
        await intent.publish_signals({"customer_id": buyer, "type": "demo_request"})
        # Retried with back-off (0.4 s, 0.8 s) up to the test's max_deliver of 3, never stored.
        [letter] = await dead.wait_for(1, within=20)
        assert letter["deliveries"] == 3
        assert "Unavailable" in letter["error"]
        await asyncio.sleep(0.2)
        assert (await intent.score(buyer)).signal_count == 0
