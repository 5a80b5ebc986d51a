"""Conversations on a customers page cost one batch RPC per page size asked for, not one per customer."""

from __future__ import annotations

from collections import Counter

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.e2e.conversation_support import FIRST_CALL, define_library, ingest
from tests.e2e.graphql import create_customer, ok
from tests.support.stack import Stack

CUSTOMERS = 3
LIST_CONVERSATIONS = """
query ListConversations {
  customers(first: 10) {
    edges { node {
      id
      conversations { id summary facts { kind } suggestions(status: PENDING) { tagKey } }
      latest: conversations(first: 1) { id }
      pendingSuggestions { tagKey evidence { quote } }
    } }
  }
}
"""


async def test_customer_page_with_conversations_costs_one_batch_rpc_per_page_size(
    stack: Stack, span_exporter: InMemorySpanExporter
) -> None:
    async with stack.client() as client:
        await define_library(client)
        ids = [await create_customer(client, f"Batch {i}", f"batch{i}@example.com") for i in range(CUSTOMERS)]
        for customer_id in ids:
            await ingest(client, customer_id, FIRST_CALL)
            await ingest(client, customer_id, [{"speaker": "CUSTOMER", "text": "我想买一台SUV。"}])

        page = (await ok(client, LIST_CONVERSATIONS))["customers"]

    nodes = [edge["node"] for edge in page["edges"]]
    assert sorted(n["id"] for n in nodes) == sorted(ids)
    for node in nodes:
        assert len(node["conversations"]) == 2
        assert node["latest"] == [{"id": node["conversations"][0]["id"]}]
        assert [s["tagKey"] for s in node["pendingSuggestions"]] == ["pref.family"]

    spans = span_exporter.get_finished_spans()
    [operation] = [s for s in spans if s.name == "graphql ListConversations"]
    client_calls = Counter(
        s.name
        for s in spans
        if s.context.trace_id == operation.context.trace_id and s.kind == SpanKind.CLIENT
    )
    # Three page sizes (5, 1, and pendingSuggestions' 20): three calls for the whole page.
    assert client_calls == {
        "/crm.leads.v1.LeadsService/ListCustomers": 1,
        "/crm.tags.v1.TagsService/BatchListConversations": 3,
    }
