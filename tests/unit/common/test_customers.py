"""The pure parts of the customer check (common/customers.py); its leads round trips are covered by
tests/integration/*/test_known_customers.py against a real leads service."""

from __future__ import annotations

import pytest

from common.customers import KnownCustomers, customer_ids_in
from common.errors import DomainError, Unavailable
from common.ids import new_customer_id


def test_customer_ids_are_read_from_one_item_or_a_batch_and_malformed_ones_are_left_out() -> None:
    a, b = new_customer_id(), new_customer_id()
    assert customer_ids_in({"customer_id": a, "type": "x"}) == [a]
    assert customer_ids_in(
        {"items": [{"customer_id": a}, {"customer_id": "cus_bad"}, "odd", {"customer_id": b}]}
    ) == [
        a,
        b,
    ]
    assert customer_ids_in({"items": "not a list", "customer_id": 7}) == []
    assert customer_ids_in(["not", "an", "object"]) == []


async def test_without_a_leads_address_nothing_is_accepted_unchecked_and_the_error_is_retryable() -> None:
    known = KnownCustomers(address=None, token="t", caller="intent")
    with pytest.raises(Unavailable) as caught:
        await known.require("acme", [new_customer_id()], field="signals[{index}].customer_id")
    assert isinstance(caught.value, DomainError) and caught.value.retryable
    assert "LEADS_ADDR" in caught.value.message


async def test_an_empty_request_needs_no_round_trip() -> None:
    known = KnownCustomers(address=None, token="t", caller="intent")
    await known.require("acme", [], field="customer_id")
    assert known.lookups == 0
