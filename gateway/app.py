"""The gateway ASGI app: `/graphql`, `/healthz`, `/readyz`, `/backends` and `/metrics`.

The lifespan opens what every request shares (one gRPC channel per backend, one NATS connection
for subscriptions) and closes it on shutdown; Starlette hands it to each request as `state`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

from common import bus
from common.config import GatewaySettings
from gateway.clients import Backends
from gateway.context import Services
from gateway.health import BackendWatch, backends, healthz, readyz
from gateway.metrics import GatewayMetrics
from gateway.schema import build_schema
from gateway.view import GatewayGraphQL

log = logging.getLogger(__name__)


def create_app(settings: GatewaySettings) -> Starlette:
    """Build the gateway app for `settings`; connections open when the ASGI lifespan starts."""
    metrics = GatewayMetrics()
    graphql = GatewayGraphQL(build_schema(settings, metrics=metrics))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        channels = Backends.open(settings.peers)
        try:
            nc = await bus.connect(
                settings.nats_url,
                name="crm-gateway",
                user=settings.nats_user,
                password=settings.nats_password,
            )
        except BaseException:
            await channels.close()
            raise
        log.info("gateway connected to %s and NATS at %s", dict(settings.peers), settings.nats_url)
        services = Services(settings=settings, backends=channels, nats=nc, metrics=metrics)
        watch = BackendWatch(services)
        watch.start()
        try:
            yield {"services": services}
        finally:
            await watch.stop()
            await bus.close_quietly(nc)
            await channels.close()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/backends", backends),
            Route("/metrics", metrics.endpoint),
        ],
        lifespan=lifespan,
    )
