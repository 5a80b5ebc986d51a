"""Checking one row of the RPC role table (common.roles.RPC_ROLES) over a real gRPC channel.

Every caller without one of the row's roles (each other end-user role, `platform` where the row does
not list it, no role, an unknown role) gets PERMISSION_DENIED whose ErrorInfo names the RPC and the
roles needed, and a read-back shows nothing changed; a caller with the row's least role succeeds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import grpc
import pytest

from common.grpc_client import error_metadata
from common.roles import END_USER_ROLES, PLATFORM, RPC_ROLES, ordered
from tests.support.rpc import metadata

W = TypeVar("W")


@dataclass(frozen=True)
class RpcCase(Generic[W]):
    """One RPC: a request built from the test's world (and a per-call suffix), and what it would change."""

    method: str
    request: Callable[[W, str], Any]
    allowed: str
    read_back: Callable[[W], Awaitable[Any]] | None = None
    changes_state: bool = True


def refused_roles(needed: frozenset[str]) -> list[str]:
    """Each role outside `needed` (platform too), no role, and a role the system does not know."""
    outside = [r for r in (*END_USER_ROLES, PLATFORM) if r not in needed]
    return [*outside, "", "intern"]


async def check_row(stub: Any, service: str, case: RpcCase[W], world: W, *, tenant: str = "acme") -> Any:
    """Run the refusals, the read-back and the allowed call of `case`; returns the allowed reply."""
    full = f"/{service}/{case.method}"
    needed = RPC_ROLES[full]
    rpc = getattr(stub, case.method)
    before = await case.read_back(world) if case.read_back else None
    for i, roles in enumerate(refused_roles(needed)):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await rpc(case.request(world, f"refused{i}"), metadata=metadata(tenant, roles=roles))
        err = refused.value
        assert err.code() == grpc.StatusCode.PERMISSION_DENIED, (roles, err.details())
        assert error_metadata(err) == {"rpc": full, "required_roles": ",".join(ordered(needed))}
        assert all(role in (err.details() or "") for role in needed)
    if case.read_back:
        assert await case.read_back(world) == before, "a refused call changed state"
    reply = await rpc(case.request(world, "allowed"), metadata=metadata(tenant, roles=case.allowed))
    if case.read_back and case.changes_state:
        assert await case.read_back(world) != before, "the allowed call changed nothing visible"
    return reply


def rows_of(service: str) -> set[str]:
    """The method names the table lists for `service` (e.g. crm.leads.v1.LeadsService)."""
    prefix = f"/{service}/"
    return {name.removeprefix(prefix) for name in RPC_ROLES if name.startswith(prefix)}
