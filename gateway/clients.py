"""gRPC channels to the four backends, and calls made on behalf of one authenticated caller.

Channels are opened once per process (in the app lifespan) and shared by all requests; a
`BackendCaller` is cheap and built per request, so the caller's tenant, id and roles travel with
every call as metadata, next to the internal token and a deadline. The deadline of each call is the
shorter of the per-call timeout and what is left of the operation's budget (`deadline`), so a slow
operation cannot outlive its client; when the client goes away the view cancels the operation, and
with it every call in flight (grpc.aio cancels an awaited call on the server too). One operation
has at most `CALLS_IN_FLIGHT` calls outstanding: a page asking for one call per customer queues its
own calls instead of filling the backends' queues ahead of everybody else's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from crm.intent.v1 import intent_pb2_grpc
from crm.journey.v1 import journey_pb2_grpc
from crm.leads.v1 import leads_pb2_grpc, recovery_pb2_grpc
from crm.tags.v1 import segments_pb2_grpc, tags_pb2_grpc
from grpc_health.v1 import health_pb2_grpc

from common.config import DEFAULT_GRPC_PORTS, SERVICES
from common.grpc_client import open_channel
from gateway.auth import Principal
from gateway.errors import deadline_exceeded, from_rpc_error
from gateway.metrics import GatewayMetrics

# Enough for the four batched parts of a page to load at once, few enough to leave room for others.
CALLS_IN_FLIGHT = 4
_STUBS: dict[str, Any] = {
    "tags": tags_pb2_grpc.TagsServiceStub,
    "journey": journey_pb2_grpc.JourneyServiceStub,
    "intent": intent_pb2_grpc.IntentServiceStub,
    "leads": leads_pb2_grpc.LeadsServiceStub,
}
# Second services served by a backend's process, called as `caller.call("<name>", …)`: name -> backend.
_EXTRA_STUBS: dict[str, tuple[str, Any]] = {
    "segments": ("tags", segments_pb2_grpc.SegmentsServiceStub),
    "recovery": ("leads", recovery_pb2_grpc.RecoveryServiceStub),
}


@dataclass(frozen=True, kw_only=True)
class Backends:
    """One channel, service stub and health stub per backend service."""

    channels: Mapping[str, grpc.aio.Channel]
    stubs: Mapping[str, Any]
    health: Mapping[str, health_pb2_grpc.HealthStub]

    @classmethod
    def open(cls, peers: Mapping[str, str]) -> Backends:
        """Open a traced channel to each service at `peers[<svc>]` (the local default port if absent)."""
        channels = {
            svc: open_channel(peers.get(svc) or f"127.0.0.1:{DEFAULT_GRPC_PORTS[svc]}") for svc in SERVICES
        }
        return cls(
            channels=channels,
            stubs={
                **{svc: _STUBS[svc](ch) for svc, ch in channels.items()},
                **{name: stub(channels[svc]) for name, (svc, stub) in _EXTRA_STUBS.items()},
            },
            health={svc: health_pb2_grpc.HealthStub(ch) for svc, ch in channels.items()},
        )

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


class BackendCaller:
    """Makes backend calls for one principal, with deadline, metrics and error mapping."""

    def __init__(
        self,
        backends: Backends,
        *,
        principal: Principal,
        internal_token: str,
        timeout: float,
        metrics: GatewayMetrics,
    ) -> None:
        self._backends = backends
        self._metadata = principal.call_context().outgoing_metadata(internal_token)
        self._timeout = timeout
        self._metrics = metrics
        self.principal = principal
        # time.monotonic() by which the whole operation must be done; None: per-call timeout only.
        self.deadline: float | None = None
        self.budget_seconds: float | None = None
        self._slots = asyncio.Semaphore(CALLS_IN_FLIGHT)

    def _call_timeout(self) -> tuple[float, bool]:
        """(timeout for the next call, whether it is the operation budget rather than the per-call one)."""
        if self.deadline is None:
            return self._timeout, False
        remaining = self.deadline - time.monotonic()
        return (remaining, True) if remaining < self._timeout else (self._timeout, False)

    async def call(self, service: str, method: str, request: Any) -> Any:
        """Call `service.method(request)`; a failed call raises the mapped GatewayError."""
        async with self._slots:
            return await self._call(service, method, request)

    async def _call(self, service: str, method: str, request: Any) -> Any:
        rpc = getattr(self._backends.stubs[service], method)
        service = _EXTRA_STUBS[service][0] if service in _EXTRA_STUBS else service
        timeout, by_budget = self._call_timeout()
        if timeout <= 0:
            raise deadline_exceeded(self.budget_seconds)
        started = time.perf_counter()
        code = grpc.StatusCode.OK.name
        try:
            return await rpc(request, metadata=self._metadata, timeout=timeout)
        except grpc.aio.AioRpcError as err:
            code = err.code().name
            if by_budget and err.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise deadline_exceeded(self.budget_seconds) from None
            raise from_rpc_error(err, service=service) from None
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED.name
            raise
        finally:
            self._metrics.observe_rpc(
                service=service, method=method, code=code, seconds=time.perf_counter() - started
            )
