"""Opaque cursor page tokens and page-size limits shared by every list RPC."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from common.errors import InvalidArgument


def page_size(requested: int, *, default: int = 50, maximum: int = 200) -> int:
    """0 means the default; negative or above `maximum` is a client error, not silently clamped."""
    if requested == 0:
        return default
    if requested < 0 or requested > maximum:
        raise InvalidArgument(
            f"page_size must be between 1 and {maximum}, got {requested}", field="page_size"
        )
    return requested


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any] | None:
    """The position a page token encodes, None for the first page; a tampered token is INVALID_ARGUMENT."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument(
            "page_token is malformed; pass back the token a previous page returned", field="page_token"
        ) from None
    if not isinstance(value, dict):
        raise InvalidArgument("page_token is malformed", field="page_token")
    return value


def cursor_text(cursor: dict[str, Any], name: str) -> str:
    """The string `name` of a decoded cursor; a token without it is the caller's malformed input."""
    value = cursor.get(name)
    if not isinstance(value, str):
        raise InvalidArgument("page_token is malformed", field="page_token")
    return value


def cursor_time(cursor: dict[str, Any], name: str = "at") -> datetime:
    """The aware ISO-8601 time `name` of a decoded cursor."""
    try:
        value = datetime.fromisoformat(cursor_text(cursor, name))
    except ValueError:
        raise InvalidArgument("page_token is malformed", field="page_token") from None
    if value.tzinfo is None:
        raise InvalidArgument("page_token is malformed", field="page_token")
    return value
