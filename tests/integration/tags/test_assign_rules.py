"""Exclusive groups, human decisions, removal and batch reads, as callers see them over gRPC."""

from __future__ import annotations

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.helpers import active, assign, enum_tag, flag_tag
from tests.support.rpc import metadata

MD = metadata("acme")
# Machine provenance (model, rule, import) is the platform's to set: an importer or a model runner.
PLATFORM = metadata("acme", caller="model-runner", roles="platform")


async def _active(tags: TagsClient, customer: str) -> dict[str, str]:
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    return active(listed)


async def test_exclusive_group_keeps_only_the_latest_tag(tags: TagsClient) -> None:
    for key in ("intent-high", "intent-medium"):
        await tags.stub.DefineTag(flag_tag(key, group="intent-manual", exclusive=True), metadata=MD)
    await tags.stub.DefineTag(flag_tag("newsletter", group="intent-manual"), metadata=MD)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("intent-medium", ""), ("newsletter", "")), metadata=MD)

    response = await tags.stub.AssignTags(assign(customer, ("intent-high", "")), metadata=MD)

    assert [a.tag_key for a in response.replaced] == ["intent-medium"]
    assert await _active(tags, customer) == {"intent-high": "", "newsletter": ""}
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    assert [(e.action, e.tag_key) for e in history.entries][:2] == [
        ("replaced", "intent-medium"),
        ("assigned", "intent-high"),
    ]


async def test_machine_source_does_not_overturn_a_person(tags: TagsClient) -> None:
    await tags.stub.DefineTag(enum_tag("budget", ["low", "high"]), metadata=MD)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("budget", "low")), metadata=MD)
    from_model = T.TagAssignmentInput(
        tag_key="budget", value="high", source=T.TAG_SOURCE_MODEL, confidence=0.9
    )

    by_machine = await tags.stub.AssignTags(assign(customer, from_model), metadata=PLATFORM)
    assert [(s.tag_key, s.value, s.reason) for s in by_machine.skipped] == [
        ("budget", "high", "human_decision")
    ]
    assert await _active(tags, customer) == {"budget": "low"}

    by_person = await tags.stub.AssignTags(assign(customer, ("budget", "high")), metadata=MD)
    assert [a.value for a in by_person.assigned] == ["high"]
    assert await _active(tags, customer) == {"budget": "high"}


async def test_machine_source_may_replace_a_machine_value(tags: TagsClient) -> None:
    await tags.stub.DefineTag(enum_tag("budget", ["low", "high"]), metadata=MD)
    customer = await tags.customer()
    for value in ("low", "high"):
        item = T.TagAssignmentInput(
            tag_key="budget", value=value, source=T.TAG_SOURCE_RULE, evidence=T.Evidence(rule_id="r1")
        )
        await tags.stub.AssignTags(assign(customer, item), metadata=PLATFORM)

    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer), metadata=MD)
    [tag] = listed.tags
    assert (tag.value, tag.source, tag.evidence.rule_id) == ("high", T.TAG_SOURCE_RULE, "r1")


async def test_removed_tag_disappears_and_is_recorded_with_its_reason(tags: TagsClient) -> None:
    await tags.stub.DefineTag(flag_tag("vip"), metadata=MD)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("vip", "")), metadata=MD)

    removed = await tags.stub.RemoveTag(
        T.RemoveTagRequest(customer_id=customer, tag_key="vip", reason="downgraded"), metadata=MD
    )

    assert removed.removed.tag_key == "vip"
    assert await _active(tags, customer) == {}
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer), metadata=MD)
    assert (history.entries[0].action, history.entries[0].reason) == ("removed", "downgraded")
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await tags.stub.RemoveTag(T.RemoveTagRequest(customer_id=customer, tag_key="vip"), metadata=MD)
    assert again.value.code() == grpc.StatusCode.NOT_FOUND


async def test_assign_roles_restrict_who_may_assign(tags: TagsClient) -> None:
    request = flag_tag("key-account")
    request.definition.assign_roles.append("sales")
    await tags.stub.DefineTag(request, metadata=MD)
    customer = await tags.customer()

    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await tags.stub.AssignTags(assign(customer, ("key-account", "")), metadata=metadata(roles="viewer"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    ok = await tags.stub.AssignTags(assign(customer, ("key-account", "")), metadata=metadata(roles="sales"))
    assert [a.tag_key for a in ok.assigned] == ["key-account"]


async def test_batch_list_returns_each_customers_tags_in_request_order(tags: TagsClient) -> None:
    await tags.stub.DefineTag(enum_tag("industry", ["retail", "auto"]), metadata=MD)
    first, second, untagged = await tags.customer(), await tags.customer(), await tags.customer()
    await tags.stub.AssignTags(assign(first, ("industry", "retail")), metadata=MD)
    await tags.stub.AssignTags(assign(second, ("industry", "auto")), metadata=MD)

    response = await tags.stub.BatchListCustomerTags(
        T.BatchListCustomerTagsRequest(customer_ids=[second, untagged, first]), metadata=MD
    )

    assert [(c.customer_id, [t.value for t in c.tags]) for c in response.customers] == [
        (second, ["auto"]),
        (untagged, []),
        (first, ["retail"]),
    ]
    assert response.customers[0].tags[0].display_name == "industry"


async def test_history_pages_cover_every_entry_once_newest_first(tags: TagsClient) -> None:
    await tags.stub.DefineTag(enum_tag("stage", ["a", "b", "c"]), metadata=MD)
    customer = await tags.customer()
    for value in ("a", "b", "c", "a", "b"):
        await tags.stub.AssignTags(assign(customer, ("stage", value)), metadata=MD)

    seen: list[str] = []
    token = ""
    while True:
        page = await tags.stub.ListTagHistory(
            T.ListTagHistoryRequest(customer_id=customer, page_size=2, page_token=token), metadata=MD
        )
        seen.extend(e.value for e in page.entries)
        token = page.next_page_token
        if not token:
            break

    assert seen == ["b", "a", "c", "b", "a"]


async def test_later_history_pages_hold_only_this_customers_entries_of_this_tenant(tags: TagsClient) -> None:
    for md in (MD, metadata("globex")):
        await tags.stub.DefineTag(enum_tag("stage", ["a", "b", "c"]), metadata=md)
    customer, neighbour = await tags.customer(), await tags.customer()
    # acme's customer cannot be tagged in globex (it does not exist there): globex tags its own.
    elsewhere = await tags.customer("globex")
    for value in ("a", "b", "c"):
        await tags.stub.AssignTags(assign(customer, ("stage", value)), metadata=MD)
        await tags.stub.AssignTags(assign(neighbour, ("stage", value)), metadata=MD)
        await tags.stub.AssignTags(assign(elsewhere, ("stage", value)), metadata=metadata("globex"))

    seen: list[str] = []
    token = ""
    for _ in range(10):
        page = await tags.stub.ListTagHistory(
            T.ListTagHistoryRequest(customer_id=customer, page_size=1, page_token=token), metadata=MD
        )
        seen.extend(f"{e.customer_id}:{e.value}" for e in page.entries)
        token = page.next_page_token
        if not token:
            break

    assert seen == [f"{customer}:c", f"{customer}:b", f"{customer}:a"]
