"""IngestSignals, GetScore and BatchGetScores over a real gRPC channel, with real NATS and MongoDB."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from crm.intent.v1 import intent_pb2

from common.grpc_client import field_violations
from common.timeutil import to_timestamp
from tests.integration.intent.helpers import Intent, signal, unknown_customer
from tests.support.rpc import metadata


async def test_ingested_signals_score_high_with_top_signals_and_topics(intent: Intent) -> None:
    buyer = await intent.customer()
    response = await intent.ingest(
        signal(buyer, "demo_request", topic="crm", id="web-1"),
        signal(buyer, "pricing_page_view", topic="crm"),
        signal(buyer, "pricing_page_view", topic="billing"),
        signal(buyer, "whitepaper_download", topic="billing", party=intent_pb2.SIGNAL_PARTY_FIRST),
    )
    assert (response.accepted, response.duplicates) == (4, 0)
    assert response.signal_ids[0] == "web-1"
    assert all(sid.startswith("sig_") for sid in response.signal_ids[1:])

    score = await intent.score(buyer)
    # 25 + 10 + 10 + 8 = 53 raw points → 100 × (1 − e^(−53/40)) = 73.4
    assert score.customer_id == buyer
    assert score.level == intent_pb2.INTENT_LEVEL_HIGH
    assert score.score == pytest.approx(round(100 * (1 - math.exp(-53 / 40)), 1))
    assert score.raw_points == pytest.approx(53.0, abs=0.01)
    assert score.signal_count == 4
    assert [s.type for s in score.top_signals] == [
        "demo_request",
        "pricing_page_view",
        "pricing_page_view",
        "whitepaper_download",
    ]
    assert score.top_signals[0].signal_id == "web-1"
    assert [(t.topic, round(t.points)) for t in score.topics] == [("crm", 35), ("billing", 18)]
    assert score.HasField("computed_at") and score.HasField("last_signal_at")


async def test_third_party_and_older_signals_count_less(intent: Intent) -> None:
    buyer = await intent.customer()
    week_ago = datetime.now(UTC) - timedelta(days=7)
    await intent.ingest(
        signal(buyer, "competitor_research", party=intent_pb2.SIGNAL_PARTY_THIRD, source="bombora"),
        signal(buyer, "demo_request", occurred_at=to_timestamp(week_ago)),
    )
    score = await intent.score(buyer)
    points = {s.type: s.points for s in score.top_signals}
    assert points["competitor_research"] == pytest.approx(6.0, abs=0.01)
    assert points["demo_request"] == pytest.approx(12.5, abs=0.01)
    assert score.level == intent_pb2.INTENT_LEVEL_LOW


async def test_resent_signal_ids_are_counted_as_duplicates_and_scored_once(intent: Intent) -> None:
    buyer = await intent.customer()
    first = await intent.ingest(
        signal(buyer, "pricing_page_view", id="pv-1"), signal(buyer, "email_click", id="ec-1")
    )
    before = await intent.score(buyer)
    again = await intent.ingest(
        signal(buyer, "pricing_page_view", id="pv-1"),
        signal(buyer, "email_click", id="ec-1"),
        signal(buyer, "email_click", id="ec-2"),
    )
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates) == (1, 2)
    assert list(again.signal_ids) == ["pv-1", "ec-1", "ec-2"]
    after = await intent.score(buyer)
    assert (before.signal_count, after.signal_count) == (2, 3)
    assert after.raw_points == pytest.approx(16.0, abs=0.01)


async def test_duplicate_ids_within_one_call_are_stored_once(intent: Intent) -> None:
    buyer = await intent.customer()
    response = await intent.ingest(
        signal(buyer, "demo_request", id="d-1"), signal(buyer, "demo_request", id="d-1")
    )
    assert (response.accepted, response.duplicates) == (1, 1)
    assert (await intent.score(buyer)).signal_count == 1


async def assert_refused(intent: Intent, *signals: intent_pb2.Signal) -> list[tuple[str, str]]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await intent.ingest(*signals)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return field_violations(caught.value)


async def test_malformed_customer_id_is_refused_and_nothing_of_the_batch_is_stored(intent: Intent) -> None:
    buyer = await intent.customer()
    violations = await assert_refused(
        intent, signal(buyer, "demo_request"), signal("cus_not-an-id", "pricing_page_view")
    )
    assert [field for field, _ in violations] == ["signals[1].customer_id"]
    score = await intent.score(buyer)
    assert (score.score, score.signal_count, score.level) == (0.0, 0, intent_pb2.INTENT_LEVEL_LOW)


async def test_more_than_500_signals_are_refused(intent: Intent) -> None:
    buyer = await intent.customer()
    violations = await assert_refused(intent, *[signal(buyer, "email_click")] * 501)
    assert len(violations) == 1
    field, description = violations[0]
    assert field == "signals" and "at most 500" in description
    assert (await intent.score(buyer)).signal_count == 0


async def test_future_timestamp_is_refused_and_stores_nothing(intent: Intent) -> None:
    buyer = await intent.customer()
    tomorrow = to_timestamp(datetime.now(UTC) + timedelta(days=1))
    violations = await assert_refused(
        intent, signal(buyer, "email_click"), signal(buyer, "demo_request", occurred_at=tomorrow)
    )
    assert [field for field, _ in violations] == ["signals[1].occurred_at"]
    assert (await intent.score(buyer)).signal_count == 0


async def test_bad_type_and_empty_batch_are_refused(intent: Intent) -> None:
    violations = await assert_refused(intent, signal(await intent.customer(), "Pricing Page!"))
    assert [field for field, _ in violations] == ["signals[0].type"]
    assert [field for field, _ in await assert_refused(intent)] == ["signals"]


async def test_tenants_never_see_or_change_each_others_scores(intent: Intent) -> None:
    buyer = await intent.customer()
    await intent.ingest(signal(buyer, "demo_request", id="shared-id"), signal(buyer, "pricing_page_view"))
    a_before = await intent.score(buyer, tenant="acme")

    b_view = await intent.score(buyer, tenant="globex")
    assert (b_view.score, b_view.level, b_view.signal_count) == (0.0, intent_pb2.INTENT_LEVEL_LOW, 0)

    # acme's customer does not exist in globex: globex cannot add signals to it
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await intent.ingest(signal(buyer, "demo_request", id="other"), tenant="globex")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    # the same signal id is a new signal in another tenant, and changes only that tenant's score
    globex_buyer = await intent.customer("globex")
    b_ingest = await intent.ingest(signal(globex_buyer, "demo_request", id="shared-id"), tenant="globex")
    assert (b_ingest.accepted, b_ingest.duplicates) == (1, 0)
    a_after = await intent.score(buyer, tenant="acme")
    assert (a_after.signal_count, a_after.raw_points) == (
        a_before.signal_count,
        pytest.approx(a_before.raw_points, abs=0.01),
    )
    assert (await intent.score(buyer, tenant="globex")).signal_count == 0
    assert (await intent.score(globex_buyer, tenant="globex")).signal_count == 1
    assert (await intent.score(globex_buyer, tenant="acme")).signal_count == 0


async def test_batch_get_scores_answers_every_id_in_request_order(intent: Intent) -> None:
    hot, cold, unknown = await intent.customer(), await intent.customer(), unknown_customer()
    await intent.ingest(
        signal(hot, "demo_request"),
        signal(hot, "webinar_attend"),
        signal(hot, "pricing_page_view"),
        signal(cold, "email_click"),
    )
    request = intent_pb2.BatchGetScoresRequest(customer_ids=[unknown, cold, hot, cold])
    response = await intent.stub.BatchGetScores(request, metadata=metadata("acme"))
    assert [s.customer_id for s in response.scores] == [unknown, cold, hot, cold]
    assert [s.level for s in response.scores] == [
        intent_pb2.INTENT_LEVEL_LOW,
        intent_pb2.INTENT_LEVEL_LOW,
        intent_pb2.INTENT_LEVEL_MEDIUM,
        intent_pb2.INTENT_LEVEL_LOW,
    ]
    assert response.scores[0].score == 0.0
    assert [s.signal_count for s in response.scores] == [0, 1, 3, 1]


async def test_batch_get_scores_refuses_more_than_200_ids(intent: Intent) -> None:
    request = intent_pb2.BatchGetScoresRequest(customer_ids=[unknown_customer() for _ in range(201)])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await intent.stub.BatchGetScores(request, metadata=metadata("acme"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in field_violations(caught.value)] == ["customer_ids"]


async def test_get_score_refuses_a_malformed_customer_id(intent: Intent) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await intent.score("nobody")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [field for field, _ in field_violations(caught.value)] == ["customer_id"]
