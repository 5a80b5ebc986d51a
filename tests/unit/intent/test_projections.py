"""Reading leads' customer events and journey's touchpoints into facts (services/intent/projections.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.errors import InvalidArgument
from common.timeutil import to_ms
from services.intent.contacts import followup_contact, touchpoint_contact
from services.intent.projections import profile_fact


def test_a_customer_created_event_gives_the_profile_the_fit_uses_and_the_owner() -> None:
    event = {
        "type": "crm.leads.customer_created.v1",
        "data": {
            "id": "cus_1",
            "region": "上海",
            "industry": "制造",
            "company_size": "",
            "owner_id": "rep-1",
            "name": "not kept",
            "updated_at": "2026-11-27T10:00:00Z",
        },
    }
    fact = profile_fact(event)
    assert fact is not None
    assert fact.fields() == {
        "profile": {"region": "上海", "industry": "制造", "company_size": ""},
        "owner_id": "rep-1",
        "profile_ms": to_ms(datetime(2026, 11, 27, 10, tzinfo=UTC)),
    }


def test_other_leads_events_are_ignored_and_a_malformed_one_is_refused() -> None:
    assert profile_fact({"type": "crm.leads.lead_claimed.v1", "data": {}}) is None
    with pytest.raises(InvalidArgument):
        profile_fact({"type": "crm.leads.customer_created.v1", "data": {"name": "no id"}})


def test_a_touchpoint_is_a_contact_fact_dated_when_it_happened() -> None:
    event = {
        "type": "crm.journey.touchpoint_recorded.v1",
        "data": {"customer_id": "cus_1", "type": "call", "occurred_at": "2026-11-27T10:00:00+08:00"},
    }
    fact = touchpoint_contact(event)
    assert (
        fact is not None
        and fact.kind == "call"
        and fact.at_ms == to_ms(datetime(2026, 11, 27, 2, tzinfo=UTC))
    )
    with pytest.raises(InvalidArgument):
        touchpoint_contact({"type": "crm.journey.touchpoint_recorded.v1", "data": {"customer_id": "cus_1"}})


def test_a_lead_follow_up_is_a_contact_whatever_the_models_touchpoint_types() -> None:
    event = {
        "type": "crm.leads.followup_recorded.v1",
        "data": {
            "customer_id": "cus_1",
            "kind": "message",
            "outcome": "回复了",
            "at": "2026-11-27T02:00:00Z",
        },
    }
    fact = followup_contact(event)
    assert fact is not None and fact.always and fact.kind == "follow_up.message"
    assert fact.at_ms == to_ms(datetime(2026, 11, 27, 2, tzinfo=UTC))
    assert followup_contact({"type": "crm.leads.claimed.v1", "data": {}}) is None
    for data in ({"kind": "call", "at": "2026-11-27T02:00:00Z"}, {"customer_id": "cus_1", "kind": "call"}):
        with pytest.raises(InvalidArgument):
            followup_contact({"type": "crm.leads.followup_recorded.v1", "data": data})
