"""Relay cursors over token-paged backends: every edge is a valid place to resume."""

from __future__ import annotations

import pytest

from gateway.errors import GatewayError
from gateway.paging import page_after

ITEMS = [f"item{i}" for i in range(7)]


async def backend_page(token: str, size: int) -> tuple[list[str], str]:
    """A stand-in for a list RPC: the token is the start offset, as text."""
    start = int(token or 0)
    end = start + size
    return ITEMS[start:end], (str(end) if end < len(ITEMS) else "")


async def test_following_end_cursors_visits_every_item_once() -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await page_after(backend_page, first=3, after=after, max_skip=10)
        seen += [item for item, _ in page.edges]
        if not page.has_next_page:
            break
        after = page.end_cursor
    assert seen == ITEMS


async def test_resuming_after_a_middle_edge_continues_right_after_it() -> None:
    first = await page_after(backend_page, first=3, after=None, max_skip=10)
    resumed = await page_after(backend_page, first=3, after=first.edges[0][1], max_skip=10)
    assert [item for item, _ in resumed.edges] == ["item1", "item2", "item3"]


@pytest.mark.parametrize("after", ["garbage!", "eyJwIjoxfQ", "eyJwIjoiIiwicyI6OTl9"])
async def test_cursor_we_did_not_issue_is_bad_user_input(after: str) -> None:
    with pytest.raises(GatewayError) as raised:
        await page_after(backend_page, first=3, after=after, max_skip=10)
    assert raised.value.code == "BAD_USER_INPUT"
