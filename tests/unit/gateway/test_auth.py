"""JWT verification in development: what the gateway accepts as a caller, and what it refuses.

Production verification (JWKS, RS256/ES256) is in test_jwks_auth.py, against a real JWKS server.
"""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from common.config import DEV_JWT_SECRET, GatewaySettings
from gateway.auth import Authenticator, AuthError, bearer_token, issue_token, verify_token

SECRET = "unit-test-secret-0123456789abcdef"


def make(**overrides: object) -> str:
    values: dict[str, object] = {"tenant": "acme", "roles": ["admin"], "subject": "user-1"}
    values.update(overrides)
    return issue_token(secret=SECRET, **values)  # type: ignore[arg-type]


def encode(**claims: object) -> str:
    now = int(time.time())
    body: dict[str, object] = {"sub": "u", "tenant": "acme", "roles": [], "iat": now, "exp": now + 60}
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, SECRET, algorithm="HS256")


def test_valid_token_yields_tenant_subject_and_roles() -> None:
    principal = verify_token(make(roles=["sales", "admin"]), secret=SECRET)
    assert principal.tenant == "acme"
    assert principal.subject == "user-1"
    assert principal.roles == frozenset({"admin", "sales"})
    assert dict(principal.call_context().outgoing_metadata("tok"))["x-caller-roles"] == "admin,sales"


def test_token_signed_with_another_secret_is_refused() -> None:
    token = issue_token(secret="another-secret-0123456789abcdefghij", tenant="acme", roles=[], subject="u")
    with pytest.raises(AuthError, match="invalid token"):
        verify_token(token, secret=SECRET)


def test_expired_token_is_refused() -> None:
    # Beyond the 30 s of tolerated clock skew.
    with pytest.raises(AuthError, match="expired"):
        verify_token(make(ttl=timedelta(seconds=-120)), secret=SECRET)


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_token_without_exp_or_iat_is_refused(claim: str) -> None:
    with pytest.raises(AuthError, match=f'"{claim}"'):
        verify_token(encode(**{claim: None}), secret=SECRET)


def test_hundred_year_token_is_refused_even_in_development() -> None:
    token = make(ttl=timedelta(days=365 * 100))
    with pytest.raises(AuthError, match="lifetime of 3153600000 s exceeds the 86400 s"):
        verify_token(token, secret=SECRET)
    assert verify_token(make(ttl=timedelta(hours=24)), secret=SECRET).tenant == "acme"
    with pytest.raises(AuthError, match="exceeds the 3600 s"):
        verify_token(make(ttl=timedelta(hours=2)), secret=SECRET, max_lifetime_seconds=3600)


@pytest.mark.parametrize("tenant", ["", "Acme", "a.b", "x" * 70])
def test_token_whose_tenant_is_not_a_slug_is_refused(tenant: str) -> None:
    with pytest.raises(AuthError, match="tenant"):
        verify_token(make(tenant=tenant), secret=SECRET)


def test_roles_must_be_a_list_of_strings() -> None:
    with pytest.raises(AuthError, match="roles"):
        verify_token(encode(roles="admin"), secret=SECRET)


def test_token_from_another_issuer_is_refused() -> None:
    token = issue_token(secret=SECRET, tenant="acme", roles=[], subject="u", issuer="elsewhere")
    with pytest.raises(AuthError, match="issued by someone else"):
        verify_token(token, secret=SECRET, issuer="crm-dev")


def test_configured_audience_is_required_and_checked() -> None:
    with pytest.raises(AuthError, match="aud"):
        verify_token(make(), secret=SECRET, audience="crm")
    with pytest.raises(AuthError, match="another audience"):
        verify_token(make(audience="billing"), secret=SECRET, audience="crm")
    assert verify_token(make(audience="crm"), secret=SECRET, audience="crm").subject == "user-1"


def test_unsigned_token_is_refused() -> None:
    token = jwt.encode({"sub": "u", "tenant": "acme", "exp": 4102444800}, key=None, algorithm="none")
    with pytest.raises(AuthError, match="algorithm none is not accepted"):
        verify_token(token, secret=SECRET)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_header_without_bearer_token_is_refused(header: str | None) -> None:
    with pytest.raises(AuthError):
        bearer_token(header)


async def test_development_gateway_accepts_dev_tokens_from_headers_and_connection_init() -> None:
    settings = GatewaySettings()
    token = issue_token(secret=DEV_JWT_SECRET, issuer="crm-dev", tenant="acme", roles=["sales"], subject="u")
    authenticator = Authenticator(settings)
    assert (await authenticator.principal_from_headers({"Authorization": f"Bearer {token}"})).tenant == "acme"
    assert (await authenticator.principal_from_headers({"authorization": f"Bearer {token}"})).roles == {
        "sales"
    }
    with pytest.raises(AuthError, match="Authorization"):
        await authenticator.principal_from_headers({})


async def test_test_environment_uses_its_own_secret_not_the_dev_one() -> None:
    settings = GatewaySettings(env="test", jwt_secret=SECRET, internal_token="t" * 32)  # type: ignore[arg-type]
    authenticator = Authenticator(settings)
    assert (await authenticator.verify(make())).subject == "user-1"
    dev_token = issue_token(secret=DEV_JWT_SECRET, tenant="acme", roles=[], subject="u")
    with pytest.raises(AuthError, match="invalid token"):
        await authenticator.verify(dev_token)
