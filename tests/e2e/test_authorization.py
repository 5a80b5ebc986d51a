"""Every GraphQL operation needs its roles (docs/authorization.md), over HTTP and WebSocket as a front end.

Per row of the table: every caller without one of the roles gets FORBIDDEN naming the roles, and a
second read shows nothing changed; a caller with the least of the roles succeeds. Then the cases the
outside review found: the library's stewards, assign roles, provenance, and a token claiming `platform`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from common.roles import END_USER_ROLES
from gateway.permissions import OPERATION_ROLES
from tests.e2e import test_segments as segment_feed
from tests.e2e import test_subscriptions as events_feed
from tests.e2e import test_suggestion_subscription as suggestion_feed
from tests.e2e import work_support as work
from tests.e2e.conversation_support import FIRST_CALL, conversation_input, define_library, ingest
from tests.e2e.graphql import ASSIGN_TAGS, DEFINE_TAG, codes, create_customer, gql, ok
from tests.support.stack import Stack


@dataclass(frozen=True)
class World:
    """What every case starts from: the conversation library, a customer, a call, a pending suggestion."""

    customer_id: str
    conversation_id: str
    suggestion_id: str
    segment_id: str
    pool_id: str = ""
    free_lead: str = ""  # in the pool, unclaimed
    held_lead: str = ""  # in the pool, claimed by the e2e user (every test token's subject)
    duplicate_id: str = ""


async def build_world(admin: httpx.AsyncClient) -> World:
    await define_library(admin)
    for key in ("lib.a", "lib.b", "lib.gone", "lib.dep"):
        await ok(admin, DEFINE_TAG, input={"key": key, "displayName": key.upper()})
    await ok(admin, 'mutation { mergeTags(sourceKey: "lib.gone", targetKey: "lib.b") { status } }')
    await ok(admin, 'mutation { deprecateTag(key: "lib.dep") { status } }')
    customer_id = await create_customer(admin, "Role Rui", "role.rui@example.com")
    await ok(admin, ASSIGN_TAGS, id=customer_id, tags=[{"key": "lib.a"}])
    reply = await ingest(admin, customer_id, FIRST_CALL, id="call-roles-1")
    [family] = [s for s in reply["suggested"] if s["tagKey"] == "pref.family"]
    segment = await ok(admin, SEGMENT_CREATE, input={"name": "families", "expression": "pref.family"})
    pool = await ok(
        admin, 'mutation { definePool(input: {name: "East", region: "测试区", cooldownHours: 0}) { id } }'
    )
    pool_id = pool["definePool"]["id"]
    free_lead = await create_customer(admin, "Pool Free", "pool.free@example.com")
    held_lead = await create_customer(admin, "Pool Held", "pool.held@example.com")
    await ok(admin, POOL_ADD, pool=pool_id, ids=[free_lead, held_lead])
    await ok(admin, POOL_CLAIM, id=held_lead, pool=pool_id)
    duplicate_id = await create_customer(admin, "Role Rui (2)", "rui.two@example.com")
    await work.prepare_work(admin, customer_id)
    await ok(admin, 'mutation { defineJourney(input: {key: "roles", stages: [{key: "a"}]}) { key } }')
    return World(
        duplicate_id=duplicate_id,
        customer_id=customer_id,
        conversation_id=reply["conversation"]["id"],
        suggestion_id=family["id"],
        segment_id=segment["createSegment"]["id"],
        pool_id=pool_id,
        free_lead=free_lead,
        held_lead=held_lead,
    )


Vars = Callable[[World, str], dict[str, Any]]  # (world, a per-call suffix) -> variables


@dataclass(frozen=True)
class Case:
    """One row: the operation, a call of it, and a read of what it would change (None for reads)."""

    operation: str
    document: str
    variables: Vars = field(default=lambda w, n: {})
    read_back: str | None = None
    read_vars: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    # The allowed caller: the least-privileged role of the row (None: no role at all)
    allowed: str | None = ""


CUSTOMER_READ = "query($id: ID!) { customer(id: $id) { id } }"
PROFILE_READ = "query($id: ID!) { customer(id: $id) { profile { company status mergedInto } } }"
CHANNELS_READ = '{ channelAnalytics(from: "2026-11", to: "2026-11") { total { leads cost } } }'
TAGS_READ = """query($id: ID!) { customer(id: $id) { tags { key value source confidence }
  tagHistory(first: 50) { entries { tagKey action value source } } } }"""
SEGMENT_CREATE = "mutation($input: CreateSegmentInput!) { createSegment(input: $input) { id name } }"
SEGMENTS_READ = "{ segments(first: 50) { edges { node { id name description version } } } }"
JOURNEYS_READ = "{ journeys { key version isDefault } }"
LIBRARY_READ = """{ tagLibrary(includeArchived: true) { key displayName status assignRoles category } }"""
LIBRARY_READ_ALL = (
    """{ tagLibrary(includeArchived: true) { key displayName description status mergedInto } }"""
)

POOL_ADD = (
    "mutation($pool: ID!, $ids: [ID!]!) { addLeadsToPool(poolId: $pool, customerIds: $ids) { ownerId } }"
)
POOL_CLAIM = "mutation($id: ID!, $pool: ID!) { claimLead(customerId: $id, poolId: $pool) { ownerId } }"
POOL_READ = "query($pool: ID!) { pool(id: $pool) { leads(first: 50) { edges { node { customer { id } ownerId } } } } }"
LEAD_READ = "query($id: ID!) { customer(id: $id) { pool { ownerId lastFollowUpAt followUps { outcome } } } }"

CASES = [
    Case("Query._entities", 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }',
         lambda w, n: {"r": [{"__typename": "Customer", "id": w.customer_id}]}, allowed="viewer"),
    Case("Query._service", "{ _service { sdl } }", allowed=None),
    Case("Query.conversation", "query($id: ID!) { conversation(id: $id) { id } }",
         lambda w, n: {"id": w.conversation_id}, allowed="viewer"),
    Case("Query.conversationSuggestions",
         "query($id: ID!) { conversationSuggestions(customerId: $id) { edges { node { id } } } }",
         lambda w, n: {"id": w.customer_id}, allowed="viewer"),
    Case("Query.tagPrecision", "{ tagPrecision { tagKey } }", allowed="viewer"),
    Case("Query.conversationSettings", "{ conversationSettings { autoApplyThreshold } }", allowed="viewer"),
    Case("Query.customer", CUSTOMER_READ, lambda w, n: {"id": w.customer_id}, allowed="viewer"),
    Case("Query.customers", "{ customers(first: 5) { edges { node { id } } } }", allowed="viewer"),
    # Your own call list; another owner's needs admin (tests/e2e/test_intent_calls.py).
    Case("Query.callList", "{ callList(first: 5) { edges { node { rank } } } }", allowed="viewer"),
    Case("Query.tagLibrary", "{ tagLibrary { key } }", allowed="viewer"),
    Case("Query.tagDefinitions", "{ tagDefinitions(first: 5) { edges { node { definition { key } } } } }",
         allowed="viewer"),
    Case("Query.tag", '{ tag(key: "lib.a") { definition { key } usage { customers } } }', allowed="viewer"),
    Case("Query.deadTags", "{ deadTags { totalCount } }", allowed="viewer"),
    Case("Query.tagMerge", '{ tagMerge(sourceKey: "lib.gone") { status } }', allowed="viewer"),
    Case("Mutation.updateTag", 'mutation($n: String!) { updateTag(key: "lib.a", input: {description: $n}) { key } }',
         lambda w, n: {"n": f"about {n}"}, LIBRARY_READ_ALL, allowed="tag_admin"),
    Case("Mutation.renameTag", 'mutation($n: String!) { renameTag(key: "lib.a", displayName: $n) { key } }',
         lambda w, n: {"n": f"A {n}"}, LIBRARY_READ, allowed="tag_admin"),
    Case("Mutation.deprecateTag", 'mutation { deprecateTag(key: "lib.a") { status } }',
         read_back=LIBRARY_READ, allowed="tag_admin"),
    Case("Mutation.archiveTag", 'mutation { archiveTag(key: "lib.a") { status } }',
         read_back=LIBRARY_READ, allowed="tag_admin"),
    Case("Mutation.restoreTag", 'mutation { restoreTag(key: "lib.dep") { status } }',
         read_back=LIBRARY_READ, allowed="tag_admin"),
    Case("Mutation.archiveTags", 'mutation { archiveTags(keys: ["lib.b"]) { archived { key } } }',
         read_back=LIBRARY_READ, allowed="tag_admin"),
    Case("Mutation.mergeTags", 'mutation { mergeTags(sourceKey: "lib.a", targetKey: "lib.b") { status } }',
         read_back=TAGS_READ, read_vars=lambda w: {"id": w.customer_id}, allowed="tag_admin"),
    Case("Mutation.removeTag", 'mutation($id: ID!) { removeTag(customerId: $id, key: "lib.a") { key } }',
         lambda w, n: {"id": w.customer_id}, TAGS_READ, lambda w: {"id": w.customer_id}, allowed="cs"),
    Case("Query.segmentPreview", '{ segmentPreview(expression: "pref.family") { count } }', allowed="viewer"),
    Case("Query.recoverLeads", '{ recoverLeads(expression: "pref.family") { totalCount } }', allowed="viewer"),
    Case("Query.segments", "{ segments(first: 5) { edges { node { id count } } } }", allowed="viewer"),
    Case("Query.segment", "query($id: ID!) { segment(id: $id) { name count } }",
         lambda w, n: {"id": w.segment_id}, allowed="viewer"),
    Case("Query.explainSegment",
         "query($c: ID!, $s: ID!) { explainSegment(customerId: $c, segmentId: $s) { matches } }",
         lambda w, n: {"c": w.customer_id, "s": w.segment_id}, allowed="viewer"),
    Case("Mutation.createSegment", SEGMENT_CREATE,
         lambda w, n: {"input": {"name": f"segment {n}", "expression": "pref.suv"}},
         SEGMENTS_READ, allowed="sales"),
    Case("Mutation.updateSegment",
         "mutation($id: ID!, $d: String!) { updateSegment(id: $id, input: {description: $d}) { version } }",
         lambda w, n: {"id": w.segment_id, "d": f"changed by {n}"},
         SEGMENTS_READ, allowed="marketing"),
    Case("Mutation.deleteSegment", "mutation($id: ID!) { deleteSegment(id: $id) { deletedId } }",
         lambda w, n: {"id": w.segment_id}, SEGMENTS_READ, allowed="sales"),
    Case("Mutation.ingestConversation",
         "mutation($input: IngestConversationInput!) { ingestConversation(input: $input) { duplicate } }",
         lambda w, n: {"input": conversation_input(w.customer_id, FIRST_CALL, id=f"call-{n}")},
         "query($id: ID!) { customer(id: $id) { conversations(first: 20) { id } } }",
         lambda w: {"id": w.customer_id}, allowed="cs"),
    Case("Mutation.reviewSuggestion",
         "mutation($id: ID!) { reviewSuggestion(id: $id, decision: ACCEPT) { suggestion { status } } }",
         lambda w, n: {"id": w.suggestion_id},
         """query($id: ID!) { conversationSuggestions(customerId: $id, status: PENDING) { edges { node { id } } }
            customer(id: $id) { tags { key } } }""",
         lambda w: {"id": w.customer_id}, allowed="sdr"),
    Case("Mutation.reextractConversation",
         "mutation($id: ID!) { reextractConversation(id: $id) { duplicate } }",
         lambda w, n: {"id": w.conversation_id},
         "query($id: ID!) { conversation(id: $id) { extractedAt suggestions { id status } } }",
         lambda w: {"id": w.conversation_id}, allowed="tag_admin"),
    Case("Mutation.updateConversationSettings",
         "mutation { updateConversationSettings(input: {autoApplyThreshold: 0.6}) { autoApplyThreshold } }",
         read_back="{ conversationSettings { autoApplyThreshold timeZone updatedBy } }", allowed="admin"),
    Case("Mutation.createCustomer",
         "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
         lambda w, n: {"input": {"name": f"New {n}", "email": f"new.{n}@example.com"}},
         "{ customers(first: 50) { edges { node { id } } } }", allowed="sdr"),
    Case("Mutation.defineTag", DEFINE_TAG,
         lambda w, n: {"input": {"key": f"pref.new{n}", "displayName": f"SUV {n}", "assignRoles": ["admin"]}},
         LIBRARY_READ, allowed="tag_admin"),
    Case("Mutation.assignTags", ASSIGN_TAGS,
         lambda w, n: {"id": w.customer_id, "tags": [{"key": "intent.high"}]},
         TAGS_READ, lambda w: {"id": w.customer_id}, allowed="marketing"),
    Case("Mutation.recordTouchpoint",
         "mutation($input: TouchpointInput!) { recordTouchpoint(input: $input) { stageChanged } }",
         lambda w, n: {"input": {"customerId": w.customer_id, "type": "inquiry", "id": f"tp-{n}"}},
         "query($id: ID!) { customer(id: $id) { journey { stage timeline(first: 20) { edges { node { id } } } } } }",
         lambda w: {"id": w.customer_id}, allowed="sales"),
    Case("Mutation.ingestSignals",
         "mutation($s: [SignalInput!]!) { ingestSignals(signals: $s) { accepted } }",
         lambda w, n: {"s": [{"customerId": w.customer_id, "type": "pricing_page_view", "id": f"sig-{n}"}]},
         "query($id: ID!) { customer(id: $id) { intent { signalCount score } } }",
         lambda w: {"id": w.customer_id}, allowed="cs"),
    Case("Query.intentModel", "{ intentModel { version } }", allowed="viewer"),
    Case("Query.intentModelVersions", "{ intentModelVersions { edges { node { version } } } }",
         allowed="viewer"),
    Case("Mutation.updateIntentModel",
         "mutation($n: String!) { updateIntentModel(input: {halfLifeDays: 5}, note: $n) { version } }",
         lambda w, n: {"n": n}, "{ intentModel { version note } }", allowed="admin"),
    Case("Query.intentDataMigration", "{ intentDataMigration { state signalsDone } }", allowed="admin"),
    # The lead pool (docs/lead-pool.md): reps act on the leads they hold, admins define pools.
    Case("Query.pools", "{ pools { id name } }", allowed="viewer"),
    Case("Query.pool", POOL_READ, lambda w, n: {"pool": w.pool_id}, allowed="viewer"),
    Case("Query.myLeads", "{ myLeads(first: 5) { edges { node { ownerId } } } }", allowed="sdr"),
    Case("Query.missedCallbacks", "{ missedCallbacks(first: 5) { edges { node { id } } } }", allowed="sdr"),
    Case("Mutation.definePool", "mutation($n: String!) { definePool(input: {name: $n}) { id } }",
         lambda w, n: {"n": f"Pool {n}"}, "{ pools { id name } }", allowed="admin"),
    Case("Mutation.addLeadsToPool", POOL_ADD, lambda w, n: {"pool": w.pool_id, "ids": [w.customer_id]},
         POOL_READ, lambda w: {"pool": w.pool_id}, allowed="admin"),
    Case("Mutation.claimLead", POOL_CLAIM, lambda w, n: {"id": w.free_lead, "pool": w.pool_id},
         POOL_READ, lambda w: {"pool": w.pool_id}, allowed="sales"),
    Case("Mutation.releaseLead",
         'mutation($id: ID!) { releaseLead(customerId: $id, reason: "无响应") { ownerId } }',
         lambda w, n: {"id": w.held_lead}, POOL_READ, lambda w: {"pool": w.pool_id}, allowed="sales"),
    Case("Mutation.recordFollowUp",
         'mutation($id: ID!, $n: String!) { recordFollowUp(customerId: $id, kind: CALL, outcome: $n) { id } }',
         lambda w, n: {"id": w.held_lead, "n": f"called {n}"}, LEAD_READ, lambda w: {"id": w.held_lead},
         allowed="sdr"),
    Case("Mutation.promiseCallback",
         'mutation($id: ID!) { promiseCallback(customerId: $id, dueAt: "2099-01-01T09:00:00Z", text: "周一") { id } }',
         lambda w, n: {"id": w.held_lead}, allowed="sales"),
    Case("Mutation.updateCustomer",
         "mutation($id: ID!, $n: String!) { updateCustomer(id: $id, input: {company: $n}) { id } }",
         lambda w, n: {"id": w.customer_id, "n": f"Co {n}"}, PROFILE_READ, lambda w: {"id": w.customer_id},
         allowed="sdr"),
    Case("Mutation.setCustomerStatus",
         "mutation($id: ID!) { setCustomerStatus(id: $id, status: QUALIFIED) { id } }",
         lambda w, n: {"id": w.customer_id}, PROFILE_READ, lambda w: {"id": w.customer_id}, allowed="cs"),
    Case("Mutation.mergeCustomers",
         "mutation($s: ID!, $d: ID!) { mergeCustomers(survivorId: $s, duplicateId: $d) { id } }",
         lambda w, n: {"s": w.customer_id, "d": w.duplicate_id}, PROFILE_READ,
         lambda w: {"id": w.duplicate_id}, allowed="admin"),
    Case("Mutation.setChannelCost",
         'mutation { setChannelCost(channel: "web", period: "2026-11", amount: "10.00") { amount } }',
         read_back=CHANNELS_READ, allowed="admin"),
    Case("Query.channelAnalytics", CHANNELS_READ, allowed="viewer"),
    # Deals and tasks (docs/deals-and-tasks.md): the e2e user owns the world's deal and tasks.
    Case("Query.deal", "query($id: ID!) { deal(id: $id) { id } }", lambda w, n: {"id": work.DEAL}, allowed="viewer"),
    Case("Query.tasks", "{ tasks(first: 5) { edges { node { id } } } }", allowed="viewer"),
    Case("Query.dealRevenue",
         'query { dealRevenue(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z") { month } }',
         allowed="viewer"),
    Case("Mutation.createDeal", "mutation($i: CreateDealInput!) { createDeal(input: $i) { id } }",
         lambda w, n: {"i": {"customerId": w.customer_id, "product": f"P {n}"}},
         work.DEALS_READ, lambda w: {"id": w.customer_id}, allowed="sdr"),
    Case("Mutation.qualifyDeal",
         "mutation($id: ID!, $p: String!) { qualifyDeal(id: $id, input: {product: $p}) { id } }",
         lambda w, n: {"id": work.DEAL, "p": f"P {n}"}, work.DEALS_READ, lambda w: {"id": w.customer_id},
         allowed="sales"),
    Case("Mutation.markDealSigned",
         'mutation($id: ID!) { markDealSigned(id: $id, amount: {amount: "100.00"}) { id } }',
         lambda w, n: {"id": work.DEAL}, work.DEALS_READ, lambda w: {"id": w.customer_id}, allowed="cs"),
    Case("Mutation.markDealPaid",
         'mutation($id: ID!) { markDealPaid(id: $id, amount: {amount: "100.00"}) { id } }',
         lambda w, n: {"id": work.DEAL}, work.DEALS_READ, lambda w: {"id": w.customer_id}, allowed="marketing"),
    Case("Mutation.createTask", "mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }",
         lambda w, n: {"i": {"customerId": w.customer_id, "kind": "VISIT", "dueAt": work.in_an_hour()}},
         work.TASKS_READ, lambda w: {"id": w.customer_id}, allowed="sales"),
    Case("Mutation.updateTask",
         "mutation($id: ID!, $n: String!) { updateTask(id: $id, input: {notes: $n}) { id } }",
         lambda w, n: {"id": work.TASK, "n": f"notes {n}"}, work.TASKS_READ, lambda w: {"id": w.customer_id},
         allowed="sdr"),
    Case("Mutation.completeTask", "mutation($id: ID!) { completeTask(id: $id) { id } }",
         lambda w, n: {"id": work.TASK}, work.TASKS_READ, lambda w: {"id": w.customer_id}, allowed="sales"),
    Case("Mutation.cancelTask", "mutation($id: ID!) { cancelTask(id: $id) { id } }",
         lambda w, n: {"id": work.OTHER_TASK}, work.TASKS_READ, lambda w: {"id": w.customer_id}, allowed="cs"),
    Case("Query.journeys", "{ journeys { key } }", allowed="viewer"),
    Case("Query.journey", '{ journey(key: "5a") { key } }', allowed="viewer"),
    Case("Query.funnel", "{ funnel { customers } }", allowed="viewer"),
    Case("Query.funnelOverTime",
         '{ funnelOverTime(interval: WEEK, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { start } }',
         allowed="viewer"),
    Case("Query.staleDeals", "{ staleDeals(first: 5) { edges { node { customerId } } } }", allowed="viewer"),
    Case("Mutation.defineJourney",
         'mutation($k: String!) { defineJourney(input: {key: $k, stages: [{key: "a"}]}) { key } }',
         lambda w, n: {"k": f"j-{n}"}, JOURNEYS_READ, allowed="admin"),
    Case("Mutation.updateJourney",
         'mutation { updateJourney(input: {key: "roles", stages: [{key: "b"}]}) { version } }',
         read_back=JOURNEYS_READ, allowed="admin"),
    Case("Mutation.setDefaultJourney", 'mutation { setDefaultJourney(key: "roles") { key } }',
         read_back=JOURNEYS_READ, allowed="admin"),
]  # fmt: skip
BY_OPERATION = {c.operation: c for c in CASES}


def refused_roles(operation: str) -> list[tuple[str, ...]]:
    """Every end-user role the row does not list, a role-less token and an unknown role."""
    needed = OPERATION_ROLES[operation]
    if not needed:
        return []
    return [(r,) for r in END_USER_ROLES if r not in needed] + [(), ("intern",)]


def test_every_query_and_mutation_row_has_a_case() -> None:
    rows = {op for op in OPERATION_ROLES if not op.startswith("Subscription.")}
    assert set(BY_OPERATION) == rows


def assert_forbidden(body: dict[str, Any], operation: str) -> None:
    field_name = operation.split(".", 1)[1]
    assert codes(body) == ["FORBIDDEN"], body
    [error] = body["errors"]
    assert error["path"] == [field_name]
    needed = sorted(OPERATION_ROLES[operation])
    assert sorted(error["extensions"]["requiredRoles"]) == needed
    assert all(role in error["message"] for role in needed), error["message"]
    assert body["data"] is None or body["data"].get(field_name) is None


@pytest.mark.parametrize("operation", [c.operation for c in CASES])
async def test_an_operation_refuses_callers_without_its_roles_and_serves_those_with_one(
    stack: Stack, operation: str
) -> None:
    case = BY_OPERATION[operation]
    async with stack.client() as admin:
        world = await build_world(admin)
        before = await ok(admin, case.read_back, **case.read_vars(world)) if case.read_back else None
        for i, roles in enumerate(refused_roles(operation)):
            async with stack.client(roles=roles) as caller:
                body = await gql(caller, case.document, **case.variables(world, f"refused{i}"))
            assert_forbidden(body, operation)
        if case.read_back:
            assert await ok(admin, case.read_back, **case.read_vars(world)) == before, (
                "a refusal changed state"
            )

        allowed = () if case.allowed is None else (case.allowed,)
        async with stack.client(roles=allowed) as caller:
            data = await ok(caller, case.document, **case.variables(world, "allowed"))
        assert data[operation.split(".", 1)[1]] is not None
        if case.read_back and operation != "Mutation.reextractConversation":
            # what the allowed caller did is there to read (re-listening unchanged text may change nothing)
            assert await ok(admin, case.read_back, **case.read_vars(world)) != before


async def subscribe(stack: Stack, roles: tuple[str, ...], query: str, customer_id: str) -> ClientConnection:
    ws = await connect(stack.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    init = {"Authorization": f"Bearer {stack.token('acme', roles)}"}
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"id": customer_id}}}
        )
    )
    return ws


def refusal_codes(message: dict[str, Any]) -> list[str]:
    """The codes of a refused subscription: an `error` message, or a `next` carrying errors."""
    errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors", [])
    return [e.get("extensions", {}).get("code", "") for e in errors]


@pytest.mark.parametrize(
    ("operation", "query", "feed"),
    [
        ("Subscription.customerEvents", events_feed.SUBSCRIBE, events_feed),
        ("Subscription.suggestionAdded", suggestion_feed.SUBSCRIBE, suggestion_feed),
        ("Subscription.segmentMembership", segment_feed.SUBSCRIBE, segment_feed),
        ("Subscription.taskReminders", work.SUBSCRIBE, work),
    ],
    ids=["customerEvents", "suggestionAdded", "segmentMembership", "taskReminders"],
)
async def test_a_subscription_refuses_callers_without_its_roles_and_streams_to_a_viewer(
    stack: Stack, operation: str, query: str, feed: Any
) -> None:
    async with stack.client() as admin:
        customer_id = await create_customer(admin, "Live Role", "live.role@example.com")
    for roles in refused_roles(operation):
        ws = await subscribe(stack, roles, query, customer_id)
        try:
            message = json.loads(await ws.recv())
        finally:
            await ws.close()
        assert refusal_codes(message) == ["FORBIDDEN"], (roles, message)

    nc = await nats.connect(stack.nats_url)
    ws = await subscribe(stack, ("viewer",), query, customer_id)
    try:
        await feed.until_subscribed(ws, nc, stack, customer_id)
    finally:
        await ws.close()
        await nc.close()


# ---- the review's findings ----

RESTRICTED = {"key": "vip", "displayName": "VIP", "group": "tier", "assignRoles": ["admin"]}


async def test_a_viewer_reads_the_library_but_cannot_define_redefine_or_archive(stack: Stack) -> None:
    async with stack.client() as admin, stack.client(roles=("viewer",)) as viewer:
        await ok(admin, DEFINE_TAG, input=RESTRICTED)
        library = await ok(viewer, LIBRARY_READ)
        attempts = [
            {"key": "brand.new", "displayName": "New"},
            {**RESTRICTED, "displayName": "Renamed"},
            {**RESTRICTED, "status": "ARCHIVED"},
        ]
        refused = [await gql(viewer, DEFINE_TAG, input=a) for a in attempts]
        after = await ok(admin, LIBRARY_READ)

    assert [t["key"] for t in library["tagLibrary"]] == ["vip"]
    assert all(codes(body) == ["FORBIDDEN"] for body in refused)
    assert after == library


async def test_a_sales_user_cannot_lift_a_tags_assign_roles_nor_assign_it(stack: Stack) -> None:
    async with stack.client() as admin, stack.client(roles=("sales",)) as sales:
        await ok(admin, DEFINE_TAG, input=RESTRICTED)
        customer_id = await create_customer(admin, "Vip Wang", "vip.wang@example.com")
        lifted = await gql(sales, DEFINE_TAG, input={**RESTRICTED, "assignRoles": []})
        widened = await gql(sales, DEFINE_TAG, input={**RESTRICTED, "assignRoles": ["admin", "sales"]})
        assigned = await gql(sales, ASSIGN_TAGS, id=customer_id, tags=[{"key": "vip"}])
        library = await ok(admin, LIBRARY_READ)
        tags = await ok(admin, TAGS_READ, id=customer_id)

    assert codes(lifted) == codes(widened) == codes(assigned) == ["FORBIDDEN"]
    assert "admin, tag_admin" in lifted["errors"][0]["message"]
    assert library["tagLibrary"][0]["assignRoles"] == ["admin"]
    assert tags["customer"]["tags"] == [] and tags["customer"]["tagHistory"]["entries"] == []


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        ({"source": "MODEL"}, "tags[0].source"),
        ({"source": "RULE", "evidence": {"ruleId": "rule-made-up"}}, "tags[0].source"),
        ({"evidence": {"ruleId": "rule-made-up"}}, "tags[0].evidence.rule_id"),
        ({"confidence": 0.99}, "tags[0].confidence"),
        ({"evidence": {"channelCode": "qr-42"}}, "tags[0].evidence.channel_code"),
        ({"source": "SYSTEM"}, "tags[0].source"),
    ],
    ids=["model", "rule", "rule-id", "confidence", "channel-code", "system"],
)
async def test_a_person_cannot_claim_machine_provenance(
    stack: Stack, claim: dict[str, Any], field: str
) -> None:
    async with stack.client() as admin:
        await ok(admin, DEFINE_TAG, input={"key": "budget.high", "displayName": "Budget high"})
        customer_id = await create_customer(admin, "Claim Chen", "claim.chen@example.com")
        before = await ok(admin, TAGS_READ, id=customer_id)
        body = await gql(admin, ASSIGN_TAGS, id=customer_id, tags=[{"key": "budget.high", **claim}])
        after = await ok(admin, TAGS_READ, id=customer_id)
        note = await ok(
            admin, ASSIGN_TAGS, id=customer_id, tags=[{"key": "budget.high", "evidence": {"note": "said so"}}]
        )

    assert codes(body) == ["FORBIDDEN"], body
    assert "platform" in body["errors"][0]["message"]
    assert field.split(".")[-1] in body["errors"][0]["message"] or field.endswith("source")
    assert after == before
    # A person's own assignment, with a note, is manual with confidence 1.0
    assert note["assignTags"]["assigned"] == [{"key": "budget.high", "value": "", "source": "MANUAL"}]


async def test_a_token_claiming_platform_gets_no_platform_powers(stack: Stack) -> None:
    async with stack.client() as admin:
        customer_id = await create_customer(admin, "Plat Form", "plat.form@example.com")
        await ok(admin, DEFINE_TAG, input={"key": "budget.high", "displayName": "Budget high"})
        before = (await ok(admin, LIBRARY_READ), await ok(admin, TAGS_READ, id=customer_id))

    forged = {"source": "MODEL", "confidence": 0.99, "evidence": {"ruleId": "r-9"}}
    replies = []
    for roles in (("platform",), ("platform", "admin")):
        async with stack.client(roles=roles) as caller:
            replies.append(await caller.post("/graphql", json={"query": LIBRARY_READ}))
            replies.append(
                await caller.post(
                    "/graphql",
                    json={
                        "query": DEFINE_TAG,
                        "variables": {"input": {"key": "sys.made", "displayName": "x", "category": "SYSTEM"}},
                    },
                )
            )
            replies.append(
                await caller.post(
                    "/graphql",
                    json={
                        "query": ASSIGN_TAGS,
                        "variables": {"id": customer_id, "tags": [{"key": "budget.high", **forged}]},
                    },
                )
            )
    async with stack.client() as admin:
        after = (await ok(admin, LIBRARY_READ), await ok(admin, TAGS_READ, id=customer_id))

    assert [r.status_code for r in replies] == [403] * 6
    assert all(
        codes(r.json()) == ["FORBIDDEN"] and "platform" in r.json()["errors"][0]["message"] for r in replies
    )
    assert after == before

    async with connect(stack.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"Authorization": f"Bearer {stack.token('acme', ('platform',))}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
