"""Bad input is refused with BAD_USER_INPUT and changes nothing (a second read proves it)."""

from __future__ import annotations

from tests.e2e.graphql import ASSIGN_TAGS, CUSTOMER_VIEW, DEFINE_TAG, codes, create_customer, gql, ok
from tests.support.stack import Stack

TAGS_OF = "query($id: ID!) { customer(id: $id) { tags { key value } } }"


async def test_unknown_tag_key_is_bad_user_input_and_assigns_nothing(stack: Stack) -> None:
    async with stack.client() as client:
        customer_id = await create_customer(client, "Zhao Lei", "zhao.lei@example.com")
        await ok(client, DEFINE_TAG, input={"key": "vip", "displayName": "VIP"})

        # One valid and one unknown key: the batch is all or nothing.
        body = await gql(client, ASSIGN_TAGS, id=customer_id, tags=[{"key": "vip"}, {"key": "no.such.tag"}])

        assert body["data"] is None
        assert codes(body) == ["BAD_USER_INPUT"]
        assert body["errors"][0]["extensions"]["fields"], "the offending field is named"
        assert (await ok(client, TAGS_OF, id=customer_id))["customer"]["tags"] == []


async def test_malformed_customer_id_is_bad_user_input(stack: Stack) -> None:
    async with stack.client() as client:
        view = await gql(client, CUSTOMER_VIEW, id="customer-42")
        assign = await gql(client, ASSIGN_TAGS, id="cus_nope", tags=[{"key": "vip"}])

    assert view["data"] == {"customer": None}
    assert codes(view) == ["BAD_USER_INPUT"]
    assert codes(assign) == ["BAD_USER_INPUT"]
    assert assign["errors"][0]["extensions"]["fields"][0]["field"] == "customerId"


async def test_oversized_batch_is_refused_and_nothing_is_ingested(stack: Stack) -> None:
    async with stack.client() as client:
        customer_id = await create_customer(client, "Sun Mei", "sun.mei@example.com")
        signals = [{"customerId": customer_id, "type": "pricing_page_view"}] * (stack.settings.max_batch + 1)
        body = await gql(
            client, "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }", s=signals
        )
        too_many_tags = [{"key": f"t{i}"} for i in range(stack.settings.max_batch + 1)]
        tags_body = await gql(client, ASSIGN_TAGS, id=customer_id, tags=too_many_tags)
        intent = await ok(
            client, "query($id: ID!) { customer(id: $id) { intent { signalCount } } }", id=customer_id
        )

    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "oversized batch" in body["errors"][0]["message"]
    assert codes(tags_body) == ["BAD_USER_INPUT"]
    assert "oversized batch" in tags_body["errors"][0]["message"]
    assert intent["customer"]["intent"]["signalCount"] == 0


async def test_duplicate_email_is_conflict_naming_the_existing_customer(stack: Stack) -> None:
    async with stack.client() as client:
        first = await create_customer(client, "Qian Yu", "qian.yu@example.com")
        body = await gql(
            client,
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
            input={"name": "Qian Yu again", "email": "qian.yu@example.com"},
        )

    assert codes(body) == ["CONFLICT"]
    assert body["errors"][0]["extensions"]["existingCustomerId"] == first


async def test_assigning_tags_to_an_unknown_customer_is_not_found(stack: Stack) -> None:
    async with stack.client() as client:
        await ok(client, DEFINE_TAG, input={"key": "vip", "displayName": "VIP"})
        body = await gql(client, ASSIGN_TAGS, id="cus_01J0000000000000000000000A", tags=[{"key": "vip"}])

    assert body["data"] is None
    assert codes(body) == ["NOT_FOUND"]
