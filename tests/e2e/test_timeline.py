"""The timeline of everything through GraphQL: a new customer, a call and what was heard in it, a tag a rep
set, an intent level change and a touchpoint — each caused through the real services, each on
`Customer.journey.timeline` in time order with its kind, a line for people and its source ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conversation_support import FIRST_CALL, define_library, ingest
from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, codes, create_customer, eventually, gql, ok
from tests.e2e.test_customer_view import publish_signals
from tests.support.stack import Stack

TIMELINE = """
query Timeline($id: ID!, $kinds: [TimelineEntryKind!], $first: Int! = 20) {
  customer(id: $id) {
    journey {
      timeline(first: $first, kinds: $kinds) {
        edges { node { kind type summary occurredAt actor channel sourceEventId refs { name id } } }
      }
    }
  }
}
"""

RECORD = """
mutation($input: TouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }
"""

EXPECTED = {"LEAD", "CONVERSATION", "TAG_CHANGE", "INTENT_LEVEL", "TOUCHPOINT"}


async def timeline(client: Any, customer_id: str, **variables: Any) -> list[dict[str, Any]]:
    data = await ok(client, TIMELINE, id=customer_id, **variables)
    return [e["node"] for e in data["customer"]["journey"]["timeline"]["edges"]]


async def test_everything_that_happened_to_a_customer_is_on_one_timeline(stack: Stack) -> None:
    async with stack.client("acme") as client, stack.client("globex") as globex:
        customer_id = await create_customer(client, "梁明", "liang.ming@example.com")
        await define_library(client)
        call_at = datetime.now(UTC) - timedelta(hours=1)
        heard = await ingest(client, customer_id, FIRST_CALL, started_at=call_at, id="call-timeline-1")
        assert heard["duplicate"] is False
        await ok(client, DEFINE_TAG, input={"key": "vip", "displayName": "VIP", "category": "BASIC"})
        await ok(client, ASSIGN_TAGS, id=customer_id, tags=[{"key": "vip"}])
        await publish_signals(stack, customer_id)
        await ok(client, RECORD, input={"customerId": customer_id, "type": "store_visit", "channel": "store"})

        async def complete() -> list[dict[str, Any]] | None:
            nodes = await timeline(client, customer_id)
            return nodes if {n["kind"] for n in nodes} >= EXPECTED else None

        nodes = await eventually(complete, within=20)
        times = [n["occurredAt"] for n in nodes]
        assert times == sorted(times, reverse=True)  # newest first, by when each thing happened
        by_kind = {n["kind"]: n for n in nodes}
        call = by_kind["CONVERSATION"]
        assert call["summary"].startswith("听到: ") and call["channel"] == "call"
        assert {"name": "conversation_id", "id": "call-timeline-1"} in call["refs"]
        assert abs(datetime.fromisoformat(call["occurredAt"]) - call_at) < timedelta(seconds=1)
        assert call["sourceEventId"]
        assert by_kind["TAG_CHANGE"]["summary"] == "标签 +vip"
        assert by_kind["INTENT_LEVEL"]["summary"].startswith("意向 → ")
        assert by_kind["LEAD"]["summary"].startswith("新客户: 梁明")
        assert (
            by_kind["TOUCHPOINT"]["summary"] == "store_visit"
            and by_kind["TOUCHPOINT"]["sourceEventId"] is None
        )
        # The tags the call applied (source conversation) are in the call's line, not entries of their own.
        assert [n for n in nodes if n["kind"] == "TAG_CHANGE"] == [by_kind["TAG_CHANGE"]]

        calls = await timeline(client, customer_id, kinds=["CONVERSATION", "LEAD"])
        # The call was an hour before the customer was entered in the CRM: it shows below.
        assert [n["kind"] for n in calls] == ["LEAD", "CONVERSATION"]

        # Another tenant sees none of it; a kind that does not exist is refused.
        alien = await gql(globex, TIMELINE, id=customer_id)
        assert alien["data"] == {"customer": None} and codes(alien) == ["NOT_FOUND"]
        bad = await gql(client, TIMELINE, id=customer_id, kinds=["PHONE_CALL"])
        assert "errors" in bad and "PHONE_CALL" in bad["errors"][0]["message"]
