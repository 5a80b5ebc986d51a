"""Defining tags, assigning them to customers, and reading them back with their history."""

from __future__ import annotations

from typing import Any

from crm.tags.v1 import tags_pb2 as T
from pymongo import AsyncMongoClient

from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import active, assign, enum_tag, flag_tag
from tests.support.rpc import metadata

MD = metadata("acme")


async def test_defined_tag_is_assigned_listed_and_recorded_in_history(tags: TagsClient) -> None:
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"], group="basic"), metadata=MD)
    await tags.stub.DefineTag(flag_tag("vip", display_name="重要客户"), metadata=MD)
    customer = await tags.customer()

    response = await tags.stub.AssignTags(assign(customer, ("industry", "auto"), ("vip", "")), metadata=MD)

    assert sorted((a.tag_key, a.value) for a in response.assigned) == [("industry", "auto"), ("vip", "")]
    assert all(a.source == T.TAG_SOURCE_MANUAL and a.confidence == 1.0 for a in response.assigned)
    assert all(a.actor == "user-1" for a in response.assigned)
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    assert active(listed) == {"industry": "auto", "vip": ""}
    vip = next(t for t in listed.tags if t.tag_key == "vip")
    assert (vip.display_name, vip.category, vip.status) == (
        "重要客户",
        T.TAG_CATEGORY_MARKETING,
        T.ASSIGNMENT_STATUS_ACTIVE,
    )
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    assert sorted((e.action, e.tag_key, e.value) for e in history.entries) == [
        ("assigned", "industry", "auto"),
        ("assigned", "vip", ""),
    ]


async def test_assigning_a_new_value_replaces_the_old_one_and_the_same_value_is_skipped(
    tags: TagsClient,
) -> None:
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("industry", "retail")), metadata=MD)

    changed = await tags.stub.AssignTags(assign(customer, ("industry", "auto")), metadata=MD)
    again = await tags.stub.AssignTags(assign(customer, ("industry", "auto")), metadata=MD)

    assert [(a.tag_key, a.value) for a in changed.assigned] == [("industry", "auto")]
    assert [(a.tag_key, a.value) for a in changed.replaced] == [("industry", "retail")]
    assert not again.assigned
    assert [(s.tag_key, s.value, s.reason) for s in again.skipped] == [("industry", "auto", "unchanged")]
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    assert active(listed) == {"industry": "auto"}
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    assert [(e.action, e.value, e.previous_value) for e in history.entries] == [
        ("assigned", "auto", "retail"),
        ("assigned", "retail", ""),
    ]


async def test_one_document_per_customer_holds_its_active_values(
    tags: TagsClient, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("industry", "retail")), metadata=MD)
    await tags.stub.AssignTags(assign(customer, ("industry", "auto")), metadata=MD)

    db = mongo_client[tags.running.runtime.settings.database_name]
    docs = await db["tag_customers"].find({"tenant_id": "acme", "customer_id": customer}).to_list()

    assert [[(t["tag_key"], t["value"]) for t in d["tags"].values()] for d in docs] == [
        [("industry", "auto")]
    ]
    assert docs[0]["version"] == 2 and "outbox" not in docs[0]  # both writes landed, their events went out
