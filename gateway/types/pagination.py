"""Relay-style page info shared by every connection type."""

from __future__ import annotations

import strawberry


@strawberry.type(description="Where a page ends and whether another follows")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
