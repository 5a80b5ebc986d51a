"""Liveness, readiness, and the backends' health on its own endpoint and gauge.

`/healthz` answers while the process runs. `/readyz` says whether *this gateway* can serve: it is
200 once the lifespan has opened its channels, whatever the backends' state, because with one
backend down the schema still answers every other part (the missing one comes back null with a
SERVICE_UNAVAILABLE error). Taking every replica out of a Kubernetes Service for a peer's outage
would turn a partial answer into none. NATS is reported but not required: it carries only
subscriptions, the client reconnects by itself, and queries and mutations never touch it.

`/backends` asks each backend's standard gRPC health service (short deadline, concurrently) and is
200 only when all four report SERVING (503 otherwise, with each status), for operators and
scripts that wait for the whole system; `BackendWatch` refreshes the `crm_gateway_backend_up`
gauge every few seconds so dashboards and alerts see the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
from grpc_health.v1 import health_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from common.service import health_status_name
from gateway.clients import Backends
from gateway.context import Services
from gateway.metrics import GatewayMetrics

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 1.0
WATCH_INTERVAL_SECONDS = 5.0
SERVING = "SERVING"


async def backend_statuses(backends: Backends, *, deadline: float = CHECK_TIMEOUT_SECONDS) -> dict[str, str]:
    """Each backend's health status name (SERVING, NOT_SERVING, …) or the gRPC code of a failed check."""

    async def check(service: str) -> str:
        try:
            reply = await backends.health[service].Check(
                health_pb2.HealthCheckRequest(service=""), timeout=deadline
            )
        except grpc.aio.AioRpcError as err:
            return err.code().name
        return health_status_name(reply.status)

    names = list(backends.health)
    results = await asyncio.gather(*(check(name) for name in names))
    return dict(zip(names, results, strict=True))


def record(metrics: GatewayMetrics, statuses: dict[str, str]) -> None:
    for service, status in statuses.items():
        metrics.backend_up.labels(service).set(1 if status == SERVING else 0)


class BackendWatch:
    """A lifespan task keeping the backend gauge current (a scrape must not wait on four checks)."""

    def __init__(self, services: Services, *, interval: float = WATCH_INTERVAL_SECONDS) -> None:
        self._services = services
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-backend-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        last: dict[str, str] = {}
        while True:
            try:
                statuses = await backend_statuses(self._services.backends)
            except Exception:  # a watch that dies would freeze the gauge at its last value
                log.exception("backend health check failed")
            else:
                record(self._services.metrics, statuses)
                changed = {s: v for s, v in statuses.items() if last.get(s) != v}
                if last and changed:
                    log.warning("backend health changed: %s", changed)
                last = statuses
            await asyncio.sleep(self._interval)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _nats_state(services: Services) -> str:
    return "connected" if services.nats is not None and services.nats.is_connected else "disconnected"


async def readyz(request: Request) -> JSONResponse:
    """200 while this process can serve (its lifespan is up); backends and NATS do not decide it."""
    services: Services | None = getattr(request.state, "services", None)
    if services is None:
        return JSONResponse({"ready": False}, status_code=503)
    return JSONResponse({"ready": True, "nats": _nats_state(services)})


async def backends(request: Request) -> JSONResponse:
    """Each backend's health, checked now; 200 only when all four are SERVING."""
    services: Services = request.state.services
    statuses = await backend_statuses(services.backends)
    record(services.metrics, statuses)
    serving = all(status == SERVING for status in statuses.values())
    body = {"serving": serving, "backends": statuses, "nats": _nats_state(services)}
    return JSONResponse(body, status_code=200 if serving else 503)
