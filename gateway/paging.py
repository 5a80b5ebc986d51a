"""Relay cursors for every edge over backends that page with one opaque token per page.

The backends return a token for the next page only. The gateway's cursor names a backend page
token plus how many items of that page to skip, so a client may resume after *any* edge. Resuming
mid-page re-reads the skipped items once; resuming after the last edge of a page (the common case)
uses the backend's own token and skips nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from common.errors import InvalidArgument
from common.paging import decode_cursor, encode_cursor
from gateway.errors import bad_user_input

T = TypeVar("T")
Fetch = Callable[[str, int], Awaitable[tuple[list[T], str]]]


@dataclass(frozen=True, kw_only=True)
class Page(Generic[T]):
    edges: list[tuple[T, str]]  # (item, cursor)
    has_next_page: bool
    end_cursor: str | None


def decode_after(after: str | None, *, max_skip: int) -> tuple[str, int]:
    """(backend page token, items to skip) of a cursor; BAD_USER_INPUT for one we did not issue."""
    if not after:
        return "", 0
    try:
        position = decode_cursor(after)
    except InvalidArgument:
        position = None
    token = position.get("p") if position else None
    skip = position.get("s") if position else None
    if not isinstance(token, str) or not isinstance(skip, int) or not 0 <= skip <= max_skip:
        message = "`after` is not a cursor this API returned"
        raise bad_user_input(message, fields=[{"field": "after", "message": message}])
    return token, skip


async def page_after(fetch: Fetch[T], *, first: int, after: str | None, max_skip: int) -> Page[T]:
    """Fetch the `first` items following `after` via `fetch(page_token, page_size) -> (items, next_token)`."""
    token, skip = decode_after(after, max_skip=max_skip)
    items, next_token = await fetch(token, skip + first)
    window = items[skip : skip + first]
    edges: list[tuple[T, str]] = []
    for offset, item in enumerate(window, start=skip + 1):
        if offset == len(items) and next_token:
            cursor = encode_cursor({"p": next_token, "s": 0})
        else:
            cursor = encode_cursor({"p": token, "s": offset})
        edges.append((item, cursor))
    return Page(
        edges=edges,
        has_next_page=bool(next_token) or len(items) > skip + first,
        end_cursor=edges[-1][1] if edges else None,
    )
