"""Test helpers for calling a service over a real gRPC channel, as the gateway would."""

from __future__ import annotations

import grpc

from common.context import CallContext
from common.grpc_client import open_channel
from tests.conftest import TEST_TOKEN


def metadata(
    tenant: str = "acme", *, caller: str = "user-1", roles: str = "admin"
) -> tuple[tuple[str, str], ...]:
    """The metadata a call for `tenant` carries (with the test internal token)."""
    ctx = CallContext(tenant=tenant, caller=caller, roles=frozenset(r for r in roles.split(",") if r))
    return ctx.outgoing_metadata(TEST_TOKEN)


def channel(port: int) -> grpc.aio.Channel:
    return open_channel(f"127.0.0.1:{port}")
