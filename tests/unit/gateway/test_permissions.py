"""The gateway's role checks as pure functions: reserved roles never count and never travel on."""

from __future__ import annotations

import pytest

from gateway.auth import Principal
from gateway.errors import GatewayError
from gateway.permissions import check_operation, forwardable, reserved_role_refusal


def principal(*roles: str) -> Principal:
    return Principal(tenant="acme", subject="u1", roles=frozenset(roles))


def test_a_reserved_role_is_refused_at_the_door_and_stripped_before_any_backend_call() -> None:
    claimed = principal("platform", "viewer")
    assert reserved_role_refusal(claimed) is not None and "platform" in str(reserved_role_refusal(claimed))
    assert reserved_role_refusal(principal("admin")) is None
    assert forwardable(claimed).roles == {"viewer"}
    assert forwardable(claimed).call_context().roles == {"viewer"}


def test_platform_grants_nothing_in_the_gateway() -> None:
    with pytest.raises(GatewayError) as refused:
        check_operation("Mutation.defineTag", principal("platform", "viewer"))
    assert refused.value.code == "FORBIDDEN"
    assert refused.value.extensions is not None
    assert refused.value.extensions["requiredRoles"] == ["admin", "tag_admin"]
    assert "defineTag needs one of the roles admin, tag_admin" in refused.value.message


def test_an_operation_without_a_row_is_refused() -> None:
    with pytest.raises(GatewayError) as refused:
        check_operation("Mutation.somethingNew", principal("admin"))
    assert refused.value.code == "FORBIDDEN"


def test_the_sdl_needs_only_a_token() -> None:
    check_operation("Query._service", principal())
