"""People review what was heard: accept, reject, and their decisions stand against later extraction."""

from __future__ import annotations

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from common.grpc_client import field_violations
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.conversation_helpers import (
    HEDGED,
    SURE,
    conversation,
    customer_tags,
    define_library,
    history,
    ingest,
    review,
    suggestions,
)
from tests.integration.tags.helpers import assign
from tests.support.rpc import metadata

MD = metadata("acme")
PLATFORM = metadata("acme", caller="importer", roles="platform")  # sets machine provenance
ACCEPT, REJECT = T.REVIEW_DECISION_ACCEPT, T.REVIEW_DECISION_REJECT


async def reextract(tags: TagsClient, conversation_id: str) -> T.IngestConversationResponse:
    response: T.IngestConversationResponse = await tags.stub.ReextractConversation(
        T.ReextractConversationRequest(conversation_id=conversation_id), metadata=MD
    )
    return response


def skipped(response: T.IngestConversationResponse) -> set[tuple[str, str]]:
    return {(s.tag_key, s.reason) for s in response.skipped}


async def test_accepting_a_pending_suggestion_sets_the_tag_as_the_reviewers_own(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    [pending] = (
        await ingest(tags, conversation(customer, ("customer", HEDGED), conversation_id="a-1"))
    ).suggested

    response = await review(tags, pending.id, ACCEPT, note="  确认要SUV  ")

    decided = response.suggestion
    assert (decided.status, decided.reviewed_by, decided.review_note) == (
        T.SUGGESTION_STATUS_ACCEPTED,
        "reviewer-1",
        "确认要SUV",
    )
    assert decided.HasField("reviewed_at")
    [assigned] = response.assigned
    assert (assigned.tag_key, assigned.source, assigned.confidence, assigned.actor) == (
        "pref.suv",
        T.TAG_SOURCE_MANUAL,
        1.0,
        "reviewer-1",
    )
    assert (assigned.evidence.conversation_id, assigned.evidence.quote) == ("a-1", "可能要SUV吧")
    assert (await customer_tags(tags, customer))["pref.suv"].source == T.TAG_SOURCE_MANUAL
    assert await suggestions(tags, customer_id=customer) == []
    [listed] = await suggestions(tags, customer_id=customer, status=T.SUGGESTION_STATUS_ACCEPTED)
    assert listed.id == pending.id

    entries = [
        (e.action, e.tag_key, e.source, e.actor, e.reason) for e in reversed(await history(tags, customer))
    ]
    assert entries == [
        ("suggested", "pref.suv", T.TAG_SOURCE_CONVERSATION, "", 'keyword "SUV"; hedged: 可能'),
        (
            "assigned",
            "pref.suv",
            T.TAG_SOURCE_MANUAL,
            "reviewer-1",
            f"accepted conversation suggestion {pending.id}",
        ),
    ]

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await review(tags, pending.id, REJECT)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "accepted" in (caught.value.details() or "")


async def test_a_rejection_is_recorded_and_sticks_against_re_extraction(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    [pending] = (
        await ingest(tags, conversation(customer, ("customer", HEDGED), conversation_id="r-1"))
    ).suggested

    response = await review(tags, pending.id, REJECT, note="他是替父母问的")

    assert response.suggestion.status == T.SUGGESTION_STATUS_REJECTED
    assert (list(response.assigned), list(response.removed)) == ([], [])
    latest = (await history(tags, customer))[0]
    assert (latest.action, latest.tag_key, latest.source, latest.actor, latest.reason) == (
        "rejected",
        "pref.suv",
        T.TAG_SOURCE_MANUAL,
        "reviewer-1",
        f"rejected conversation suggestion {pending.id}: 他是替父母问的",
    )

    again = await reextract(tags, "r-1")
    assert list(again.suggested) == []
    assert skipped(again) == {("pref.suv", "human_decision")}
    [kept] = again.conversation.suggestions
    assert (kept.id, kept.status, kept.review_note) == (
        pending.id,
        T.SUGGESTION_STATUS_REJECTED,
        "他是替父母问的",
    )
    # a later conversation does not bring the value back either
    later = await ingest(tags, conversation(customer, ("customer", HEDGED), conversation_id="r-2"))
    assert (list(later.suggested), skipped(later)) == ([], {("pref.suv", "human_decision")})
    assert "pref.suv" not in await customer_tags(tags, customer)


async def test_rejecting_an_applied_tag_removes_it_for_good(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    await ingest(tags, conversation(customer, ("customer", SURE), conversation_id="ap-1"))
    applied = await suggestions(tags, customer_id=customer, status=T.SUGGESTION_STATUS_APPLIED)
    [high] = [s for s in applied if s.tag_key == "intent.high"]

    response = await review(tags, high.id, REJECT)

    assert [r.tag_key for r in response.removed] == ["intent.high"]
    assert set(await customer_tags(tags, customer)) == {"budget"}
    [removed, rejected] = (await history(tags, customer))[:2]  # newest first
    assert (rejected.action, removed.action) == ("rejected", "removed")
    assert removed.reason == f"rejected conversation suggestion {high.id}"

    again = await reextract(tags, "ap-1")
    assert skipped(again) == {("intent.high", "human_decision"), ("budget", "unchanged")}
    assert list(again.applied) == []
    later = await ingest(tags, conversation(customer, ("customer", "我想越快越好。"), conversation_id="ap-2"))
    assert skipped(later) == {("intent.high", "human_decision")}
    assert set(await customer_tags(tags, customer)) == {"budget"}


async def test_a_persons_tag_is_not_overturned_by_what_was_heard(tags: TagsClient) -> None:
    await define_library(tags)
    customer = await tags.customer()
    await tags.stub.AssignTags(assign(customer, ("intent.low", "")), metadata=MD)

    response = await ingest(tags, conversation(customer, ("customer", SURE), conversation_id="p-1"))

    assert [a.tag_key for a in response.applied] == ["budget"]
    assert skipped(response) == {("intent.high", "human_decision")}
    active = await customer_tags(tags, customer)
    assert (set(active), active["intent.low"].source) == ({"intent.low", "budget"}, T.TAG_SOURCE_MANUAL)
    applied = await suggestions(tags, customer_id=customer, status=T.SUGGESTION_STATUS_APPLIED)
    assert [s.tag_key for s in applied] == ["budget"]


async def test_a_contradicted_machine_tag_is_suggested_for_removal(tags: TagsClient) -> None:
    await define_library(tags)
    customer, other = await tags.customer(), await tags.customer()
    imported = T.TagAssignmentInput(tag_key="pref.suv", source=T.TAG_SOURCE_IMPORT, confidence=0.7)
    for who in (customer, other):
        await tags.stub.AssignTags(assign(who, imported), metadata=PLATFORM)

    response = await ingest(tags, conversation(customer, ("customer", "我不要SUV。"), conversation_id="n-1"))
    [removal] = response.suggested
    assert (removal.tag_key, removal.action, removal.status) == (
        "pref.suv",
        T.SUGGESTION_ACTION_REMOVE,
        T.SUGGESTION_STATUS_PENDING,
    )
    assert "pref.suv" in await customer_tags(tags, customer)  # never removed by itself

    accepted = await review(tags, removal.id, ACCEPT)
    assert [r.tag_key for r in accepted.removed] == ["pref.suv"]
    assert "pref.suv" not in await customer_tags(tags, customer)

    # rejecting a removal keeps the value, and it is not suggested for removal again
    [kept] = (
        await ingest(tags, conversation(other, ("customer", "我不要SUV。"), conversation_id="n-2"))
    ).suggested
    assert list((await review(tags, kept.id, REJECT)).removed) == []
    assert "pref.suv" in await customer_tags(tags, other)
    again = await ingest(tags, conversation(other, ("customer", "SUV我不太喜欢。"), conversation_id="n-3"))
    assert (list(again.suggested), skipped(again)) == ([], {("pref.suv", "human_decision")})


async def test_precision_counts_what_people_accepted_and_rejected(tags: TagsClient) -> None:
    await define_library(tags)
    pending = []
    for i in range(3):
        response = await ingest(
            tags, conversation(await tags.customer(), ("customer", SURE + HEDGED), conversation_id=f"pr-{i}")
        )
        pending.extend(response.suggested)
    await review(tags, pending[0].id, ACCEPT)
    await review(tags, pending[1].id, ACCEPT)
    await review(tags, pending[2].id, REJECT)

    every = await tags.stub.GetTagPrecision(T.GetTagPrecisionRequest(), metadata=MD)
    rows = {r.tag_key: r for r in every.tags}
    assert [r.tag_key for r in every.tags] == ["budget", "intent.high", "pref.suv"]
    suv = rows["pref.suv"]
    assert (suv.accepted, suv.rejected, suv.pending, suv.applied, suv.has_precision) == (2, 1, 0, 0, True)
    assert suv.precision == pytest.approx(2 / 3)
    high = rows["intent.high"]
    assert (high.applied, high.has_precision, high.display_name) == (3, False, "intent.high")

    chosen = await tags.stub.GetTagPrecision(
        T.GetTagPrecisionRequest(tag_keys=["pref.suv", "unheard"]), metadata=MD
    )
    assert [(r.tag_key, r.accepted, r.rejected, r.has_precision) for r in chosen.tags] == [
        ("pref.suv", 2, 1, True),
        ("unheard", 0, 0, False),
    ]


async def test_bad_reviews_are_refused_and_change_nothing(tags: TagsClient) -> None:
    await define_library(tags)
    await tags.stub.DefineTag(
        T.DefineTagRequest(
            definition=T.TagDefinition(
                key="vip",
                display_name="VIP",
                category=T.TAG_CATEGORY_MARKETING,
                value_type=T.TAG_VALUE_TYPE_FLAG,
                assign_roles=["marketing"],
                hints=T.ExtractionHints(keywords=["会员"]),
            )
        ),
        metadata=MD,
    )
    customer = await tags.customer()
    response = await ingest(
        tags, conversation(customer, ("customer", "可能会办会员吧。"), conversation_id="b-1")
    )
    [pending] = response.suggested

    cases = [
        (
            review(tags, pending.id, T.REVIEW_DECISION_UNSPECIFIED),
            grpc.StatusCode.INVALID_ARGUMENT,
            "decision",
        ),
        (review(tags, pending.id, ACCEPT, note="n" * 501), grpc.StatusCode.INVALID_ARGUMENT, "note"),
        (review(tags, "sug_000000000000000000000000", ACCEPT), grpc.StatusCode.NOT_FOUND, "suggestion_id"),
        (review(tags, pending.id, ACCEPT, roles="sales"), grpc.StatusCode.PERMISSION_DENIED, "suggestion_id"),
        (review(tags, pending.id, REJECT, roles="sales"), grpc.StatusCode.PERMISSION_DENIED, "suggestion_id"),
    ]
    for call, code, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert caught.value.code() == code
        assert [f for f, _ in field_violations(caught.value)] == [field]

    [still] = await suggestions(tags, customer_id=customer)
    assert (still.id, still.status, still.reviewed_by) == (pending.id, T.SUGGESTION_STATUS_PENDING, "")
    assert "vip" not in await customer_tags(tags, customer)
    accepted = await review(tags, pending.id, ACCEPT, roles="marketing")
    assert [a.tag_key for a in accepted.assigned] == ["vip"]
