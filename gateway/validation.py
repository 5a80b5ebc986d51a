"""Checks the gateway makes before calling any backend, so bad input costs no RPC."""

from __future__ import annotations

from collections.abc import Sized

from common.ids import CUSTOMER_ID_RE
from gateway.errors import GatewayError, bad_user_input


def require_customer_id(value: str, *, field: str = "id") -> str:
    """`value` if it is a well-formed customer id (`cus_` + ULID), else BAD_USER_INPUT naming `field`."""
    if not CUSTOMER_ID_RE.match(value or ""):
        raise _field_error(field, f"{value!r} is not a customer id (expected cus_ followed by 26 characters)")
    return value


def require_batch(items: Sized, *, maximum: int, field: str) -> None:
    """At least one and at most `maximum` items; more is an "oversized batch" (BAD_USER_INPUT)."""
    if len(items) == 0:
        raise _field_error(field, f"{field} must not be empty")
    if len(items) > maximum:
        raise _field_error(field, f"oversized batch: {field} has {len(items)} items; at most {maximum}")


def require_page_size(first: int, *, maximum: int, field: str = "first") -> int:
    """A page size between 1 and `maximum`; larger pages are refused, not silently clamped."""
    if first < 1 or first > maximum:
        raise _field_error(field, f"{field} must be between 1 and {maximum}, got {first}")
    return first


def _field_error(field: str, message: str) -> GatewayError:
    return bad_user_input(message, fields=[{"field": field, "message": message}])
