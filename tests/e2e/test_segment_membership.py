"""Current segment membership through GraphQL: a page of customers shows each one's segments with
one batch call, a new segment's sync is visible on it, and history says what triggered each change."""

from __future__ import annotations

from collections import Counter
from typing import Any

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, create_customer, eventually, ok
from tests.support.stack import Stack

CREATE = """
mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id membershipSync { status } } }
"""
SYNC = """
query($id: ID!) { segment(id: $id) { membershipSync { status segmentVersion done total entered left } } }
"""
PAGE = """
query CustomerSegments {
  customers(first: 10) { edges { node { id segments { id name since } } } }
}
"""
HISTORY = """
query($id: ID!) { customer(id: $id) { segments { name } segmentHistory(first: 5) { entries { change trigger causes { tagKey } } } } }
"""


async def test_a_page_of_customers_shows_their_segments_with_one_batch_call(
    stack: Stack, span_exporter: InMemorySpanExporter
) -> None:
    async with stack.client() as admin, stack.client(tenant="globex") as other:
        await ok(admin, DEFINE_TAG, input={"key": "vip", "displayName": "VIP"})
        vip = await create_customer(admin, "Vip", "vip@example.com")
        plain = await create_customer(admin, "Plain", "plain@example.com")
        await ok(admin, ASSIGN_TAGS, id=vip, tags=[{"key": "vip"}])
        created = (await ok(admin, CREATE, input={"name": "贵宾", "expression": "VIP"}))["createSegment"]
        assert created["membershipSync"]["status"] in {"PENDING", "RUNNING", "DONE"}

        async def synced() -> dict[str, Any] | None:
            sync = (await ok(admin, SYNC, id=created["id"]))["segment"]["membershipSync"]
            return sync if sync["status"] == "DONE" else None

        sync = await eventually(synced, within=30)
        assert (sync["segmentVersion"], sync["entered"], sync["left"]) == (1, 1, 0)

        page = (await ok(admin, PAGE))["customers"]["edges"]
        theirs = (await ok(other, PAGE))["customers"]["edges"]
        history = (await ok(admin, HISTORY, id=vip))["customer"]

    segments = {e["node"]["id"]: e["node"]["segments"] for e in page}
    assert [(s["id"], s["name"]) for s in segments[vip]] == [(created["id"], "贵宾")]
    assert segments[vip][0]["since"]  # when the sync announced them
    assert segments[plain] == []
    assert all(e["node"]["segments"] == [] for e in theirs)
    assert history["segments"] == [{"name": "贵宾"}]
    assert history["segmentHistory"]["entries"] == [
        {"change": "ENTERED", "trigger": "SEGMENT_CHANGE", "causes": []}
    ]

    spans = span_exporter.get_finished_spans()
    [operation] = [s for s in spans if s.name == "graphql CustomerSegments"][:1]
    calls = Counter(
        s.name
        for s in spans
        if s.context.trace_id == operation.context.trace_id and s.kind == SpanKind.CLIENT
    )
    assert calls["/crm.tags.v1.SegmentsService/BatchGetCustomerSegments"] == 1
