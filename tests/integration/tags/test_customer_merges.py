"""Leads' `customers_merged` over NATS: the duplicate's tags move onto the survivor, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from crm.tags.v1 import tags_pb2 as T
from nats.aio.client import Client as NATS

from common import cloudevents
from common.bus import publish_event
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import assign, enum_tag, flag_tag
from tests.support.events import connect
from tests.support.rpc import metadata

MD = metadata("acme")


@pytest.fixture
async def nc(tags: TagsClient, nats_url: str) -> AsyncIterator[NATS]:
    client = await connect(nats_url)
    try:
        yield client
    finally:
        await client.close()


async def merged(nc: NATS, namespace: str, survivor: str, duplicate: str) -> None:
    data = {"survivor_id": survivor, "merged_id": duplicate, "actor": "boss"}
    envelope = cloudevents.make_event(
        type="crm.leads.customers_merged.v1", source="crm/leads", tenant="acme", data=data, subject=survivor
    )
    await publish_event(nc.jetstream(), f"{namespace}.evt.acme.leads.customers_merged", envelope)


async def tags_of(tags: TagsClient, customer: str) -> dict[str, str]:
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    return {t.tag_key: t.value for t in listed.tags}


async def test_duplicates_tags_move_to_the_survivor_which_keeps_its_own_values(
    tags: TagsClient, nc: NATS, namespace: str
) -> None:
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    await tags.stub.DefineTag(flag_tag("has_shop"), metadata=MD)
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    survivor, duplicate = await tags.customer(), await tags.customer()
    await tags.stub.AssignTags(assign(survivor, ("industry", "retail")), metadata=MD)
    await tags.stub.AssignTags(
        assign(duplicate, ("industry", "auto"), ("has_shop", ""), ("vip", "")), metadata=MD
    )

    await merged(nc, namespace, survivor, duplicate)
    for _ in range(300):
        if await tags_of(tags, duplicate) == {}:
            break
        await asyncio.sleep(0.05)
    assert await tags_of(tags, survivor) == {"industry": "retail", "has_shop": "", "vip": ""}
    assert await tags_of(tags, duplicate) == {}
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=survivor), metadata=MD)
    moved = [e for e in history.entries if e.reason == f"merged from {duplicate}"]
    assert sorted(e.tag_key for e in moved) == ["has_shop", "vip"]

    # Redelivered: nothing moves twice, nothing is removed.
    await merged(nc, namespace, survivor, duplicate)
    await asyncio.sleep(1.0)
    assert await tags_of(tags, survivor) == {"industry": "retail", "has_shop": "", "vip": ""}
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=survivor), metadata=MD)
    assert len([e for e in history.entries if e.reason == f"merged from {duplicate}"]) == 2
