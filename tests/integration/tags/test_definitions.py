"""The tag library: create (never overwrite), defaults, and the paginated list."""

from __future__ import annotations

import grpc
from crm.tags.v1 import tags_pb2 as T

from common.grpc_client import field_violations
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import enum_tag, flag_tag
from tests.support.rpc import metadata

MD = metadata("acme")


async def test_define_fills_defaults_and_an_update_keeps_created_at(tags: TagsClient) -> None:
    created = await tags.stub.DefineTag(enum_tag("industry", ["retail"]), metadata=MD)
    request = T.UpdateTagRequest(
        key="industry", display_name="行业", allowed_values=T.TagStringList(values=["retail", "auto"])
    )

    updated = await tags.stub.UpdateTag(request, metadata=MD)

    assert (created.status, created.update_cycle) == (T.TAG_STATUS_ACTIVE, T.UPDATE_CYCLE_REALTIME)
    assert (updated.display_name, list(updated.allowed_values)) == ("行业", ["retail", "auto"])
    assert updated.created_at == created.created_at
    assert updated.updated_at.ToDatetime() >= created.updated_at.ToDatetime()


async def test_list_pages_by_key_filters_by_group_and_hides_archived(tags: TagsClient) -> None:
    for key in ("a1", "a2", "a3", "b1"):
        await tags.stub.DefineTag(flag_tag(key, group=key[0]), metadata=MD)
    await tags.stub.DefineTag(flag_tag("a4", group="a"), metadata=MD)
    await tags.stub.SetTagStatus(T.SetTagStatusRequest(key="a4", status=T.TAG_STATUS_ARCHIVED), metadata=MD)

    first = await tags.stub.ListTagDefinitions(
        T.ListTagDefinitionsRequest(page_size=2, group="a"), metadata=MD
    )
    second = await tags.stub.ListTagDefinitions(
        T.ListTagDefinitionsRequest(page_size=2, group="a", page_token=first.next_page_token), metadata=MD
    )
    everything = await tags.stub.ListTagDefinitions(
        T.ListTagDefinitionsRequest(include_archived=True), metadata=MD
    )

    assert [d.key for d in first.definitions] == ["a1", "a2"]
    assert [d.key for d in second.definitions] == ["a3"]
    assert second.next_page_token == ""
    assert [d.key for d in everything.definitions] == ["a1", "a2", "a3", "a4", "b1"]


async def test_extraction_hints_round_trip_and_a_bad_value_hint_changes_nothing(tags: TagsClient) -> None:
    request = enum_tag("car.brand", ["宝马", "奔驰"])
    request.definition.hints.keywords.append("品牌")
    request.definition.hints.values.append(T.ValueHints(value="宝马", keywords=["BMW"], patterns=["别*我"]))
    await tags.stub.DefineTag(request, metadata=MD)

    bad = enum_tag("car.brand", ["宝马", "奔驰"])
    bad.definition.hints.values.append(T.ValueHints(value="奥迪", keywords=["Audi"]))
    try:
        await tags.stub.DefineTag(bad, metadata=MD)
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [f for f, _ in field_violations(error)] == ["definition.hints.values[0].value"]
    else:
        raise AssertionError("a value hint for a value that is not allowed was accepted")

    stored = (await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=MD)).definitions
    assert [(v.value, list(v.keywords), list(v.patterns)) for v in stored[0].hints.values] == [
        ("宝马", ["BMW"], ["别*我"])
    ]
    assert list(stored[0].hints.keywords) == ["品牌"]
