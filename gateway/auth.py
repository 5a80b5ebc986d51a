"""Who is asking: dev HS256 JWTs carrying the tenant, the caller and their roles.

The gateway is the only component that sees end-user tokens. It turns a verified token into a
`Principal`, and every backend call carries that principal as a `CallContext` (tenant, caller,
roles) plus the internal token, so services never parse JWTs themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt

from common.context import CallContext
from common.ids import is_valid_tenant
from common.timeutil import utcnow

ALGORITHM = "HS256"
BEARER = "bearer"


class AuthError(Exception):
    """A missing, malformed, expired or forged token; the message is safe to show the client."""


@dataclass(frozen=True, kw_only=True)
class Principal:
    """A verified caller: the tenant every call is scoped to, the subject and the roles."""

    tenant: str
    subject: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def call_context(self) -> CallContext:
        return CallContext(tenant=self.tenant, caller=self.subject, roles=self.roles)


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; AuthError when absent or not Bearer."""
    if not header:
        raise AuthError("missing Authorization header; send `Authorization: Bearer <token>`")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != BEARER or not token.strip():
        raise AuthError("Authorization header must be `Bearer <token>`")
    return token.strip()


def verify_token(token: str, *, secret: str, issuer: str | None = None) -> Principal:
    """Verify signature and expiry of an HS256 token and return its principal.

    `exp`, `sub` and `tenant` are required; `tenant` must be a tenant slug and `roles` a list of
    strings. When the token names an issuer it must be `issuer` (dev tokens from other tools may omit it).
    """
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token has expired") from None
    except jwt.InvalidTokenError as err:
        raise AuthError(f"invalid token: {err}") from None
    if issuer and "iss" in claims and claims["iss"] != issuer:
        raise AuthError("token was issued by someone else")
    tenant = claims.get("tenant")
    if not isinstance(tenant, str) or not is_valid_tenant(tenant):
        raise AuthError("token has no valid `tenant` claim")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthError("token `roles` claim must be a list of strings")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise AuthError("token `sub` claim must be a non-empty string")
    return Principal(tenant=tenant, subject=subject, roles=frozenset(roles))


def principal_from_headers(headers: Mapping[str, Any], *, secret: str, issuer: str | None) -> Principal:
    """Verify the Bearer token of an HTTP request or a WebSocket connection_init payload."""
    header = headers.get("authorization") or headers.get("Authorization")
    return verify_token(
        bearer_token(header if isinstance(header, str) else None), secret=secret, issuer=issuer
    )


def issue_token(
    *,
    secret: str,
    tenant: str,
    roles: Iterable[str],
    subject: str,
    issuer: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """Sign a dev token; used by `python -m scripts.token` and by tests."""
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": subject,
        "tenant": tenant,
        "roles": sorted(set(roles)),
        "iat": now,
        "exp": now + ttl,
    }
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
