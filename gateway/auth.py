"""Who is asking: verified JWTs carrying the tenant, the caller and their roles.

The gateway is the only component that sees end-user tokens. It turns a verified token into a
`Principal`, and every backend call carries that principal as a `CallContext` (tenant, caller,
roles) plus the internal token, so services never parse JWTs themselves.

Two ways to verify, chosen by the settings (`Authenticator`):
- with `JWT_JWKS_URL` (required in production): RS256/ES256 tokens signed by a key of the identity
  provider's JWK set, with `iss` and `aud` required and checked;
- otherwise (development and test only): HS256 tokens signed with `JWT_SECRET`.
Either way a token must carry `iat` and `exp`, and may live at most `JWT_MAX_LIFETIME_SECONDS`:
a leaked token that never expires is worth more to an attacker than a password.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt

from common.config import GatewaySettings
from common.context import CallContext
from common.ids import is_valid_tenant
from common.timeutil import utcnow
from gateway.jwks import ASYMMETRIC_ALGORITHMS, JwksKeys, UnknownKeyError

ALGORITHM = "HS256"
BEARER = "bearer"
DEFAULT_MAX_LIFETIME_SECONDS = 24 * 3600
LEEWAY_SECONDS = 30  # clock skew tolerated on exp / iat / nbf


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


def _header_token(headers: Mapping[str, Any]) -> str:
    header = headers.get("authorization") or headers.get("Authorization")
    return bearer_token(header if isinstance(header, str) else None)


def _decode(token: str, key: Any, *, algorithm: str, require: list[str], **checks: Any) -> dict[str, Any]:
    """PyJWT's decode with its errors turned into messages a client can act on."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=[algorithm], leeway=LEEWAY_SECONDS, options={"require": require}, **checks
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token has expired") from None
    except jwt.InvalidIssuerError:
        raise AuthError("token was issued by someone else (`iss` does not match)") from None
    except jwt.InvalidAudienceError:
        raise AuthError("token is meant for another audience (`aud` does not match)") from None
    except jwt.InvalidTokenError as err:
        raise AuthError(f"invalid token: {err}") from None
    return claims


def check_lifetime(claims: Mapping[str, Any], max_lifetime_seconds: int) -> None:
    """Refuse a token meant to live longer than the gateway allows (`exp - iat`)."""
    lifetime = claims["exp"] - claims["iat"]
    if lifetime > max_lifetime_seconds:
        raise AuthError(
            f"token lifetime of {int(lifetime)} s exceeds the {max_lifetime_seconds} s this gateway accepts; "
            "ask for a shorter-lived token"
        )


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """`sub`, `tenant` (a tenant slug) and `roles` (a list of strings) of verified claims."""
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


def verify_token(
    token: str,
    *,
    secret: str,
    issuer: str | None = None,
    audience: str | None = None,
    max_lifetime_seconds: int = DEFAULT_MAX_LIFETIME_SECONDS,
) -> Principal:
    """Verify a development HS256 token and return its principal.

    `exp`, `iat` and `sub` are required. When the token names an issuer it must be `issuer` (dev
    tokens from other tools may omit it); with `audience` the token's `aud` must match it.
    """
    algorithm = _unverified_algorithm(token)
    if algorithm != ALGORITHM:
        raise AuthError(f"token algorithm {algorithm} is not accepted here; expected {ALGORITHM}")
    claims = _decode(
        token, secret, algorithm=ALGORITHM, require=["exp", "iat", "sub"], audience=audience or None
    )
    if issuer and "iss" in claims and claims["iss"] != issuer:
        raise AuthError("token was issued by someone else (`iss` does not match)")
    check_lifetime(claims, max_lifetime_seconds)
    return principal_from_claims(claims)


def _unverified_algorithm(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as err:
        raise AuthError(f"invalid token: {err}") from None
    return str(header.get("alg"))


class Authenticator:
    """Verifies the gateway's tokens the way its settings say (JWKS or, in development, HS256)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.keys = JwksKeys(settings.jwt_jwks_url) if settings.jwt_jwks_url else None

    async def verify(self, token: str) -> Principal:
        """The principal of `token`; AuthError with a message for the client when it is refused."""
        s = self.settings
        if self.keys is None:
            secret = s.hs256_secret
            if secret is None:  # unreachable with validated settings; fail closed all the same
                raise AuthError("this gateway has no way to verify tokens")
            return verify_token(
                token,
                secret=secret,
                issuer=s.jwt_issuer,
                audience=s.jwt_audience,
                max_lifetime_seconds=s.jwt_max_lifetime_seconds,
            )
        algorithm = _unverified_algorithm(token)
        if algorithm not in ASYMMETRIC_ALGORITHMS:
            raise AuthError(
                f"token algorithm {algorithm} is not accepted; tokens must be signed by the identity "
                f"provider with {' or '.join(ASYMMETRIC_ALGORITHMS)}"
            )
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token header has no `kid` naming its signing key")
        try:
            key = await self.keys.key(kid)
        except UnknownKeyError:
            raise AuthError(f"token is signed by an unknown key (kid {kid!r})") from None
        claims = _decode(
            token,
            key,
            algorithm=algorithm,
            require=["exp", "iat", "sub", "iss", "aud"],
            issuer=s.jwt_issuer,
            audience=s.jwt_audience,
        )
        check_lifetime(claims, s.jwt_max_lifetime_seconds)
        return principal_from_claims(claims)

    async def principal_from_headers(self, headers: Mapping[str, Any]) -> Principal:
        """Verify the Bearer token of an HTTP request or a WebSocket connection_init payload."""
        return await self.verify(_header_token(headers))


_AUTHENTICATORS: dict[tuple[Any, ...], Authenticator] = {}


def authenticator_for(settings: GatewaySettings) -> Authenticator:
    """One authenticator (and so one JWK cache) per distinct token configuration of the process."""
    key = (
        settings.env,
        settings.jwt_jwks_url,
        settings.jwt_secret,
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.jwt_max_lifetime_seconds,
    )
    if key not in _AUTHENTICATORS:
        _AUTHENTICATORS[key] = Authenticator(settings)
    return _AUTHENTICATORS[key]


def issue_token(
    *,
    secret: str,
    tenant: str,
    roles: Iterable[str],
    subject: str,
    issuer: str | None = None,
    audience: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """Sign a development HS256 token; used by `python -m scripts.token` and by tests."""
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
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
