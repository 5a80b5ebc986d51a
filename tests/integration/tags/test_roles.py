"""Every TagsService RPC needs its roles (docs/authorization.md), checked by the service itself, and
only the platform sets machine provenance or system tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from common.grpc_client import field_violations
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.conversation_helpers import HEDGED, SURE, conversation, define_library, ingest
from tests.integration.tags.helpers import assign, flag_tag
from tests.support.roles import RpcCase, check_row, rows_of
from tests.support.rpc import metadata

SERVICE = "crm.tags.v1.TagsService"
ADMIN = metadata("acme")
PLATFORM = metadata("acme", caller="importer", roles="platform")


@dataclass(frozen=True)
class World:
    tags: TagsClient
    customer_id: str
    conversation_id: str
    suggestion_id: str


async def build_world(tags: TagsClient) -> World:
    await define_library(tags)
    for key in ("vip", "old.vip", "gone.vip"):
        await tags.stub.DefineTag(flag_tag(key), metadata=ADMIN)
    await tags.stub.MergeTags(T.MergeTagsRequest(source_key="gone.vip", target_key="vip"), metadata=ADMIN)
    customer_id = await tags.customer()
    await tags.stub.AssignTags(assign(customer_id, ("vip", "")), metadata=ADMIN)
    reply = await ingest(
        tags, conversation(customer_id, ("customer", SURE), ("customer", HEDGED), conversation_id="c-0")
    )
    [pending] = [s for s in reply.suggested if s.tag_key == "pref.suv"]
    return World(
        tags=tags, customer_id=customer_id, conversation_id=reply.conversation.id, suggestion_id=pending.id
    )


async def library(w: World) -> Any:
    return await w.tags.stub.ListTagDefinitions(
        T.ListTagDefinitionsRequest(include_archived=True), metadata=ADMIN
    )


async def customer_tags(w: World) -> Any:
    listed = await w.tags.stub.ListCustomerTags(
        T.ListCustomerTagsRequest(customer_id=w.customer_id), metadata=ADMIN
    )
    history = await w.tags.stub.ListTagHistory(
        T.ListTagHistoryRequest(customer_id=w.customer_id), metadata=ADMIN
    )
    return (listed, history)


async def conversations(w: World) -> Any:
    return await w.tags.stub.ListConversations(
        T.ListConversationsRequest(customer_id=w.customer_id), metadata=ADMIN
    )


async def pending(w: World) -> Any:
    return (
        await w.tags.stub.ListSuggestions(
            T.ListSuggestionsRequest(customer_id=w.customer_id), metadata=ADMIN
        ),
        await customer_tags(w),
    )


async def settings(w: World) -> Any:
    return await w.tags.stub.GetConversationSettings(T.GetConversationSettingsRequest(), metadata=ADMIN)


def new_vip(w: World, n: str) -> T.DefineTagRequest:
    request = flag_tag(f"vip.{n}", display_name=f"VIP {n}")
    request.definition.assign_roles.append("admin")
    return request


CASES: list[RpcCase[World]] = [
    RpcCase("DefineTag", new_vip, allowed="tag_admin", read_back=library),
    RpcCase("ListTagDefinitions", lambda w, n: T.ListTagDefinitionsRequest(), allowed="viewer"),
    RpcCase("GetTag", lambda w, n: T.GetTagRequest(key="vip"), allowed="viewer"),
    RpcCase("UpdateTag", lambda w, n: T.UpdateTagRequest(key="vip", display_name=f"VIP {n}"), allowed="tag_admin", read_back=library),
    RpcCase(
        "SetTagStatus",
        lambda w, n: T.SetTagStatusRequest(key="vip", status=T.TAG_STATUS_DEPRECATED),
        allowed="tag_admin",
        read_back=library,
    ),
    RpcCase("ArchiveTags", lambda w, n: T.ArchiveTagsRequest(keys=["old.vip"]), allowed="tag_admin", read_back=library),
    RpcCase("ListDeadTags", lambda w, n: T.ListDeadTagsRequest(), allowed="viewer"),
    RpcCase(
        "MergeTags",
        lambda w, n: T.MergeTagsRequest(source_key="old.vip", target_key="vip"),
        allowed="tag_admin",
        read_back=library,
    ),
    RpcCase("GetTagMerge", lambda w, n: T.GetTagMergeRequest(source_key="gone.vip"), allowed="viewer"),
    RpcCase("AssignTags", lambda w, n: assign(w.customer_id, ("intent.low", "")), allowed="sdr", read_back=customer_tags),
    RpcCase(
        "RemoveTag",
        lambda w, n: T.RemoveTagRequest(customer_id=w.customer_id, tag_key="vip", reason="downgraded"),
        allowed="cs",
        read_back=customer_tags,
    ),
    RpcCase("ListCustomerTags", lambda w, n: T.ListCustomerTagsRequest(customer_id=w.customer_id), allowed="viewer"),
    RpcCase(
        "BatchListCustomerTags",
        lambda w, n: T.BatchListCustomerTagsRequest(customer_ids=[w.customer_id]),
        allowed="viewer",
    ),
    RpcCase("ListTagHistory", lambda w, n: T.ListTagHistoryRequest(customer_id=w.customer_id), allowed="viewer"),
    RpcCase(
        "IngestConversation",
        lambda w, n: T.IngestConversationRequest(
            conversation=conversation(w.customer_id, ("customer", HEDGED), conversation_id=f"c-{n}")
        ),
        allowed="marketing",
        read_back=conversations,
    ),
    RpcCase(
        "ReextractConversation",
        lambda w, n: T.ReextractConversationRequest(conversation_id=w.conversation_id),
        allowed="tag_admin",
        read_back=conversations,
        changes_state=False,  # the same text heard with the same library
    ),
    RpcCase("GetConversation", lambda w, n: T.GetConversationRequest(conversation_id=w.conversation_id), allowed="viewer"),
    RpcCase("ListConversations", lambda w, n: T.ListConversationsRequest(customer_id=w.customer_id), allowed="viewer"),
    RpcCase(
        "BatchListConversations",
        lambda w, n: T.BatchListConversationsRequest(customer_ids=[w.customer_id]),
        allowed="viewer",
    ),
    RpcCase("ListSuggestions", lambda w, n: T.ListSuggestionsRequest(customer_id=w.customer_id), allowed="viewer"),
    RpcCase(
        "ReviewSuggestion",
        lambda w, n: T.ReviewSuggestionRequest(suggestion_id=w.suggestion_id, decision=T.REVIEW_DECISION_ACCEPT),
        allowed="sales",
        read_back=pending,
    ),
    RpcCase("GetTagPrecision", lambda w, n: T.GetTagPrecisionRequest(), allowed="viewer"),
    RpcCase("GetConversationSettings", lambda w, n: T.GetConversationSettingsRequest(), allowed="viewer"),
    RpcCase(
        "UpdateConversationSettings",
        lambda w, n: T.UpdateConversationSettingsRequest(settings=T.ConversationSettings(auto_apply_threshold=0.6)),
        allowed="admin",
        read_back=settings,
    ),
]  # fmt: skip


def test_every_rpc_of_the_service_has_a_case() -> None:
    assert {c.method for c in CASES} == rows_of(SERVICE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.method)
async def test_an_rpc_refuses_callers_without_its_roles_and_serves_those_with_one(
    tags: TagsClient, case: RpcCase[World]
) -> None:
    await check_row(tags.stub, SERVICE, case, await build_world(tags))


MACHINE_CLAIMS = [
    (T.TagAssignmentInput(tag_key="vip", source=T.TAG_SOURCE_MODEL, confidence=0.9), "tags[0].source"),
    (T.TagAssignmentInput(tag_key="vip", source=T.TAG_SOURCE_RULE), "tags[0].source"),
    (T.TagAssignmentInput(tag_key="vip", confidence=0.99), "tags[0].confidence"),
    (T.TagAssignmentInput(tag_key="vip", evidence=T.Evidence(rule_id="made-up")), "tags[0].evidence.rule_id"),
    (
        T.TagAssignmentInput(tag_key="vip", evidence=T.Evidence(channel_code="qr")),
        "tags[0].evidence.channel_code",
    ),
    (
        T.TagAssignmentInput(tag_key="vip", evidence=T.Evidence(conversation_id="c-1", quote="我要")),
        "tags[0].evidence.conversation_id",
    ),
    (
        T.TagAssignmentInput(tag_key="vip", evidence=T.Evidence(event_ids=["e1"])),
        "tags[0].evidence.event_ids",
    ),
]


@pytest.mark.parametrize(("item", "field"), MACHINE_CLAIMS, ids=[f for _, f in MACHINE_CLAIMS])
async def test_a_person_even_an_admin_cannot_claim_machine_provenance(
    tags: TagsClient, item: T.TagAssignmentInput, field: str
) -> None:
    for key in ("vip", "old.vip", "gone.vip"):
        await tags.stub.DefineTag(flag_tag(key), metadata=ADMIN)
    await tags.stub.MergeTags(T.MergeTagsRequest(source_key="gone.vip", target_key="vip"), metadata=ADMIN)
    customer_id = await tags.customer()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await tags.stub.AssignTags(assign(customer_id, item), metadata=ADMIN)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert [f for f, _ in field_violations(refused.value)] == [field]
    listed = await tags.stub.ListCustomerTags(
        T.ListCustomerTagsRequest(customer_id=customer_id), metadata=ADMIN
    )
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer_id), metadata=ADMIN)
    assert (list(listed.tags), list(history.entries)) == ([], [])


async def test_the_platform_sets_machine_provenance_and_a_person_sets_manual_with_a_note(
    tags: TagsClient,
) -> None:
    await tags.stub.DefineTag(flag_tag("vip"), metadata=ADMIN)
    await tags.stub.DefineTag(flag_tag("newsletter"), metadata=ADMIN)
    customer_id = await tags.customer()
    by_model = T.TagAssignmentInput(
        tag_key="vip", source=T.TAG_SOURCE_MODEL, confidence=0.9, evidence=T.Evidence(rule_id="m-1")
    )
    by_person = T.TagAssignmentInput(tag_key="newsletter", evidence=T.Evidence(note="asked on the phone"))

    machine = await tags.stub.AssignTags(assign(customer_id, by_model), metadata=PLATFORM)
    person = await tags.stub.AssignTags(assign(customer_id, by_person), metadata=ADMIN)

    [m] = machine.assigned
    [p] = person.assigned
    assert (m.source, m.confidence, m.evidence.rule_id, m.actor) == (
        T.TAG_SOURCE_MODEL,
        pytest.approx(0.9),
        "m-1",
        "importer",
    )
    assert (p.source, p.confidence, p.evidence.note) == (T.TAG_SOURCE_MANUAL, 1.0, "asked on the phone")


def system_tag(key: str) -> T.DefineTagRequest:
    request = flag_tag(key)
    request.definition.category = T.TAG_CATEGORY_SYSTEM
    return request


async def test_only_the_platform_defines_assigns_and_removes_a_system_tag(tags: TagsClient) -> None:
    customer_id = await tags.customer()
    with pytest.raises(grpc.aio.AioRpcError) as by_admin:
        await tags.stub.DefineTag(system_tag("sys.flag"), metadata=ADMIN)
    assert by_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (
        await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=ADMIN)
    ).definitions == []

    defined = await tags.stub.DefineTag(system_tag("sys.flag"), metadata=PLATFORM)
    assert defined.category == T.TAG_CATEGORY_SYSTEM
    system_item = T.TagAssignmentInput(tag_key="sys.flag", source=T.TAG_SOURCE_SYSTEM)
    with pytest.raises(grpc.aio.AioRpcError) as assigned_by_admin:
        await tags.stub.AssignTags(assign(customer_id, ("sys.flag", "")), metadata=ADMIN)
    assert assigned_by_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await tags.stub.AssignTags(assign(customer_id, system_item), metadata=PLATFORM)

    removal = T.RemoveTagRequest(customer_id=customer_id, tag_key="sys.flag")
    with pytest.raises(grpc.aio.AioRpcError) as removed_by_admin:
        await tags.stub.RemoveTag(removal, metadata=ADMIN)
    assert removed_by_admin.value.code() == grpc.StatusCode.PERMISSION_DENIED
    removed = await tags.stub.RemoveTag(removal, metadata=PLATFORM)
    assert removed.removed.tag_key == "sys.flag"


@pytest.mark.parametrize("role", ["platform", "saless", ""])
async def test_assign_roles_name_real_roles(tags: TagsClient, role: str) -> None:
    request = flag_tag("key-account")
    request.definition.assign_roles.extend(["sales", role])
    if not role:
        request.definition.assign_roles.append("intern")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await tags.stub.DefineTag(request, metadata=ADMIN)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(refused.value)] == ["definition.assign_roles"]
    assert (
        await tags.stub.ListTagDefinitions(T.ListTagDefinitionsRequest(), metadata=ADMIN)
    ).definitions == []
