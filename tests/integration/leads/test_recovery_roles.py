"""Every RecoveryService RPC needs its roles (docs/authorization.md), checked by the leads service.

The role check runs before the servicer, so a refused call never reaches the tags service; the
allowed call here has no tags service to ask (no TAGS_ADDR peer) and is UNAVAILABLE, which proves
it got past the roles."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from crm.leads.v1 import recovery_pb2, recovery_pb2_grpc

from common.config import Settings
from common.service import start_service
from services.leads.app import DEFINITION
from tests.support.roles import RpcCase, check_row, rows_of
from tests.support.rpc import channel

SERVICE = "crm.leads.v1.RecoveryService"

CASES: list[RpcCase[None]] = [
    RpcCase(
        "RecoverLeads", lambda w, n: recovery_pb2.RecoverLeadsRequest(expression="vip"), allowed="viewer"
    ),
]


def test_every_rpc_of_the_service_has_a_case() -> None:
    assert {c.method for c in CASES} == rows_of(SERVICE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.method)
async def test_an_rpc_refuses_callers_without_its_roles_and_lets_a_reader_through(
    settings_for: Callable[..., Settings], case: RpcCase[None]
) -> None:
    running = await start_service(DEFINITION, settings_for("leads", peers={}))
    try:
        async with channel(running.port) as ch:
            stub = recovery_pb2_grpc.RecoveryServiceStub(ch)
            with pytest.raises(grpc.aio.AioRpcError) as past_roles:
                await check_row(stub, SERVICE, case, None)
            assert past_roles.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "TAGS_ADDR" in (past_roles.value.details() or "")
    finally:
        await running.stop()
