"""The gateway is a federation subgraph: it publishes its SDL and resolves Customer entities."""

from __future__ import annotations

from tests.e2e.graphql import create_customer, ok
from tests.support.stack import Stack


async def test_service_sdl_declares_customer_as_an_entity(stack: Stack) -> None:
    async with stack.client() as client:
        sdl = (await ok(client, "{ _service { sdl } }"))["_service"]["sdl"]
    assert 'type Customer @key(fields: "id")' in sdl
    assert "federation/v2" in sdl


async def test_router_can_resolve_a_customer_entity_by_id(stack: Stack) -> None:
    query = """query($reps: [_Any!]!) {
                 _entities(representations: $reps) { ... on Customer { id profile { name } } } }"""
    async with stack.client() as client:
        customer_id = await create_customer(client, "Entity Wu", "entity.wu@example.com")
        entities = (await ok(client, query, reps=[{"__typename": "Customer", "id": customer_id}]))[
            "_entities"
        ]
    assert entities == [{"id": customer_id, "profile": {"name": "Entity Wu"}}]
