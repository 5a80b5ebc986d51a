"""The per-request GraphQL context: who is calling, and the backend access built for them."""

from __future__ import annotations

import time
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
    _deadline: float | None = None
    _budget: float | None = None

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
            self._caller.deadline, self._caller.budget_seconds = self._deadline, self._budget
        return self._caller

    def start_operation(self) -> None:
        """Forget cached loads and start the operation's time budget.

        A WebSocket context lives for many operations, each must see fresh data. An HTTP operation
        gets the gateway's budget, shortened by the client's own `X-Request-Timeout-Ms` (read by the
        view); a subscription lives as long as its client wants, so only per-call timeouts apply.
        """
        self._loaders = None
        budget: float | None = None
        if self.request is not None and self.request.scope.get("type") == "http":
            budget = self.settings.operation_timeout_seconds
            client = self.request.scope.get("state", {}).get(CLIENT_TIMEOUT_KEY)
            if client is not None:
                budget = min(budget, client)
        self._budget = budget
        self._deadline = time.monotonic() + budget if budget is not None else None
        if self._caller is not None:
            self._caller.deadline, self._caller.budget_seconds = self._deadline, self._budget

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = build_loaders(self.caller, max_batch=self.settings.max_batch)
        return self._loaders


GatewayInfo = Info[GatewayContext, None]
# Where the view leaves the client's requested timeout (seconds) in the ASGI scope's state.
CLIENT_TIMEOUT_KEY = "crm_client_timeout"
