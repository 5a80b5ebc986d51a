"""JWT verification: what the gateway accepts as a caller, and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from gateway.auth import AuthError, bearer_token, issue_token, principal_from_headers, verify_token

SECRET = "unit-test-secret-0123456789abcdef"


def make(**overrides: object) -> str:
    values: dict[str, object] = {"tenant": "acme", "roles": ["admin"], "subject": "user-1"}
    values.update(overrides)
    return issue_token(secret=SECRET, **values)  # type: ignore[arg-type]


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
    with pytest.raises(AuthError, match="expired"):
        verify_token(make(ttl=timedelta(seconds=-5)), secret=SECRET)


def test_token_without_exp_is_refused() -> None:
    token = jwt.encode({"sub": "u", "tenant": "acme", "roles": []}, SECRET, algorithm="HS256")
    with pytest.raises(AuthError, match="exp"):
        verify_token(token, secret=SECRET)


@pytest.mark.parametrize("tenant", ["", "Acme", "a.b", "x" * 70])
def test_token_whose_tenant_is_not_a_slug_is_refused(tenant: str) -> None:
    with pytest.raises(AuthError, match="tenant"):
        verify_token(make(tenant=tenant), secret=SECRET)


def test_roles_must_be_a_list_of_strings() -> None:
    token = jwt.encode(
        {"sub": "u", "tenant": "acme", "roles": "admin", "exp": 4102444800}, SECRET, algorithm="HS256"
    )
    with pytest.raises(AuthError, match="roles"):
        verify_token(token, secret=SECRET)


def test_token_from_another_issuer_is_refused() -> None:
    token = issue_token(secret=SECRET, tenant="acme", roles=[], subject="u", issuer="elsewhere")
    with pytest.raises(AuthError, match="issued"):
        verify_token(token, secret=SECRET, issuer="crm-dev")


def test_unsigned_token_is_refused() -> None:
    token = jwt.encode({"sub": "u", "tenant": "acme", "exp": 4102444800}, key=None, algorithm="none")
    with pytest.raises(AuthError):
        verify_token(token, secret=SECRET)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_header_without_bearer_token_is_refused(header: str | None) -> None:
    with pytest.raises(AuthError):
        bearer_token(header)


def test_connection_init_payload_is_read_like_http_headers() -> None:
    principal = principal_from_headers({"Authorization": f"Bearer {make()}"}, secret=SECRET, issuer=None)
    assert principal.tenant == "acme"
