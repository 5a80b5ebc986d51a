"""Liveness and readiness probes.

`/healthz` answers while the process runs. `/readyz` asks each backend's standard gRPC health
service (short deadline, concurrently) and is 200 only when all four report SERVING, so a
Kubernetes Service stops routing to a gateway that could not serve a full customer view.
"""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from common.service import health_status_name
from gateway.clients import Backends
from gateway.context import Services

READY_TIMEOUT_SECONDS = 1.0
SERVING = "SERVING"


async def backend_statuses(backends: Backends, *, deadline: float = READY_TIMEOUT_SECONDS) -> dict[str, str]:
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


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    services: Services = request.state.services
    statuses = await backend_statuses(services.backends)
    ready = all(status == SERVING for status in statuses.values())
    nats = "connected" if services.nats is not None and services.nats.is_connected else "disconnected"
    body = {"ready": ready, "backends": statuses, "nats": nats}
    return JSONResponse(body, status_code=200 if ready else 503)
