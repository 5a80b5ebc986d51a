"""Segments as a marketer uses them through GraphQL: type an expression, preview it, save it, page
through its members with their profiles, ask why a customer is in or out, and watch customers enter
and leave live; another tenant sees none of it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from nats.aio.client import Client as NATS
from websockets.asyncio.client import ClientConnection, connect

from common import cloudevents
from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, codes, create_customer, eventually, gql, ok
from tests.support.stack import Stack

LIBRARY = [
    {"key": "style.minimal", "displayName": "极简风", "category": "MARKETING"},
    {"key": "intent.hot", "displayName": "高意向", "category": "MARKETING"},
    {"key": "bought", "displayName": "已成交", "category": "BEHAVIOR"},
    {"key": "repurchased", "displayName": "已复购", "category": "BEHAVIOR"},
]
PREVIEW = """
query($e: String!) {
  segmentPreview(expression: $e, sampleSize: 5) { expression count sample { id profile { name } } }
}
"""
CREATE = """
mutation($input: CreateSegmentInput!) {
  createSegment(input: $input) { id name description expression owner count version }
}
"""
MEMBERS = """
query($id: ID!, $after: String) {
  segment(id: $id) {
    name count
    members(first: 2, after: $after) {
      edges { cursor node { id profile { name } tags { key } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
SEGMENTS = (
    "{ segments(first: 10) { edges { node { id name owner count expression } } pageInfo { hasNextPage } } }"
)
EXPLAIN = """
query($c: ID!, $s: ID, $e: String) {
  explainSegment(customerId: $c, segmentId: $s, expression: $e) {
    matches expression segmentName
    nodes { depth kind text result tagKey reason values { value source actor assignedAt } }
  }
}
"""
HISTORY = """
query($id: ID!) {
  customer(id: $id) {
    segmentHistory(first: 10) { entries { change segmentName causes { tagKey action } } pageInfo { hasNextPage } }
  }
}
"""
SUBSCRIBE = """
subscription($id: ID) {
  segmentMembership(customerId: $id) { change segmentId segmentName customerId causes { tagKey action } at }
}
"""
PROBE = "seg_probe"


async def define(client: Any) -> None:
    for definition in LIBRARY:
        await ok(client, DEFINE_TAG, input=definition)


async def tag(client: Any, customer_id: str, *keys: str) -> None:
    await ok(client, ASSIGN_TAGS, id=customer_id, tags=[{"key": k} for k in keys])


async def test_a_marketer_previews_saves_and_pages_through_a_segment_typed_as_text(stack: Stack) -> None:
    async with stack.client() as admin, stack.client(roles=("marketing",)) as marketer:
        await define(admin)
        names = ["Li Wen", "Zhao Min", "Sun Yue", "Qian Hao"]
        ids = [await create_customer(admin, n, f"seg{i}@example.com") for i, n in enumerate(names)]
        for customer_id in ids[:3]:
            await tag(admin, customer_id, "style.minimal", "intent.hot")
        await tag(admin, ids[3], "style.minimal")

        async def previewed() -> Any:
            data = await ok(marketer, PREVIEW, e="极简风 AND 高意向")
            return data["segmentPreview"] if data["segmentPreview"]["count"] == 3 else None

        preview = await eventually(previewed)
        assert preview["expression"] == "style.minimal AND intent.hot"
        assert [c["profile"]["name"] for c in preview["sample"]] == names[:3]

        created = (
            await ok(
                marketer,
                CREATE,
                input={
                    "name": "极简高意向",
                    "description": "双11 重点跟进",
                    "expression": "极简风 且 高意向",
                },
            )
        )["createSegment"]
        assert (created["count"], created["owner"], created["version"]) == (3, "e2e-user", 1)

        listed = (await ok(marketer, SEGMENTS))["segments"]["edges"]
        assert [(e["node"]["name"], e["node"]["count"]) for e in listed] == [("极简高意向", 3)]

        first = (await ok(marketer, MEMBERS, id=created["id"]))["segment"]
        assert first["count"] == 3
        assert [e["node"]["profile"]["name"] for e in first["members"]["edges"]] == names[:2]
        assert {t["key"] for t in first["members"]["edges"][0]["node"]["tags"]} == {
            "style.minimal",
            "intent.hot",
        }
        assert first["members"]["pageInfo"]["hasNextPage"] is True
        after = first["members"]["pageInfo"]["endCursor"]
        rest = (await ok(marketer, MEMBERS, id=created["id"], after=after))["segment"]["members"]
        assert [e["node"]["profile"]["name"] for e in rest["edges"]] == names[2:3]
        assert rest["pageInfo"]["hasNextPage"] is False


async def test_a_syntax_error_points_at_the_column_and_saves_nothing(stack: Stack) -> None:
    async with stack.client() as admin:
        await define(admin)
        body = await gql(admin, PREVIEW, e="极简风 AND AND 高意向")
        assert codes(body) == ["BAD_USER_INPUT"]
        [error] = body["errors"]
        assert error["extensions"]["column"] == 9
        assert error["extensions"]["line"] == 1
        assert [f["field"] for f in error["extensions"]["fields"]] == ["expression"]

        body = await gql(admin, CREATE, input={"name": "typo", "expression": "极简风 AND 高意相"})
        assert codes(body) == ["BAD_USER_INPUT"]
        [error] = body["errors"]
        assert "高意相" in error["message"]
        assert error["extensions"]["column"] == 9
        assert [f["field"] for f in error["extensions"]["fields"]] == ["input.expression"]
        assert (await ok(admin, SEGMENTS))["segments"]["edges"] == []


async def test_explain_tells_a_salesperson_why_a_customer_is_out(stack: Stack) -> None:
    async with stack.client() as admin, stack.client(roles=("sales",)) as sales:
        await define(admin)
        customer_id = await create_customer(admin, "Zhou Jie", "zhou.jie@example.com")
        await tag(admin, customer_id, "bought", "repurchased")
        segment = (
            await ok(admin, CREATE, input={"name": "复购机会", "expression": "已成交 AND NOT 已复购"})
        )["createSegment"]

        explained = (await ok(sales, EXPLAIN, c=customer_id, s=segment["id"]))["explainSegment"]
        assert (explained["matches"], explained["segmentName"]) == (False, "复购机会")
        root, bought, negation, repurchased = explained["nodes"]
        assert (root["kind"], root["depth"], root["result"]) == ("and", 0, False)
        assert (bought["tagKey"], bought["result"], bought["values"][0]["source"]) == (
            "bought",
            True,
            "manual",
        )
        assert (negation["kind"], negation["result"]) == ("not", False)
        assert (repurchased["depth"], repurchased["result"], repurchased["values"][0]["actor"]) == (
            2,
            True,
            "e2e-user",
        )

        typed = (await ok(sales, EXPLAIN, c=customer_id, e="已复购"))["explainSegment"]
        assert (typed["matches"], typed["expression"], typed["segmentName"]) == (True, "repurchased", None)


async def announce(nc: NATS, stack: Stack, customer_id: str) -> None:
    """A probe `segment_entered` as the tags service would publish it, for a segment nobody saved."""
    data = {
        "segment_id": PROBE,
        "segment_name": "probe",
        "customer_id": customer_id,
        "change": "entered",
        "causes": [],
        "actor": "e2e",
        "at": "2026-01-01T00:00:00.000Z",
        "membership_id": "mem_probe",
    }
    event = cloudevents.make_event(
        type="crm.tags.segment_entered.v1", source="e2e", tenant="acme", data=data, subject=customer_id
    )
    await nc.publish(f"{stack.namespace}.evt.acme.tags.segment_entered", cloudevents.encode(event))
    await nc.flush()


async def next_change(ws: ClientConnection, *, within: float) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), within))
    assert message["type"] == "next", message
    change: dict[str, Any] = message["payload"]["data"]["segmentMembership"]
    return change


async def until_subscribed(ws: ClientConnection, nc: NATS, stack: Stack, customer_id: str) -> None:
    """The protocol has no 'subscribed' ack: announce a probe until one arrives."""
    for _ in range(40):
        await announce(nc, stack, customer_id)
        try:
            if (await next_change(ws, within=0.25))["segmentId"] == PROBE:
                return
        except TimeoutError:
            continue
    raise AssertionError("subscription never delivered a probe")


async def test_a_tag_change_moves_a_customer_in_and_out_live_and_into_their_history(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url)
    try:
        async with stack.client() as admin:
            await define(admin)
            customer_id = await create_customer(admin, "Wu Fang", "wu.fang@example.com")
            segment = (
                await ok(admin, CREATE, input={"name": "复购机会", "expression": "已成交 AND NOT 已复购"})
            )["createSegment"]
            async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                init = {"Authorization": f"Bearer {stack.token('acme', ('viewer',))}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                subscribe = {"query": SUBSCRIBE, "variables": {"id": customer_id}}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
                await until_subscribed(ws, nc, stack, customer_id)

                await tag(admin, customer_id, "bought")
                await tag(admin, customer_id, "repurchased")
                live: list[dict[str, Any]] = []
                while len(live) < 2:  # late probes may still arrive first
                    change = await next_change(ws, within=10)
                    if change["segmentId"] != PROBE:
                        live.append(change)
                await ws.send(json.dumps({"id": "1", "type": "complete"}))

            history = (await ok(admin, HISTORY, id=customer_id))["customer"]["segmentHistory"]
    finally:
        await nc.close()

    assert [(c["change"], c["segmentId"], c["customerId"]) for c in live] == [
        ("ENTERED", segment["id"], customer_id),
        ("LEFT", segment["id"], customer_id),
    ]
    assert live[1]["causes"] == [{"tagKey": "repurchased", "action": "assigned"}]
    assert [(e["change"], e["segmentName"]) for e in history["entries"]] == [
        ("LEFT", "复购机会"),
        ("ENTERED", "复购机会"),
    ]
    assert history["entries"][1]["causes"] == [{"tagKey": "bought", "action": "assigned"}]


async def test_another_tenant_counts_nothing_and_gets_not_found_for_the_segment(stack: Stack) -> None:
    async with stack.client() as acme, stack.client("globex") as globex:
        await define(acme)
        await define(globex)
        customer_id = await create_customer(acme, "Acme Only", "acme.only@example.com")
        await tag(acme, customer_id, "bought")
        segment = (await ok(acme, CREATE, input={"name": "buyers", "expression": "已成交"}))["createSegment"]
        assert segment["count"] == 1

        theirs = (await ok(globex, PREVIEW, e="已成交"))["segmentPreview"]
        assert (theirs["count"], theirs["sample"]) == (0, [])
        body = await gql(globex, MEMBERS, id=segment["id"])
        assert codes(body) == ["NOT_FOUND"]
        body = await gql(
            globex, "mutation($id: ID!) { deleteSegment(id: $id) { deletedId } }", id=segment["id"]
        )
        assert codes(body) == ["NOT_FOUND"]
        assert (await ok(globex, SEGMENTS))["segments"]["edges"] == []
        assert (await ok(acme, MEMBERS, id=segment["id"]))["segment"]["count"] == 1


async def test_a_salesperson_cannot_change_a_segment_someone_else_owns(stack: Stack) -> None:
    async with stack.client() as admin:
        await define(admin)
    ann = stack.token("acme", ("marketing",), subject="u-ann")
    bob = stack.token("acme", ("sales",), subject="u-bob")
    update = 'mutation($id: ID!) { updateSegment(id: $id, input: {name: "bob\'s"}) { name } }'
    async with stack.client() as admin:
        admin.headers["Authorization"] = f"Bearer {ann}"
        segment = (await ok(admin, CREATE, input={"name": "ann's", "expression": "已成交"}))["createSegment"]
        assert segment["owner"] == "u-ann"
        admin.headers["Authorization"] = f"Bearer {bob}"
        body = await gql(admin, update, id=segment["id"])
        assert codes(body) == ["FORBIDDEN"]
        assert "only its owner or an admin" in body["errors"][0]["message"]
        admin.headers["Authorization"] = f"Bearer {ann}"
        assert (await ok(admin, update, id=segment["id"]))["updateSegment"]["name"] == "bob's"


async def test_a_merge_moves_customers_into_the_segments_that_name_the_target(stack: Stack) -> None:
    """A merge is a change of each customer's tags like any other: membership events, history, count."""
    async with stack.client() as admin:
        await ok(admin, DEFINE_TAG, input={"key": "style.min", "displayName": "极简"})
        await ok(admin, DEFINE_TAG, input={"key": "style.minimal", "displayName": "极简风格"})
        customer_id = await create_customer(admin, "He Lin", "he.lin@example.com")
        await ok(admin, ASSIGN_TAGS, id=customer_id, tags=[{"key": "style.min"}])
        segment = (await ok(admin, CREATE, input={"name": "极简客户", "expression": "style.minimal"}))[
            "createSegment"
        ]
        merged = await ok(
            admin,
            'mutation { mergeTags(sourceKey: "style.min", targetKey: "style.minimal") { status moved } }',
        )
        history = (await ok(admin, HISTORY, id=customer_id))["customer"]["segmentHistory"]
        members = (await ok(admin, MEMBERS, id=segment["id"]))["segment"]

    assert segment["count"] == 0
    assert merged["mergeTags"] == {"status": "DONE", "moved": 1}
    assert [(e["change"], e["segmentName"]) for e in history["entries"]] == [("ENTERED", "极简客户")]
    assert {"tagKey": "style.minimal", "action": "merged"} in history["entries"][0]["causes"]
    assert members["count"] == 1
    assert [e["node"]["id"] for e in members["members"]["edges"]] == [customer_id]
