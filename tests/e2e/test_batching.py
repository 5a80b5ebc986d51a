"""A page of customers with every part costs one batch RPC per backend, not one per customer."""

from __future__ import annotations

from collections import Counter

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, create_customer, ok
from tests.support.stack import Stack

CUSTOMERS = 4
LIST_EVERYTHING = """
query ListEverything {
  customers(first: 10) {
    edges { cursor node { id profile { name } tags { key } intent { score level } journey { stage } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_customer_page_costs_one_batch_rpc_per_backend(
    stack: Stack, span_exporter: InMemorySpanExporter
) -> None:
    async with stack.client() as client:
        await ok(client, DEFINE_TAG, input={"key": "vip", "displayName": "VIP"})
        ids = [await create_customer(client, f"Customer {i}", f"c{i}@example.com") for i in range(CUSTOMERS)]
        for customer_id in ids:
            await ok(client, ASSIGN_TAGS, id=customer_id, tags=[{"key": "vip"}])

        page = (await ok(client, LIST_EVERYTHING))["customers"]

    nodes = [edge["node"] for edge in page["edges"]]
    assert sorted(n["id"] for n in nodes) == sorted(ids)
    assert all(n["tags"] == [{"key": "vip"}] and n["profile"]["name"] for n in nodes)
    assert page["pageInfo"]["hasNextPage"] is False

    spans = span_exporter.get_finished_spans()
    [operation] = [s for s in spans if s.name == "graphql ListEverything"]
    trace_id = operation.context.trace_id
    client_calls = Counter(
        s.name for s in spans if s.context.trace_id == trace_id and s.kind == SpanKind.CLIENT
    )
    assert client_calls == {
        "/crm.leads.v1.LeadsService/ListCustomers": 1,
        "/crm.tags.v1.TagsService/BatchListCustomerTags": 1,
        "/crm.intent.v1.IntentService/BatchGetScores": 1,
        "/crm.journey.v1.JourneyService/BatchGetProgress": 1,
    }


async def test_customer_pages_follow_each_other_without_gaps_or_repeats(stack: Stack) -> None:
    query = """query($after: String) { customers(first: 2, after: $after) {
                 edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    async with stack.client() as client:
        ids = [await create_customer(client, f"Paged {i}", f"p{i}@example.com") for i in range(5)]
        seen: list[str] = []
        after = None
        while True:
            page = (await ok(client, query, after=after))["customers"]
            seen += [e["node"]["id"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        # Resuming after a mid-page edge works too.
        first_page = (await ok(client, query, after=None))["customers"]
        resumed = (await ok(client, query, after=first_page["edges"][0]["cursor"]))["customers"]

    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))
    assert resumed["edges"][0]["node"]["id"] == first_page["edges"][1]["node"]["id"]
