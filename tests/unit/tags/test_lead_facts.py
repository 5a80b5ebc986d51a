"""The tags service's readings of leads' and journey's events: `lead.status` and `deal.won_product`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.errors import InvalidArgument
from services.leads.recovery import is_won_feature, won_expression
from services.tags.deal_won import parse_won_deal
from services.tags.lead_status import parse_profile_event

CUSTOMER = "cus_01M84R6SX5331R493MH73V3ETP"


def test_a_profile_event_gives_the_status_and_when_it_was_true() -> None:
    data = {"id": CUSTOMER, "status": "won", "updated_at": "2026-11-27T12:00:00.250Z"}
    event = {"id": "evt_1", "data": data}
    fact = parse_profile_event(event)
    assert (fact.customer_id, fact.status) == (CUSTOMER, "won")
    assert fact.at == datetime(2026, 11, 27, 12, 0, 0, 250_000, tzinfo=UTC)
    assert fact.as_input().evidence.event_ids == ("evt_1",)
    with pytest.raises(InvalidArgument):
        parse_profile_event({"id": "evt_2", "data": {**data, "status": "bought"}})
    with pytest.raises(InvalidArgument):
        parse_profile_event({"id": "evt_3", "data": {"id": CUSTOMER, "status": "won"}})


def test_a_won_deal_names_its_product_and_the_deal() -> None:
    data = {"deal_id": "deal_1", "customer_id": CUSTOMER, "product": " 柜子 "}
    signed = parse_won_deal({"id": "evt_1", "type": "crm.journey.deal_signed.v1", "data": data})
    paid = parse_won_deal({"id": "evt_2", "type": "crm.journey.deal_paid.v1", "data": data})
    assert (signed.product, signed.as_input().evidence.note) == ("柜子", "deal deal_1 signed")
    assert paid.as_input().evidence.note == "deal deal_1 paid"
    with pytest.raises(InvalidArgument):
        parse_won_deal({"id": "evt_3", "type": "crm.journey.deal_paid.v1", "data": {**data, "product": ""}})


def test_won_is_the_status_won_or_a_won_product() -> None:
    assert won_expression() == "lead.status = won OR deal.won_product"
    assert won_expression(["deal.won_product"]) == "deal.won_product"
    assert is_won_feature(("lead.status", "won")) and is_won_feature(("deal.won_product", ""))
    assert not is_won_feature(("lead.status", "lost"))
