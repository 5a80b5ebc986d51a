"""Opaque, time-sortable string ids (ULID bodies) and the checks that keep malformed ids out."""

from __future__ import annotations

import re
import secrets
import time

from common.errors import InvalidArgument

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ULID_BODY = "[0-9A-HJKMNP-TV-Z]{26}"
CUSTOMER_PREFIX = "cus"
CUSTOMER_ID_RE = re.compile(rf"^{CUSTOMER_PREFIX}_{_ULID_BODY}$")
# Ids partners choose themselves (signals, touchpoints) for idempotent re-sends.
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def ulid(now_ms: int | None = None) -> str:
    """A 26-character ULID: 48 bits of milliseconds then 80 random bits, Crockford base32."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def new_id(prefix: str) -> str:
    """A new id such as `cus_01J...`; ids of one prefix sort by creation time."""
    return f"{prefix}_{ulid()}"


def new_customer_id() -> str:
    return new_id(CUSTOMER_PREFIX)


def require_customer_id(value: str, *, field: str = "customer_id") -> str:
    """Return `value` if it is a well-formed customer id, else raise InvalidArgument naming `field`."""
    if not CUSTOMER_ID_RE.match(value or ""):
        raise InvalidArgument(
            f"{field} {value!r} is not a customer id (expected cus_ followed by 26 characters)", field=field
        )
    return value


def require_customer_ids(values: list[str], *, maximum: int, field: str = "customer_ids") -> list[str]:
    """Validate a batch of customer ids: not empty, at most `maximum`, each well-formed."""
    if not values:
        raise InvalidArgument(f"{field} must not be empty", field=field)
    if len(values) > maximum:
        raise InvalidArgument(f"{field} has {len(values)} ids; at most {maximum} are allowed", field=field)
    for i, value in enumerate(values):
        require_customer_id(value, field=f"{field}[{i}]")
    return values


def client_id_or_new(value: str, *, prefix: str, field: str) -> str:
    """A caller-chosen id if given (validated), else a fresh one; lets partners re-send idempotently."""
    if not value:
        return new_id(prefix)
    if not CLIENT_ID_RE.match(value):
        raise InvalidArgument(
            f"{field} {value!r} is not a valid id (letters, digits, . _ : -; at most 128)", field=field
        )
    return value


def is_valid_tenant(value: str) -> bool:
    """Tenants appear in NATS subjects and database keys, so they are lowercase slugs without dots."""
    return bool(TENANT_RE.match(value or ""))
