"""Prometheus metrics of the gateway: GraphQL operations, backend RPCs and errors by code.

Each app owns its own registry, so several gateways in one process (tests) never collide and
`/metrics` shows exactly this gateway's figures. Operation names are chosen by clients, so they
become label values only while the set is small (`MAX_OPERATION_LABELS` well-formed names, first
come first served); any other name is counted under `other`, keeping the series count bounded.

Every operation updates two series; looking a labelled series up through prometheus_client
(`labels()`: validation, a lock, a dict) costs more than updating it, so the series of an
operation's (name, type, outcome) are looked up once and kept with it (bounded like the names).
"""

from __future__ import annotations

import re
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_OPERATION_LABELS = 200
OTHER_OPERATION = "other"
ANONYMOUS_OPERATION = "anonymous"
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class GatewayMetrics:
    """The counters and histograms the gateway updates; exposed in the text format on /metrics."""

    def __init__(self, *, max_operation_labels: int = MAX_OPERATION_LABELS) -> None:
        self._max_operation_labels = max_operation_labels
        self._operation_labels: set[str] = set()
        # (client's name, type, ok) -> the two series it updates; bounded by the label bound.
        self._operation_series: dict[tuple[str | None, str, bool], tuple[Any, Any]] = {}
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
        self.disconnects = Counter(
            "crm_gateway_client_disconnects",
            "HTTP operations cancelled because the client went away before the answer (their RPCs too)",
            registry=self.registry,
        )
        self.backend_up = Gauge(
            "crm_gateway_backend_up",
            "1 while a backend's gRPC health check reports SERVING, 0 otherwise (checked every few seconds)",
            ["service"],
            registry=self.registry,
        )

    def operation_label(self, name: str | None) -> str:
        """The label value for a client-chosen operation name: itself while the set is small, else `other`."""
        if not name:
            return ANONYMOUS_OPERATION
        if not isinstance(name, str):
            return OTHER_OPERATION
        if name in self._operation_labels:
            return name
        if len(self._operation_labels) >= self._max_operation_labels or not _OPERATION_NAME.fullmatch(name):
            return OTHER_OPERATION
        self._operation_labels.add(name)
        return name

    def observe_rpc(self, *, service: str, method: str, code: str, seconds: float) -> None:
        self.rpcs.labels(service, method, code).inc()
        self.rpc_seconds.labels(service, method).observe(seconds)

    def observe_operation(self, *, operation: str | None, kind: str, ok: bool, seconds: float) -> None:
        """Count one operation; `operation` is the client's name, bounded by `operation_label`."""
        # A name that is not a string (clients send anything) is not a key: it may not be hashable.
        key = (operation, kind, ok) if operation is None or isinstance(operation, str) else None
        series = self._operation_series.get(key) if key is not None else None
        if series is None:
            label = self.operation_label(operation)
            series = (
                self.operations.labels(label, kind, "ok" if ok else "error"),
                self.operation_seconds.labels(label, kind),
            )
            # Names past the label bound all share `other`: remember only what has its own label.
            if (
                key is not None
                and label != OTHER_OPERATION
                and len(self._operation_series) < 8 * self._max_operation_labels
            ):
                self._operation_series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    async def endpoint(self, request: Request) -> Response:
        """The /metrics route."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
