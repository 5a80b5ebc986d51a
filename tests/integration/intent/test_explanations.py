"""What a person reads when asking "why is this customer hot?": components, topics, top signals, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from crm.intent.v1 import intent_pb2

from common.timeutil import to_timestamp
from tests.integration.intent.helpers import Intent, signal
from tests.support.rpc import metadata


async def test_a_score_explains_itself_in_components_that_add_up_and_contributors_by_size(
    intent: Intent,
) -> None:
    buyer = await intent.customer()
    week_ago = to_timestamp(datetime.now(UTC) - timedelta(days=7))
    await intent.ingest(
        signal(buyer, "demo_request", occurred_at=week_ago, topic="衣柜"),  # 25 → 12.5 after a week
        signal(buyer, "content_read", topic="衣柜", properties={"dwell_seconds": "120"}),  # 3 × 1.5
        signal(
            buyer,
            "competitor_research",
            party=intent_pb2.SIGNAL_PARTY_THIRD,
            source="bombora",
            matched_on=intent_pb2.SIGNAL_MATCH_ACCOUNT,
            matched_value="acme.example",
            topic="定制家具",
        ),  # 10 × 0.6
    )
    score = await intent.score(buyer)
    c = score.components
    assert c.frequency == pytest.approx(25 + 3 + 6, abs=0.01)
    assert c.engagement == pytest.approx(1.5, abs=0.01)
    assert c.recency == pytest.approx(-12.5, abs=0.05)
    assert c.frequency + c.engagement + c.recency + c.cap + c.fit == pytest.approx(score.raw_points, abs=0.02)
    # ordered by contribution, not recency: the week-old demo request still leads
    assert [s.type for s in score.top_signals] == ["demo_request", "competitor_research", "content_read"]
    third = score.top_signals[1]
    assert (third.party, third.source, third.matched_on, third.matched_value) == (
        intent_pb2.SIGNAL_PARTY_THIRD,
        "bombora",
        intent_pb2.SIGNAL_MATCH_ACCOUNT,
        "acme.example",
    )
    assert [t.topic for t in score.topics] == ["衣柜", "定制家具"]
    assert {t.type: t.label for t in score.types}["demo_request"] == "演示申请"


async def test_history_says_what_changed_when_and_why_newest_first_and_pages(intent: Intent) -> None:
    buyer = await intent.customer()
    await intent.ingest(signal(buyer, "webinar_attend"))  # first score: 12 raw → 25.9, LOW (an entry)
    await intent.ingest(signal(buyer, "demo_request"), signal(buyer, "pricing_page_view"))  # 47 → 69.1 MEDIUM
    await intent.ingest(signal(buyer, "pricing_page_view"))  # 57 → 76.0 HIGH
    reply = await intent.stub.ListScoreHistory(
        intent_pb2.ListScoreHistoryRequest(customer_id=buyer, page_size=2), metadata=metadata("acme")
    )
    newest, middle = reply.entries
    assert (newest.level, newest.previous_level) == (
        intent_pb2.INTENT_LEVEL_HIGH,
        intent_pb2.INTENT_LEVEL_MEDIUM,
    )
    assert newest.cause == intent_pb2.SCORE_CHANGE_CAUSE_SIGNALS
    assert newest.reason.startswith("+1× 定价页; ")
    assert newest.previous_score == middle.score
    assert middle.reason.startswith("+1× 演示申请, +1× 定价页; ") or middle.reason.startswith(
        "+1× 定价页, +1× 演示申请; "
    )
    assert len(middle.signal_ids) == 2
    rest = await intent.stub.ListScoreHistory(
        intent_pb2.ListScoreHistoryRequest(customer_id=buyer, page_size=2, page_token=reply.next_page_token),
        metadata=metadata("acme"),
    )
    [first] = rest.entries
    assert (
        not first.HasField("previous_score") and first.previous_level == intent_pb2.INTENT_LEVEL_UNSPECIFIED
    )
    assert rest.next_page_token == ""
    other = await intent.stub.ListScoreHistory(
        intent_pb2.ListScoreHistoryRequest(customer_id=buyer), metadata=metadata("globex")
    )
    assert list(other.entries) == []


async def test_a_match_on_a_first_party_signal_is_refused_and_stores_nothing(intent: Intent) -> None:
    buyer = await intent.customer()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await intent.ingest(
            signal(buyer, "pricing_page_view"),
            signal(
                buyer, "pricing_page_view", matched_on=intent_pb2.SIGNAL_MATCH_CONTACT, matched_value="x@y.z"
            ),
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "signals[1].matched_on" in (err.value.details() or "")
    assert (await intent.score(buyer)).signal_count == 0
