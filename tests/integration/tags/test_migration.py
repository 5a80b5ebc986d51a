"""Assignments stored by earlier releases (one `tag_assignments` document per tag) are migrated lazily."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.tags.v1 import tags_pb2 as T
from pymongo import AsyncMongoClient

from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import active, assign, enum_tag, flag_tag
from tests.support.rpc import metadata

MD = metadata("acme")


def legacy(customer: str, key: str, value: str) -> dict[str, Any]:
    """A document as the previous release wrote it."""
    return {
        "_id": f"acme/{customer}/{key}",
        "tenant_id": "acme",
        "customer_id": customer,
        "tag_key": key,
        "value": value,
        "source": "manual",
        "confidence": 1.0,
        "evidence": {},
        "actor": "usr_old",
        "assigned_at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        "expires_at": None,
        "status": "active",
    }


async def test_a_customer_of_an_earlier_release_is_read_then_migrated_on_its_first_write(
    tags: TagsClient, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    db = mongo_client[tags.running.runtime.settings.database_name]
    customer = await tags.customer()
    await db["tag_assignments"].insert_many(
        [legacy(customer, "industry", "retail"), legacy(customer, "vip", "")]
    )

    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    assert active(listed) == {"industry": "retail", "vip": ""}

    response = await tags.stub.AssignTags(assign(customer, ("industry", "auto")), metadata=MD)
    assert [r.value for r in response.replaced] == ["retail"]

    # The aggregate now holds every value; the old documents are no longer read for this customer.
    await db["tag_assignments"].delete_many({"tenant_id": "acme", "customer_id": customer})
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    assert active(listed) == {"industry": "auto", "vip": ""}
    assert [(e.action, e.value, e.previous_value) for e in history.entries] == [
        ("assigned", "auto", "retail")
    ]
