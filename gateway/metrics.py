"""Prometheus metrics of the gateway: GraphQL operations, backend RPCs and errors by code.

Each app owns its own registry, so several gateways in one process (tests) never collide and
`/metrics` shows exactly this gateway's figures.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class GatewayMetrics:
    """The counters and histograms the gateway updates; exposed in the text format on /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.operations = Counter(
            "crm_gateway_graphql_operations",
            "GraphQL operations served, by operation name, type and outcome (ok or error)",
            ["operation", "type", "outcome"],
            registry=self.registry,
        )
        self.operation_seconds = Histogram(
            "crm_gateway_graphql_operation_seconds",
            "Time to serve a GraphQL operation",
            ["operation", "type"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "crm_gateway_graphql_errors",
            "GraphQL errors returned to clients, by extensions.code",
            ["code"],
            registry=self.registry,
        )
        self.rpcs = Counter(
            "crm_gateway_backend_rpcs",
            "Backend RPCs made by the gateway, by service, method and gRPC status code",
            ["service", "method", "code"],
            registry=self.registry,
        )
        self.rpc_seconds = Histogram(
            "crm_gateway_backend_rpc_seconds",
            "Latency of backend RPCs",
            ["service", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_rpc(self, *, service: str, method: str, code: str, seconds: float) -> None:
        self.rpcs.labels(service, method, code).inc()
        self.rpc_seconds.labels(service, method).observe(seconds)

    def observe_operation(self, *, operation: str, kind: str, ok: bool, seconds: float) -> None:
        self.operations.labels(operation, kind, "ok" if ok else "error").inc()
        self.operation_seconds.labels(operation, kind).observe(seconds)

    async def endpoint(self, request: Request) -> Response:
        """The /metrics route."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
