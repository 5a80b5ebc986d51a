"""Conversation fields refuse bad input in the gateway, before any backend is called.

Backend channels point at a port nothing listens on: a call that slipped through would surface as
SERVICE_UNAVAILABLE instead of BAD_USER_INPUT, and the RPC counter would move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from strawberry.federation import Schema

from common.config import GatewaySettings
from common.local_servers import free_port
from gateway.auth import Principal
from gateway.clients import Backends
from gateway.context import GatewayContext, Services
from gateway.metrics import GatewayMetrics
from gateway.schema import build_schema

SETTINGS = GatewaySettings(max_page_size=10, max_batch=5)
ALICE = Principal(tenant="acme", subject="alice", roles=frozenset({"admin"}))
CUSTOMER = "cus_01J0000000000000000000000A"
# Through the federation entry point: it resolves a customer without asking leads.
CONVERSATIONS = """
query($r: [_Any!]!, $first: Int!) { _entities(representations: $r) { ... on Customer { conversations(first: $first) { id } } } }
"""
INGEST = """
mutation($input: IngestConversationInput!) { ingestConversation(input: $input) { duplicate } }
"""


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    port = free_port()
    backends = Backends.open({svc: f"127.0.0.1:{port}" for svc in ("tags", "journey", "intent", "leads")})
    try:
        yield Services(settings=SETTINGS, backends=backends, nats=None, metrics=GatewayMetrics())
    finally:
        await backends.close()


@pytest.fixture
def schema(services: Services) -> Schema:
    return build_schema(SETTINGS, metrics=services.metrics)


async def errors_of(schema: Schema, services: Services, query: str, **variables: Any) -> list[dict[str, Any]]:
    context = GatewayContext(services=services, principal=ALICE)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    return [dict(e.formatted) for e in result.errors or []]


def rpc_count(services: Services) -> float:
    return sum(
        sample.value
        for metric in services.metrics.registry.collect()
        if metric.name == "crm_gateway_backend_rpcs"
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


def conversation_input(**overrides: Any) -> dict[str, Any]:
    return {
        "customerId": CUSTOMER,
        "channel": "CALL",
        "startedAt": "2026-11-23T10:00:00+08:00",
        "turns": [{"speaker": "CUSTOMER", "text": "我想要SUV"}],
        **overrides,
    }


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (CONVERSATIONS, {"r": [{"__typename": "Customer", "id": CUSTOMER}], "first": 21}, "first"),
        (CONVERSATIONS, {"r": [{"__typename": "Customer", "id": CUSTOMER}], "first": 0}, "first"),
        ('{ conversationSuggestions(customerId: "cus_nope") { edges { cursor } } }', {}, "customerId"),
        ("{ conversationSuggestions(first: 11) { edges { cursor } } }", {}, "first"),
        ('{ conversationSuggestions(first: 5, after: "garbage") { edges { cursor } } }', {}, "after"),
        ('{ tagPrecision(tagKeys: ["a", "b", "c", "d", "e", "f"]) { tagKey } }', {}, "tagKeys"),
        ("mutation { updateConversationSettings(input: {}) { timeZone } }", {}, "input"),
        (INGEST, {"input": conversation_input(customerId="customer-42")}, "input.customerId"),
        (INGEST, {"input": conversation_input(startedAt="2026-11-23T10:00:00")}, "input.startedAt"),
    ],
    ids=[
        "too-many-conversations",
        "zero-conversations",
        "bad-customer-filter",
        "oversized-page",
        "forged-cursor",
        "too-many-tag-keys",
        "empty-settings",
        "bad-customer-id",
        "start-without-offset",
    ],
)
async def test_bad_conversation_input_is_refused_without_a_backend_call(
    schema: Schema, services: Services, query: str, variables: dict[str, Any], field: str
) -> None:
    errors = await errors_of(schema, services, query, **variables)

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["fields"][0]["field"] == field
    assert rpc_count(services) == 0
