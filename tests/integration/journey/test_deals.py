"""Deals on real servers: qualification with who and when, history, signed ≠ paid with amounts on NATS,
revenue sums, bad input refused with nothing stored, owners and tenants kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from crm.journey.v1 import journey_pb2

from tests.integration.journey.helpers import Journey
from tests.integration.journey.work_helpers import create_deal, watch
from tests.support.rpc import metadata


def won(deal_id: str, status: int, amount: str) -> journey_pb2.MarkDealWonRequest:
    return journey_pb2.MarkDealWonRequest(
        deal_id=deal_id, status=status, amount=journey_pb2.Money(amount=amount, currency="CNY")
    )


async def deals_of(journey: Journey, customer: str, tenant: str = "acme") -> list[journey_pb2.Deal]:
    reply = await journey.stub.BatchListDeals(
        journey_pb2.BatchListDealsRequest(customer_ids=[customer]), metadata=metadata(tenant)
    )
    return list(reply.customers[0].deals)


async def test_qualifying_records_who_set_what_and_announces_it(journey: Journey) -> None:
    qualified = await watch(journey, "deal_qualified")
    customer = await journey.customer()
    deal = await create_deal(journey, customer, caller="rep-li", roles="sales")
    assert (
        deal.owner_id == "rep-li"
        and deal.amount.amount == "199800.00"
        and deal.status == journey_pb2.DEAL_STATUS_OPEN
    )

    request = journey_pb2.QualifyDealRequest(
        deal_id=deal.id,
        deal=journey_pb2.DealQualification(
            nature=journey_pb2.DEAL_NATURE_VALUABLE,
            grade=journey_pb2.DEAL_GRADE_LARGE,
            expected_close_date="2026-12-31",
            expected_amount=journey_pb2.Money(amount="185000", currency="CNY"),
        ),
        fields=["nature", "grade", "expected_close_date", "expected_amount"],
    )
    after = await journey.stub.QualifyDeal(request, metadata=metadata(caller="mgr-zhao", roles="admin"))
    assert after.nature == journey_pb2.DEAL_NATURE_VALUABLE and after.grade == journey_pb2.DEAL_GRADE_LARGE
    assert after.expected_amount.amount == "185000.00"
    setters = {s.field: s.set_by for s in after.settings}
    assert setters == {
        "product": "rep-li",
        "amount": "rep-li",
        "nature": "mgr-zhao",
        "grade": "mgr-zhao",
        "expected_close_date": "mgr-zhao",
        "expected_amount": "mgr-zhao",
    }
    assert [h.action for h in after.history] == ["created", "qualified"]
    assert {c.field: (c.before, c.after) for c in after.history[1].changes}["nature"] == ("", "VALUABLE")

    again = await journey.stub.QualifyDeal(request, metadata=metadata(caller="mgr-zhao"))
    assert again.version == after.version, "the same values again change nothing"
    events = await qualified.wait_for(2)
    assert [e["data"]["nature"] for e in events] == [None, "valuable"]
    assert events[1]["data"]["expected_amount"] == {"amount": "185000.00", "currency": "CNY"}
    assert events[1]["subject"] == customer


async def test_signed_is_not_paid_and_both_publish_their_amounts(journey: Journey) -> None:
    signed = await watch(journey, "deal_signed")
    paid = await watch(journey, "deal_paid")
    customer = await journey.customer()
    deal = await create_deal(journey, customer, caller="rep-li", roles="sales")

    after_sign = await journey.stub.MarkDealWon(
        won(deal.id, journey_pb2.DEAL_STATUS_SIGNED, "199800"),
        metadata=metadata(caller="rep-li", roles="sales"),
    )
    assert after_sign.status == journey_pb2.DEAL_STATUS_SIGNED and not after_sign.HasField("paid_amount")
    (event,) = await signed.wait_for(1)
    assert event["data"]["amount"] == "199800.00" and event["data"]["currency"] == "CNY"
    assert event["data"]["product"] == "Model Y" and event["data"]["amount_minor"] == 19980000
    assert paid.events == []

    again = await journey.stub.MarkDealWon(
        won(deal.id, journey_pb2.DEAL_STATUS_SIGNED, "199800.00"), metadata=metadata()
    )
    assert again.version == after_sign.version
    with pytest.raises(grpc.aio.AioRpcError) as other:
        await journey.stub.MarkDealWon(
            won(deal.id, journey_pb2.DEAL_STATUS_SIGNED, "1.00"), metadata=metadata()
        )
    assert other.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    after_pay = await journey.stub.MarkDealWon(
        won(deal.id, journey_pb2.DEAL_STATUS_PAID, "50000.50"), metadata=metadata()
    )
    assert after_pay.status == journey_pb2.DEAL_STATUS_PAID and after_pay.signed_amount.amount == "199800.00"
    (pay_event,) = await paid.wait_for(1)
    assert pay_event["data"]["amount"] == "50000.50" and pay_event["data"]["deal_id"] == deal.id
    assert len(signed.events) == 1

    now = datetime.now(UTC)
    revenue = journey_pb2.SumDealRevenueRequest()
    getattr(revenue, "from").FromDatetime(now - timedelta(days=1))
    revenue.to.FromDatetime(now + timedelta(days=1))
    rows = (await journey.stub.SumDealRevenue(revenue, metadata=metadata())).rows
    assert [
        (r.owner_id, r.currency, r.signed_amount, r.signed_count, r.paid_amount, r.paid_count) for r in rows
    ] == [("rep-li", "CNY", "199800.00", 1, "50000.50", 1)]


@pytest.mark.parametrize(
    ("amount", "words"),
    [("abc", "not a number"), ("-5", "negative"), ("1.234", "two decimals"), ("", "required")],
)
async def test_a_bad_amount_is_refused_and_nothing_is_stored(
    journey: Journey, amount: str, words: str
) -> None:
    customer = await journey.customer()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await create_deal(journey, customer, amount=amount)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert words in (refused.value.details() or "")
    assert await deals_of(journey, customer) == []


async def test_unknown_enums_an_unknown_deal_and_a_foreign_deal_change_nothing(journey: Journey) -> None:
    customer = await journey.customer()
    deal = await create_deal(journey, customer, caller="rep-li", roles="sales")
    bad = journey_pb2.QualifyDealRequest(
        deal_id=deal.id,
        deal=journey_pb2.DealQualification(grade=journey_pb2.DealGrade.ValueType(9)),
        fields=["grade"],
    )
    with pytest.raises(grpc.aio.AioRpcError) as grade:
        await journey.stub.QualifyDeal(bad, metadata=metadata())
    assert grade.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await journey.stub.MarkDealWon(
            won("deal-nope", journey_pb2.DEAL_STATUS_PAID, "1"), metadata=metadata()
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await journey.stub.MarkDealWon(
            won(deal.id, journey_pb2.DEAL_STATUS_PAID, "1"),
            metadata=metadata(caller="rep-wang", roles="sales"),
        )
    assert foreign.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as other_tenant:
        await journey.stub.GetDeal(journey_pb2.GetDealRequest(deal_id=deal.id), metadata=metadata("globex"))
    assert other_tenant.value.code() == grpc.StatusCode.NOT_FOUND
    (stored,) = await deals_of(journey, customer)
    assert stored.version == deal.version and stored.status == journey_pb2.DEAL_STATUS_OPEN
    assert await deals_of(journey, customer, tenant="globex") == []
