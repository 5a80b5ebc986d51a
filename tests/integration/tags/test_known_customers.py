"""Tags are assigned and conversations heard only for customers leads has in the tenant.

An unknown id, or a customer of another tenant, gets NOT_FOUND naming the field over gRPC and is
dead-lettered on NATS; nothing is stored (no tag, no history, no conversation, no suggestion).
"""

from __future__ import annotations

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from common.grpc_client import error_metadata, field_violations
from common.ids import new_customer_id
from common.timeutil import iso_utc
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.conversation_helpers import (
    SURE,
    conversation,
    define_library,
    eventually,
    ingest,
    publish_conversations,
    started,
)
from tests.integration.tags.helpers import assign, enum_tag
from tests.support.events import connect, subscribe
from tests.support.rpc import metadata

MD = metadata("acme")


async def nothing_stored_for(tags: TagsClient, customer_id: str, *, tenant: str = "acme") -> None:
    md = metadata(tenant)
    listed = await tags.stub.ListCustomerTags(T.ListCustomerTagsRequest(customer_id=customer_id), metadata=md)
    history = await tags.stub.ListTagHistory(T.ListTagHistoryRequest(customer_id=customer_id), metadata=md)
    heard = await tags.stub.ListConversations(
        T.ListConversationsRequest(customer_id=customer_id), metadata=md
    )
    suggested = await tags.stub.ListSuggestions(
        T.ListSuggestionsRequest(customer_id=customer_id), metadata=md
    )
    assert (list(listed.tags), list(history.entries)) == ([], [])
    assert (list(heard.conversations), list(suggested.suggestions)) == ([], [])


@pytest.mark.parametrize("whose", ["nobody", "another tenant"])
async def test_assigning_to_a_customer_leads_does_not_have_here_is_not_found(
    tags: TagsClient, whose: str
) -> None:
    await tags.stub.DefineTag(enum_tag("stage", ["a", "b"]), metadata=MD)
    stranger = new_customer_id() if whose == "nobody" else await tags.customer("globex")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await tags.stub.AssignTags(assign(stranger, ("stage", "a")), metadata=MD)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert [f for f, _ in field_violations(caught.value)] == ["customer_id"]
    assert error_metadata(caught.value) == {"customer_id": stranger}
    await nothing_stored_for(tags, stranger)
    # a real customer of the tenant is tagged as before
    assert (
        len((await tags.stub.AssignTags(assign(await tags.customer(), ("stage", "a")), metadata=MD)).assigned)
        == 1
    )


@pytest.mark.parametrize("whose", ["nobody", "another tenant"])
async def test_a_conversation_about_a_customer_leads_does_not_have_here_is_not_found(
    tags: TagsClient, whose: str
) -> None:
    await define_library(tags)
    stranger = new_customer_id() if whose == "nobody" else await tags.customer("globex")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest(tags, conversation(stranger, ("customer", SURE), conversation_id="c-1"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert [f for f, _ in field_violations(caught.value)] == ["conversation.customer_id"]
    await nothing_stored_for(tags, stranger)
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await tags.stub.GetConversation(T.GetConversationRequest(conversation_id="c-1"), metadata=MD)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_conversations_on_nats_about_unknown_customers_are_dead_lettered_and_store_nothing(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await define_library(tags)
    customer, stranger, theirs = await tags.customer(), new_customer_id(), await tags.customer("globex")

    def heard(customer_id: str, conversation_id: str) -> dict[str, object]:
        return {
            "id": conversation_id,
            "customer_id": customer_id,
            "channel": "wechat",
            "started_at": iso_utc(started()),
            "turns": [{"speaker": "customer", "text": SURE}],
        }

    nc = await connect(nats_url)
    try:
        dead = await subscribe(nc, f"{namespace}.dlq.tags")
        js = nc.jetstream()
        await publish_conversations(
            js, namespace, {"items": [heard(customer, "k-1"), heard(stranger, "k-2")]}
        )
        await publish_conversations(js, namespace, heard(theirs, "k-3"))
        first, second = await dead.wait_for(2)
        await publish_conversations(js, namespace, heard(customer, "k-4"))

        async def consumed() -> bool:
            listed = await tags.stub.ListConversations(
                T.ListConversationsRequest(customer_id=customer), metadata=MD
            )
            return len(listed.conversations) > 0

        await eventually(consumed)
    finally:
        await nc.close()

    assert [first["deliveries"], second["deliveries"]] == [1, 1]  # not retried: it will not get better
    assert first["error"].startswith("NotFound: items[1].customer_id")
    assert second["error"].startswith("NotFound: data.customer_id") and theirs in second["error"]
    listed = await tags.stub.ListConversations(T.ListConversationsRequest(customer_id=customer), metadata=MD)
    assert [c.id for c in listed.conversations] == ["k-4"]  # k-1 went down with its message
    await nothing_stored_for(tags, stranger)
    await nothing_stored_for(tags, theirs)
    await nothing_stored_for(tags, theirs, tenant="globex")
