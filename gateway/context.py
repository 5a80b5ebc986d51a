"""The per-request GraphQL context: who is calling, and the backend access built for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS
from strawberry.types import Info

from common.config import GatewaySettings
from gateway.auth import Principal
from gateway.clients import BackendCaller, Backends
from gateway.errors import unauthenticated
from gateway.loaders import Loaders, build_loaders
from gateway.metrics import GatewayMetrics
from gateway.permissions import forwardable


@dataclass(frozen=True, kw_only=True)
class Services:
    """What the app lifespan opened once: backend channels, the NATS connection, metrics."""

    settings: GatewaySettings
    backends: Backends
    nats: NATS | None
    metrics: GatewayMetrics


@dataclass(kw_only=True)
class GatewayContext:
    """`info.context` of every resolver.

    HTTP requests are authenticated before execution; a WebSocket is authenticated by its
    connection_init payload (`connection_params`), after the context was created, so the principal
    and everything derived from it are set late and looked up lazily.
    """

    services: Services
    request: Any = None
    response: Any = None
    principal: Principal | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)
    _caller: BackendCaller | None = None
    _loaders: Loaders | None = None

    @property
    def settings(self) -> GatewaySettings:
        return self.services.settings

    def authenticated(self) -> Principal:
        """The caller's principal; UNAUTHENTICATED if none (no backend is ever called without one)."""
        if self.principal is None:
            raise unauthenticated("authentication required: send `Authorization: Bearer <token>`")
        return self.principal

    @property
    def caller(self) -> BackendCaller:
        if self._caller is None:
            self._caller = BackendCaller(
                self.services.backends,
                principal=forwardable(self.authenticated()),
                internal_token=self.settings.internal_token,
                timeout=self.settings.rpc_timeout_seconds,
                metrics=self.services.metrics,
            )
        return self._caller

    def start_operation(self) -> None:
        """Forget cached loads: a WebSocket context lives for many operations, each must see fresh data."""
        self._loaders = None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = build_loaders(self.caller, max_batch=self.settings.max_batch)
        return self._loaders


GatewayInfo = Info[GatewayContext, None]
