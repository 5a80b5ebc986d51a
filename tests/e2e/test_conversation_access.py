"""Conversations refuse bad input without storing anything, stay inside their tenant, and obey roles."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conversation_support import (
    CUSTOMER_CONVERSATIONS,
    FIRST_CALL,
    INGEST,
    LIBRARY,
    REVIEW,
    SUGGESTIONS,
    conversation_input,
    define_library,
    ingest,
)
from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.stack import Stack

LIBRARY_BY_KEY = {d["key"]: d for d in LIBRARY}
SETTINGS = "{ conversationSettings { autoApplyThreshold timeZone updatedBy } }"
UPDATE_SETTINGS = """
mutation($input: ConversationSettingsInput!) {
  updateConversationSettings(input: $input) { autoApplyThreshold timeZone updatedBy }
}
"""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"turns": []}, "conversation.turns"),
        ({"turns": [{"speaker": "CUSTOMER", "text": "   "}]}, "conversation.turns[0].text"),
        ({"turns": [{"speaker": "CUSTOMER", "text": "好" * 2001}]}, "conversation.turns[0].text"),
        ({"timeZone": "Mars/Olympus"}, "conversation.time_zone"),
        ({"startedAt": "2020-01-01T00:00:00Z"}, "conversation.started_at"),
    ],
    ids=["no-turns", "blank-turn", "turn-too-long", "unknown-time-zone", "outside-retention"],
)
async def test_malformed_conversation_is_bad_user_input_and_stores_nothing(
    stack: Stack, change: dict[str, Any], field: str
) -> None:
    async with stack.client() as client:
        await define_library(client)
        customer_id = await create_customer(client, "Bad Input", "bad.input@example.com")
        body = await gql(client, INGEST, input={**conversation_input(customer_id, FIRST_CALL), **change})
        view = (await ok(client, CUSTOMER_CONVERSATIONS, id=customer_id))["customer"]

    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert [f["field"] for f in body["errors"][0]["extensions"]["fields"]] == [field]
    assert view["conversations"] == [] and view["tags"] == [] and view["pendingSuggestions"] == []


async def test_conversation_for_an_unknown_customer_is_not_found(stack: Stack) -> None:
    async with stack.client() as client:
        body = await gql(
            client, INGEST, input=conversation_input("cus_01J0000000000000000000000A", FIRST_CALL)
        )
    assert codes(body) == ["NOT_FOUND"]


async def test_another_tenant_can_neither_see_nor_review_a_conversation(stack: Stack) -> None:
    async with stack.client("acme") as acme, stack.client("globex") as globex:
        await define_library(acme)
        customer_id = await create_customer(acme, "Private Pan", "private.pan@example.com")
        reply = await ingest(acme, customer_id, FIRST_CALL)
        [family] = reply["suggested"]
        conversation_id = reply["conversation"]["id"]

        seen = await gql(globex, "query($id: ID!) { conversation(id: $id) { id } }", id=conversation_id)
        listed = await ok(globex, SUGGESTIONS, customerId=customer_id)
        review = await gql(globex, REVIEW, id=family["id"], decision="REJECT")
        reextract = await gql(
            globex, "mutation($id: ID!) { reextractConversation(id: $id) { duplicate } }", id=conversation_id
        )
        still = await ok(acme, SUGGESTIONS, customerId=customer_id)

    assert codes(seen) == ["NOT_FOUND"] and seen["data"] == {"conversation": None}
    assert listed["conversationSuggestions"]["edges"] == []
    assert codes(review) == ["NOT_FOUND"]
    assert codes(reextract) == ["NOT_FOUND"]
    [edge] = still["conversationSuggestions"]["edges"]
    assert (edge["node"]["id"], edge["node"]["status"]) == (family["id"], "PENDING")


async def test_only_an_admin_changes_settings_and_an_omitted_field_keeps_its_value(stack: Stack) -> None:
    async with stack.client(roles=("sales",)) as sales, stack.client() as admin:
        default = (await ok(sales, SETTINGS))["conversationSettings"]
        refused = await gql(sales, UPDATE_SETTINGS, input={"autoApplyThreshold": 0.5})
        updated = (await ok(admin, UPDATE_SETTINGS, input={"autoApplyThreshold": 0.6}))[
            "updateConversationSettings"
        ]
        out_of_range = await gql(admin, UPDATE_SETTINGS, input={"autoApplyThreshold": 1.5})
        after = (await ok(sales, SETTINGS))["conversationSettings"]

    assert default == {"autoApplyThreshold": 0.85, "timeZone": "Asia/Shanghai", "updatedBy": ""}
    assert codes(refused) == ["FORBIDDEN"]
    assert updated == {"autoApplyThreshold": 0.6, "timeZone": "Asia/Shanghai", "updatedBy": "e2e-user"}
    assert codes(out_of_range) == ["BAD_USER_INPUT"]
    assert after == updated


async def test_a_lower_threshold_applies_what_was_hedged(stack: Stack) -> None:
    async with stack.client() as client:
        await define_library(client)
        await ok(client, UPDATE_SETTINGS, input={"autoApplyThreshold": 0.5})
        customer_id = await create_customer(client, "Low Bar", "low.bar@example.com")
        reply = await ingest(client, customer_id, FIRST_CALL)

    assert "pref.family" in {a["key"] for a in reply["applied"]}
    assert reply["suggested"] == []


RESTRICT = "mutation($key: String!, $input: UpdateTagInput!) { updateTag(key: $key, input: $input) { key } }"


async def test_reviewing_needs_the_roles_that_may_assign_the_tag(stack: Stack) -> None:
    async with stack.client() as admin, stack.client(roles=("viewer",)) as viewer:
        await define_library(admin)
        await ok(admin, RESTRICT, key="pref.family", input={"assignRoles": ["sales"]})
        customer_id = await create_customer(admin, "Role Ren", "role.ren@example.com")
        [family] = (await ingest(admin, customer_id, FIRST_CALL))["suggested"]

        refused = await gql(viewer, REVIEW, id=family["id"], decision="ACCEPT")
        still = await ok(viewer, SUGGESTIONS, customerId=customer_id)
        view = (await ok(viewer, CUSTOMER_CONVERSATIONS, id=customer_id))["customer"]

    assert codes(refused) == ["FORBIDDEN"]
    assert [e["node"]["status"] for e in still["conversationSuggestions"]["edges"]] == ["PENDING"]
    assert "pref.family" not in {t["key"] for t in view["tags"]}
