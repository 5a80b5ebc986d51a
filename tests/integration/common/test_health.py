"""gRPC health (what Kubernetes readiness reads) tells the truth about the process's own NATS, MongoDB
and consumers. Each test runs its own server so it can stop and restart it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common import cloudevents, nats_auth
from common.config import Settings
from common.local_servers import LocalServer, free_port, start_mongo_standin, start_nats
from common.service import start_service
from services.leads.app import DEFINITION as LEADS
from services.leads.app import SERVICE_NAME
from tests.integration.common.helpers import eventually
from tests.support.events import connect, subscribe
from tests.support.nats import SessionNats
from tests.support.rpc import channel
from tests.support.service import service_under_test

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def statuses(ch: grpc.aio.Channel) -> set[int]:
    stub = health_pb2_grpc.HealthStub(ch)
    return {
        (await stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)).status
        for name in ("", SERVICE_NAME)
    }


async def becomes(ch: grpc.aio.Channel, status: int, *, within: float) -> float:
    """Seconds until both the server's and the service's status are `status`."""
    started = time.monotonic()

    async def reached() -> bool:
        return await statuses(ch) == {status}

    await eventually(reached, within=within, every=0.1)
    return time.monotonic() - started


async def test_health_follows_the_nats_connection_and_consuming_resumes_after_a_restart(
    tmp_path: Path, settings_for: Callable[..., Settings], namespace: str, session_nats: SessionNats
) -> None:
    port = free_port()

    def own_nats() -> LocalServer:
        """A server of this test's own, with the session's users and permissions (same port, same store)."""
        if session_nats.credentials is None:
            return start_nats(tmp_path / "nats", port=port)
        users = session_nats.credentials.users(root="*")
        return start_nats(tmp_path / "nats", port=port, authorization=nats_auth.render_authorization(users))

    nats = own_nats()
    running = await start_service(LEADS, settings_for("leads", nats_url=nats.url))
    try:
        async with channel(running.port) as ch:
            await becomes(ch, SERVING, within=5)
            nats.stop()
            down = await becomes(ch, NOT_SERVING, within=10)
            assert running.watchdog is not None and "NATS is not connected" in running.watchdog.problems
            # Unready, but alive: the liveness probe must not restart the pod for a NATS outage.
            liveness = await health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(service="liveness")
            )
            assert liveness.status == SERVING

            nats = own_nats()  # same store: streams and consumers survive
            up = await becomes(ch, SERVING, within=20)
            print(f"NOT_SERVING {down:.1f} s after NATS stopped; SERVING {up:.1f} s after it restarted")
            assert down < 6

            # And it consumes again: an unknown ingest kind is dead-lettered by the leads catch-all.
            admin = session_nats.credentials
            nc = await connect(admin.url(nats.url, nats_auth.ADMIN) if admin else nats.url)
            try:
                dlq = await subscribe(nc, f"{namespace}.dlq.leads")
                body = cloudevents.make_event(type="t", source="s", tenant="acme", data={})
                await nc.jetstream().publish(f"{namespace}.in.acme.orders", cloudevents.encode(body))
                [dead] = await dlq.wait_for(1, within=10)
                assert dead["subject"] == f"{namespace}.in.acme.orders"
            finally:
                await nc.close()
    finally:
        await running.stop()
        nats.stop()


async def test_health_follows_the_database(
    tmp_path: Path, settings_for: Callable[..., Settings], nats_url: str
) -> None:
    port = free_port()
    mongo = start_mongo_standin(tmp_path / "mongo", port=port)
    settings = settings_for("leads", mongodb_uri=mongo.url, nats_url=nats_url)
    try:
        async with service_under_test(LEADS, settings, nats_url=nats_url) as svc:
            ch = svc.channel
            await becomes(ch, SERVING, within=5)
            mongo.stop()
            await becomes(ch, NOT_SERVING, within=10)
            assert svc.running.watchdog is not None
            assert any("MongoDB does not answer" in p for p in svc.running.watchdog.problems)
            mongo = start_mongo_standin(tmp_path / "mongo", port=port)
            await becomes(ch, SERVING, within=20)
    finally:
        mongo.stop()


async def test_a_service_stopped_while_nats_is_down_leaves_no_client_reconnecting(
    tmp_path: Path, settings_for: Callable[..., Settings], session_nats: SessionNats
) -> None:
    # drain() refuses a reconnecting connection; one left open would retry for ever in this process.
    if session_nats.credentials is None:
        nats = start_nats(tmp_path / "nats")
    else:
        users = session_nats.credentials.users(root="*")
        nats = start_nats(tmp_path / "nats", authorization=nats_auth.render_authorization(users))
    running = await start_service(LEADS, settings_for("leads", nats_url=nats.url))
    nc = running.runtime.nc
    try:
        nats.stop()

        async def lost() -> bool:
            return nc.is_reconnecting or not nc.is_connected

        await eventually(lost, within=10)
    finally:
        await running.stop()
        nats.stop()
    assert nc.is_closed
