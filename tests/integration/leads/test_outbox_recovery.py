"""A customer whose creator never published `customer_created`: the running service relays it once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from crm.leads.v1 import leads_pb2, leads_pb2_grpc
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from common import bus
from common.config import Settings
from common.ids import new_customer_id
from common.outbox import Outbox
from common.timeutil import utcnow
from services.leads.app import DEFINITION
from services.leads.events import OUTBOX_COLLECTIONS, LeadsEvents
from services.leads.profiles import identity_keys, new_customer_document, validate_customer
from services.leads.store import CustomerStore
from tests.support.events import connect
from tests.support.rpc import metadata
from tests.support.service import ServiceUnderTest, service_under_test


@pytest.fixture
async def leads(settings_for: Callable[..., Settings], nats_url: str) -> AsyncIterator[ServiceUnderTest]:
    async with service_under_test(DEFINITION, settings_for("leads"), nats_url=nats_url) as svc:
        yield svc


async def created_events(js: JetStreamContext, root: str) -> list[dict[str, Any]]:
    """Every customer_created on the events stream, in stream order."""
    name = bus.stream_name(root, "evt")
    info = await js.stream_info(name)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1 if info.state.messages else 0):
        msg = await js.get_msg(name, seq)
        assert msg.data is not None
        event = json.loads(msg.data)
        if event["type"] == "crm.leads.customer_created.v1":
            out.append(event)
    return out


async def until_created(js: JetStreamContext, root: str, count: int, *, within: float = 20.0) -> None:
    """Wait until `count` customer_created events are on the stream (the relay works asynchronously)."""
    async with asyncio.timeout(within):
        while True:
            if len(await created_events(js, root)) >= count:
                return
            await asyncio.sleep(0.1)


async def test_a_customer_created_while_nats_is_unreachable_is_announced_once_by_the_relay(
    leads: ServiceUnderTest,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    settings_for: Callable[..., Settings],
    nats_url: str,
) -> None:
    settings = settings_for("leads")
    db = mongo_client[settings.database_name]
    dead = await connect(nats_url)
    await dead.close()
    # Another writer on the service's database whose NATS is gone, using the service's own code path.
    events = LeadsEvents(
        Outbox(
            db, dead.jetstream(), root=settings.subject_root, service="leads", collections=OUTBOX_COLLECTIONS
        )
    )
    fields = validate_customer({"name": "王五", "email": "wang.wu@example.com"})
    document = new_customer_document(fields, tenant="acme", customer_id=new_customer_id(), now=utcnow())
    announced = events.customer_created("acme", document)
    await CustomerStore(db).create(document, identity_keys(fields), events=[announced])
    await events.publish(document["_id"], [announced])  # fails quietly: the event stays stored

    js = leads.nc.jetstream()
    await until_created(js, settings.subject_root, 1)
    await asyncio.sleep(3)  # past another grace period: nothing is published twice
    [event] = await created_events(js, settings.subject_root)
    assert (event["id"], event["subject"]) == (announced.id, document["_id"])
    assert event["data"]["email"] == "wang.wu@example.com"

    stub = leads_pb2_grpc.LeadsServiceStub(leads.channel)
    customer = await stub.GetCustomer(
        leads_pb2.GetCustomerRequest(id=document["_id"]), metadata=metadata("acme")
    )
    assert customer.name == "王五"


async def test_each_created_customer_is_announced_exactly_once(leads: ServiceUnderTest) -> None:
    stub = leads_pb2_grpc.LeadsServiceStub(leads.channel)
    created = await asyncio.gather(
        *(
            stub.CreateCustomer(
                leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name=f"客户{i}")),
                metadata=metadata("acme"),
            )
            for i in range(20)
        )
    )
    js = leads.nc.jetstream()
    root = leads.running.runtime.settings.subject_root
    await until_created(js, root, 20)
    await asyncio.sleep(3)
    assert sorted(e["data"]["id"] for e in await created_events(js, root)) == sorted(c.id for c in created)
