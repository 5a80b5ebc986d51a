"""Bad requests get INVALID_ARGUMENT naming the field, and change nothing; auth and tenancy hold."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from common.grpc_client import field_violations
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import active, assign, enum_tag, flag_tag
from tests.support.rpc import metadata

MD = metadata("acme")


async def _rejected(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


async def _nothing_stored(tags: TagsClient, customer: str) -> None:
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    assert active(listed) == {}
    assert list(history.entries) == []


async def test_unknown_tag_in_a_batch_of_valid_ones_fails_the_whole_batch(tags: TagsClient) -> None:
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    await tags.stub.DefineTag(enum_tag("industry", ["retail"]), metadata=MD)
    customer = await tags.customer()

    err = await _rejected(
        tags.stub.AssignTags(assign(customer, ("vip", ""), ("nope", ""), ("industry", "retail")), metadata=MD)
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err)] == ["tags[1].tag_key"]
    await _nothing_stored(tags, customer)


async def test_wrong_enum_value_is_rejected_naming_the_value_field(tags: TagsClient) -> None:
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    customer = await tags.customer()

    err = await _rejected(
        tags.stub.AssignTags(assign(customer, ("vip", ""), ("industry", "mining")), metadata=MD)
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err)] == ["tags[1].value"]
    await _nothing_stored(tags, customer)


async def test_malformed_customer_id_is_rejected(tags: TagsClient) -> None:
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)

    err = await _rejected(tags.stub.AssignTags(assign("customer-42", ("vip", "")), metadata=MD))

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err)] == ["customer_id"]


async def test_more_than_100_items_are_rejected(tags: TagsClient) -> None:
    await tags.stub.DefineTag(enum_tag("score", [str(n) for n in range(101)]), metadata=MD)
    customer = await tags.customer()

    err = await _rejected(
        tags.stub.AssignTags(assign(customer, *[("score", str(n)) for n in range(101)]), metadata=MD)
    )

    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most 100" in err.details()
    assert [f for f, _ in field_violations(err)] == ["tags"]
    await _nothing_stored(tags, customer)


async def test_invalid_definition_names_the_field(tags: TagsClient) -> None:
    request = enum_tag("industry", [])

    err = await _rejected(tags.stub.DefineTag(request, metadata=MD))
    bad_key = await _rejected(tags.stub.DefineTag(flag_tag("Not A Slug"), metadata=MD))
    request = flag_tag("vip")
    request.definition.value_type = T.TAG_VALUE_TYPE_UNSPECIFIED
    no_type = await _rejected(tags.stub.DefineTag(request, metadata=MD))

    assert [f for f, _ in field_violations(err)] == ["definition.allowed_values"]
    assert [f for f, _ in field_violations(bad_key)] == ["definition.key"]
    assert [f for f, _ in field_violations(no_type)] == ["definition.value_type"]
    listed = await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=MD)
    assert list(listed.definitions) == []


async def test_defining_a_taken_key_again_is_already_exists_and_keeps_the_value_type(
    tags: TagsClient,
) -> None:
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)

    err = await _rejected(tags.stub.DefineTag(enum_tag("vip", ["yes"]), metadata=MD))
    listed = await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=MD)

    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    assert [f for f, _ in field_violations(err)] == ["definition.key"]
    assert [d.value_type for d in listed.definitions] == [T.TAG_VALUE_TYPE_FLAG]


async def test_callers_cannot_define_system_tags(tags: TagsClient) -> None:
    request = flag_tag("intent.level")
    request.definition.category = T.TAG_CATEGORY_SYSTEM

    err = await _rejected(tags.stub.DefineTag(request, metadata=MD))

    assert err.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_missing_or_wrong_internal_token_is_unauthenticated(tags: TagsClient) -> None:
    wrong = tuple((k, "wrong") if k == "x-internal-token" else (k, v) for k, v in MD)
    missing = tuple((k, v) for k, v in MD if k != "x-internal-token")

    for md in (wrong, missing):
        err = await _rejected(tags.stub.DefineTag(flag_tag("vip"), metadata=md))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    listed = await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=MD)
    assert list(listed.definitions) == []


async def test_another_tenant_sees_nothing_of_tenant_a_and_defines_keys_independently(
    tags: TagsClient,
) -> None:
    other = metadata("globex")
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("industry", "auto")), metadata=MD)

    theirs = await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=other)
    their_view = await tags.stub.ListCustomerTags(
        T.ListCustomerTagsRequest(customer_id=customer), metadata=other
    )
    with pytest.raises(grpc.aio.AioRpcError) as not_theirs:
        await tags.stub.AssignTags(assign(customer, ("industry", "auto")), metadata=other)
    assert not_theirs.value.code() == grpc.StatusCode.NOT_FOUND  # acme's customer is not globex's
    unknown_there = await _rejected(
        tags.stub.AssignTags(assign(await tags.customer("globex"), ("industry", "auto")), metadata=other)
    )
    await tags.stub.DefineTag(flag_tag("industry"), metadata=other)

    assert list(theirs.definitions) == []
    assert list(their_view.tags) == []
    assert [f for f, _ in field_violations(unknown_there)] == ["tags[0].tag_key"]
    mine = await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=MD)
    assert [(d.key, d.value_type) for d in mine.definitions] == [("industry", T.TAG_VALUE_TYPE_ENUM)]
