"""Page tokens of ListCustomers: where the last page ended, bound to the tenant that asked.

Customers are listed newest first by (created_at, id): creation time alone can tie within a
millisecond, the id breaks ties, so the order is total and pages neither skip nor repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from common.errors import InvalidArgument
from common.ids import CUSTOMER_ID_RE
from common.paging import decode_cursor, encode_cursor
from common.timeutil import as_utc


@dataclass(frozen=True)
class PagePosition:
    """The (created_at, id) of the last customer shown; the next page starts strictly below it."""

    created_at: datetime
    customer_id: str


def next_page_token(*, tenant: str, last: PagePosition) -> str:
    """The token that continues a newest-first listing after `last`."""
    at = as_utc(last.created_at).isoformat(timespec="milliseconds")
    return encode_cursor({"t": tenant, "at": at, "id": last.customer_id})


def page_start(token: str, *, tenant: str) -> PagePosition | None:
    """The position a page starts below, None for the first page.

    A token that does not decode, lacks a well-formed position, or was issued to another tenant is
    INVALID_ARGUMENT rather than silently restarting the listing.
    """
    position = decode_cursor(token)
    if position is None:
        return None
    at, customer_id = position.get("at"), position.get("id")
    if (
        position.get("t") == tenant
        and isinstance(at, str)
        and isinstance(customer_id, str)
        and CUSTOMER_ID_RE.match(customer_id)
    ):
        try:
            created_at = datetime.fromisoformat(at)
        except ValueError:
            pass
        else:
            if created_at.tzinfo is not None:
                return PagePosition(as_utc(created_at), customer_id)
    raise InvalidArgument(
        "page_token is not one this listing issued; pass back next_page_token unchanged", field="page_token"
    )
