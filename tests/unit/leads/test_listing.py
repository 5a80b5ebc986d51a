"""ListCustomers page tokens: they round-trip, and anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.errors import InvalidArgument
from common.ids import new_customer_id
from common.paging import encode_cursor
from services.leads.listing import PagePosition, next_page_token, page_start

AT = datetime(2024, 5, 1, 8, 30, 15, 123000, tzinfo=UTC)


def test_page_token_round_trips_to_the_last_customer_of_the_page() -> None:
    last = PagePosition(AT, new_customer_id())
    assert page_start(next_page_token(tenant="acme", last=last), tenant="acme") == last


def test_empty_token_starts_at_the_newest_customer() -> None:
    assert page_start("", tenant="acme") is None


GOOD_ID = new_customer_id()


@pytest.mark.parametrize(
    "token",
    [
        "not-base64!!",
        "e30",  # {} : decodes, but names no position
        encode_cursor({"t": "acme", "at": AT.isoformat(), "id": "cus_short"}),
        encode_cursor({"t": "acme", "at": AT.isoformat(), "id": 42}),
        encode_cursor({"t": "acme", "at": "yesterday", "id": GOOD_ID}),
        encode_cursor({"t": "acme", "at": "2024-05-01T08:30:15", "id": GOOD_ID}),  # no timezone
        next_page_token(tenant="globex", last=PagePosition(AT, GOOD_ID)),
    ],
)
def test_tampered_or_foreign_token_is_invalid_argument_on_page_token(token: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        page_start(token, tenant="acme")
    assert caught.value.field == "page_token"
