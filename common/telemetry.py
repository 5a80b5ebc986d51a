"""OpenTelemetry wiring: one tracer provider per process, W3C trace context in NATS headers.

OTLP export is switched on by the standard `OTEL_EXPORTER_OTLP_ENDPOINT`; without it spans are
still created (so trace ids reach the logs) but not exported. Tests install their own provider
with an in-memory exporter before anything starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

TRACER_NAME = "crm"


def setup_tracing(service_name: str) -> TracerProvider:
    """Install the global tracer provider for this process, exporting over OTLP when configured."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current  # already set up (by a test or an earlier call): providers are set once per process
    provider = TracerProvider(resource=Resource.create({"service.name": f"crm-{service_name}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def inject_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add `traceparent` (and `tracestate`) of the current span to message headers."""
    propagate.inject(headers)
    return headers


def extract_context(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The remote parent context carried in message headers (empty context if none)."""
    return propagate.extract(dict(headers or {}))
