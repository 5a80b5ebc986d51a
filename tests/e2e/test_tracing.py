"""One trace id follows a mutation from the gateway through gRPC, a NATS publish and a consumer."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.e2e.graphql import create_customer, eventually, ok
from tests.support.stack import Stack

RAISE_INTENT = """
mutation RaiseIntentForTrace($signals: [SignalInput!]!) { ingestSignals(signals: $signals) { accepted } }
"""


async def test_one_trace_spans_gateway_grpc_nats_publish_and_tags_consumer(
    stack: Stack, span_exporter: InMemorySpanExporter
) -> None:
    async with stack.client() as client:
        customer_id = await create_customer(client, "Trace Me", "trace@example.com")
        signals = [
            {
                "customerId": customer_id,
                "type": kind,
                "topic": "crm-suite",
                "properties": {"dwell_seconds": 90},
            }
            for kind in [
                "demo_request",
                "demo_request",
                "pricing_page_view",
                "pricing_page_view",
                "pricing_page_view",
            ]
        ]
        reply = await ok(client, RAISE_INTENT, signals=signals)
        assert reply["ingestSignals"]["accepted"] == len(signals)

    [operation] = [s for s in span_exporter.get_finished_spans() if s.name == "graphql RaiseIntentForTrace"]
    trace_id = operation.context.trace_id
    level_changed = f"{stack.namespace}.evt.acme.intent.level_changed"

    def in_trace() -> list[ReadableSpan]:
        return [s for s in span_exporter.get_finished_spans() if s.context.trace_id == trace_id]

    async def tags_consumer_span() -> ReadableSpan | None:
        return next(
            (
                s
                for s in in_trace()
                if s.name == f"process {level_changed}"
                and str((s.attributes or {}).get("messaging.consumer.group.name", "")).startswith("tags")
            ),
            None,
        )

    consumer = await eventually(tags_consumer_span, within=10)
    spans = in_trace()
    server = [
        s
        for s in spans
        if s.name == "/crm.intent.v1.IntentService/IngestSignals" and s.kind == SpanKind.SERVER
    ]
    publish = [s for s in spans if s.name == f"publish {level_changed}" and s.kind == SpanKind.PRODUCER]
    assert operation.kind == SpanKind.SERVER
    assert server, "the intent service's gRPC server span joined the gateway's trace"
    assert publish, "the level_changed publish joined the trace"
    assert consumer.kind == SpanKind.CONSUMER
    assert consumer.parent is not None and consumer.parent.span_id == publish[0].context.span_id
