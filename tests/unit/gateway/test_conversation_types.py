"""Conversation types as clients read them, built from the tags service's messages and events."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.tags.v1 import tags_pb2

from common.timeutil import to_timestamp
from gateway.types.conversations import Conversation
from gateway.types.enums import ConversationChannel, Speaker, SuggestionAction, SuggestionStatus
from gateway.types.suggestions import TagPrecision, TagSuggestion

STARTED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
FIRST_PROMISE = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
SECOND_PROMISE = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def suggestion(sid: str, status: tags_pb2.SuggestionStatus) -> tags_pb2.Suggestion:
    return tags_pb2.Suggestion(
        id=sid,
        customer_id="cus_01J0000000000000000000000A",
        conversation_id="cnv_1",
        tag_key="pref.suv",
        action=tags_pb2.SUGGESTION_ACTION_ASSIGN,
        confidence=0.7,
        evidence=tags_pb2.Span(turn_index=1, start=0, end=6, quote="可能要SUV"),
        status=status,
    )


def conversation() -> tags_pb2.Conversation:
    return tags_pb2.Conversation(
        id="cnv_1",
        customer_id="cus_01J0000000000000000000000A",
        channel=tags_pb2.CONVERSATION_CHANNEL_WECHAT,
        started_at=to_timestamp(STARTED),
        time_zone="Asia/Shanghai",
        turns=[
            tags_pb2.Turn(speaker=tags_pb2.SPEAKER_REP, text="您好"),
            tags_pb2.Turn(speaker=tags_pb2.SPEAKER_CUSTOMER, text="可能要SUV，预算二十万", offset_ms=3000),
        ],
        facts=[
            tags_pb2.HeardFact(
                kind="callback_at", value="2026-11-24T07:00:00Z", at=to_timestamp(FIRST_PROMISE)
            ),
            tags_pb2.HeardFact(kind="budget", value="200000", text="二十万", amount=200000),
            tags_pb2.HeardFact(
                kind="amount", value="100000-150000", qualifier="range", amount=100000, amount_max=150000
            ),
            tags_pb2.HeardFact(
                kind="callback_at", value="2026-11-25T02:00:00Z", at=to_timestamp(SECOND_PROMISE)
            ),
        ],
        suggestions=[
            suggestion("sug_pending", tags_pb2.SUGGESTION_STATUS_PENDING),
            suggestion("sug_applied", tags_pb2.SUGGESTION_STATUS_APPLIED),
        ],
    )


def test_conversation_reads_turns_facts_and_the_last_callback_promise() -> None:
    view = Conversation.from_proto(conversation())

    assert view.channel is ConversationChannel.WECHAT
    assert view.started_at == STARTED
    assert [(t.speaker, t.offset_ms) for t in view.turns] == [(Speaker.REP, 0), (Speaker.CUSTOMER, 3000)]
    # A later promise in the same conversation supersedes the earlier one.
    assert view.callback_at == SECOND_PROMISE
    budget, amount_range = view.facts[1], view.facts[2]
    assert (budget.amount, budget.amount_max, budget.at) == (200000, None, None)
    assert (amount_range.amount, amount_range.amount_max) == (100000, 150000)
    assert view.facts[0].amount is None


def test_conversation_without_a_promise_has_no_callback_time() -> None:
    message = conversation()
    del message.facts[:]
    assert Conversation.from_proto(message).callback_at is None


def test_suggestions_filter_by_status_and_carry_their_evidence() -> None:
    view = Conversation.from_proto(conversation())

    pending = view.suggestions(status=SuggestionStatus.PENDING)
    everything = view.suggestions()

    assert [s.id for s in pending] == ["sug_pending"]
    assert [s.status for s in everything] == [SuggestionStatus.PENDING, SuggestionStatus.APPLIED]
    assert pending[0].evidence is not None and pending[0].evidence.quote == "可能要SUV"
    assert pending[0].action is SuggestionAction.ASSIGN


def test_suggestion_from_event_data_keeps_what_the_event_says() -> None:
    data = {
        "suggestion_id": "sug_9",
        "customer_id": "cus_01J0000000000000000000000A",
        "conversation_id": "cnv_1",
        "tag_key": "intent.high",
        "value": "",
        "action": "remove",
        "confidence": 0.6,
        "reason": "hedged: 可能",
        "quote": "可能下个月买",
        "at": "2026-11-23T02:00:05.000Z",
    }
    view = TagSuggestion.from_event_data(data)

    assert (view.id, view.tag_key, view.action) == ("sug_9", "intent.high", SuggestionAction.REMOVE)
    assert view.status is SuggestionStatus.PENDING
    assert view.confidence == 0.6
    assert view.created_at == datetime(2026, 11, 23, 2, 0, 5, tzinfo=UTC)


def test_suggestion_from_event_data_tolerates_a_malformed_time() -> None:
    assert TagSuggestion.from_event_data({"suggestion_id": "s", "at": "yesterday"}).created_at is None


def test_precision_is_null_until_someone_reviewed() -> None:
    unreviewed = TagPrecision.from_proto(tags_pb2.TagPrecision(tag_key="t", pending=3))
    reviewed = TagPrecision.from_proto(
        tags_pb2.TagPrecision(tag_key="t", accepted=3, rejected=1, has_precision=True, precision=0.75)
    )
    assert unreviewed.precision is None
    assert reviewed.precision == 0.75
