"""A car dealer's own journey through GraphQL: define it, make it the default, walk customers along it
(one moves back), read the cumulative funnel down to signed and paid, filter it by owner and period,
change the journey without rewriting history, and see none of it from another tenant."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.e2e.graphql import codes, eventually, gql, ok
from tests.support.stack import Stack

NOW = datetime.now(UTC).replace(microsecond=0)
CAR_STAGES = [
    {"key": "call", "name": "来电", "touchpointTypes": ["call_inbound"]},
    {"key": "appointment", "name": "预约", "touchpointTypes": ["appointment"]},
    {"key": "visit", "name": "到店", "touchpointTypes": ["store_visit"]},
    {"key": "needs", "name": "需求", "touchpointTypes": ["needs_analysis"]},
    {"key": "recommend", "name": "推荐", "touchpointTypes": ["recommendation"]},
    {"key": "test_drive", "name": "试驾", "touchpointTypes": ["test_drive"]},
    {"key": "quote", "name": "报价", "touchpointTypes": ["quote_sent"]},
    {"key": "follow_up", "name": "回访", "touchpointTypes": ["follow_up_call"]},
    {"key": "revisit", "name": "再次到店", "touchpointTypes": ["store_revisit"]},
    {"key": "signed", "name": "签约", "touchpointTypes": ["contract_signed"], "kind": "WON_CONTRACT"},
    {"key": "paid", "name": "付款", "touchpointTypes": ["payment"], "kind": "WON_PAYMENT"},
]
DEFINE = """
mutation($input: DefineJourneyInput!) {
  defineJourney(input: $input) { key name version template isDefault stages { key name kind touchpointTypes daysToRot } }
}
"""
UPDATE = """
mutation($input: UpdateJourneyInput!) { updateJourney(input: $input) { key version stages { key } } }
"""
SET_DEFAULT = "mutation($key: String!) { setDefaultJourney(key: $key) { key isDefault } }"
JOURNEYS = "{ journeys { key version template isDefault } }"
JOURNEY = (
    "query($key: String!, $v: Int) { journey(key: $key, version: $v) { key version stages { key kind } } }"
)
CREATE = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }
"""
RECORD = """
mutation($input: TouchpointInput!) { recordTouchpoint(input: $input) { stageChanged touchpoint { stage } } }
"""
FUNNEL = """
query($j: String, $from: DateTime, $to: DateTime, $owner: String, $source: String) {
  funnel(journey: $j, from: $from, to: $to, ownerId: $owner, sourceChannel: $source) {
    journey version customers
    stages { key kind count conversionFromPrevious conversionFromTop medianSecondsFromPrevious p90SecondsFromPrevious }
  }
}
"""
OVER_TIME = """
query($from: DateTime!, $to: DateTime!) {
  funnelOverTime(journey: "cars", interval: WEEK, from: $from, to: $to) { start end funnel { customers stages { key count } } }
}
"""
PROGRESS = """
query($id: ID!) {
  customer(id: $id) {
    journey { journey version stage furthestStage moves { stage } }
    journeys { journey version stage furthestStage }
  }
}
"""


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def days_ago(days: float, minutes: int = 0) -> str:
    return iso(NOW - timedelta(days=days) + timedelta(minutes=minutes))


async def customer(client: httpx.AsyncClient, name: str, *, owner: str, source: str) -> str:
    data = await ok(
        client,
        CREATE,
        input={
            "name": name,
            "email": f"{name.lower()}@cars.example",
            "ownerId": owner,
            "sourceChannel": source,
        },
    )
    customer_id: str = data["createCustomer"]["id"]
    return customer_id


async def walk(
    client: httpx.AsyncClient, customer_id: str, types: list[str], *, start_days_ago: float
) -> None:
    for i, kind in enumerate(types):
        at = days_ago(start_days_ago, minutes=60 * i)
        await ok(client, RECORD, input={"customerId": customer_id, "type": kind, "occurredAt": at})


async def define_cars(admin: httpx.AsyncClient) -> dict[str, Any]:
    data = await ok(admin, DEFINE, input={"key": "cars", "name": "Car dealer", "stages": CAR_STAGES})
    await ok(admin, SET_DEFAULT, key="cars")
    defined: dict[str, Any] = data["defineJourney"]
    return defined


async def test_a_car_dealer_defines_his_journey_and_reads_a_cumulative_funnel_to_signed_and_paid(
    stack: Stack,
) -> None:
    async with stack.client() as admin:
        defined = await define_cars(admin)
        assert (defined["key"], defined["version"], defined["template"]) == ("cars", 1, False)
        assert [s["kind"] for s in defined["stages"][-3:]] == ["STAGE", "WON_CONTRACT", "WON_PAYMENT"]
        listed = (await ok(admin, JOURNEYS))["journeys"]
        assert [(j["key"], j["template"], j["isDefault"]) for j in listed] == [
            ("5a", True, False),
            ("aida", True, False),
            ("aarrr", True, False),
            ("cars", False, True),
        ]

        paid = await customer(admin, "Paid", owner="rep-1", source="douyin")
        mover = await customer(admin, "Mover", owner="rep-2", source="douyin")
        signed = await customer(admin, "Signed", owner="rep-2", source="autohome")
        await walk(
            admin,
            paid,
            [s["touchpointTypes"][0] for s in CAR_STAGES],
            start_days_ago=20,
        )
        # Reaches the test drive, then calls again: the current stage moves back to `call`.
        await walk(
            admin,
            mover,
            ["call_inbound", "appointment", "store_visit", "test_drive", "call_inbound"],
            start_days_ago=3,
        )
        await walk(admin, signed, ["call_inbound", "contract_signed"], start_days_ago=2)

        view = (await ok(admin, PROGRESS, id=mover))["customer"]
        assert view["journey"]["journey"] == "cars"
        assert (view["journey"]["stage"], view["journey"]["furthestStage"]) == ("call", "test_drive")
        assert [m["stage"] for m in view["journey"]["moves"]] == [
            "call",
            "appointment",
            "visit",
            "test_drive",
            "call",
        ]
        # 5A (a template that is no longer the default) is not tracked: only the car journey.
        assert [j["journey"] for j in view["journeys"]] == ["cars"]

        funnel = (await ok(admin, FUNNEL, j="cars"))["funnel"]
        counts = {s["key"]: s["count"] for s in funnel["stages"]}
        # Cumulative: the mover counts up to test_drive although he is back at `call`; the signed
        # customer skipped stages and counts in every stage up to `signed`.
        assert counts == {
            "call": 3,
            "appointment": 3,
            "visit": 3,
            "needs": 3,
            "recommend": 3,
            "test_drive": 3,
            "quote": 2,
            "follow_up": 2,
            "revisit": 2,
            "signed": 2,
            "paid": 1,
        }
        by_key = {s["key"]: s for s in funnel["stages"]}
        assert by_key["paid"]["conversionFromPrevious"] == 0.5
        assert round(by_key["signed"]["conversionFromTop"], 3) == 0.667
        # Only the paid customer went from signed to paid: one hour.
        assert by_key["paid"]["medianSecondsFromPrevious"] == 3600.0
        # Only two customers reached both call and appointment (each an hour apart).
        assert by_key["appointment"]["p90SecondsFromPrevious"] == 3600.0
        assert by_key["needs"]["medianSecondsFromPrevious"] == 3600.0

        # By owner (projected from leads' customer_created) and by period of entry.
        async def rep2() -> Any:
            got = (await ok(admin, FUNNEL, j="cars", owner="rep-2"))["funnel"]
            return got if got["customers"] == 2 else None

        by_owner = await eventually(rep2)
        assert {s["key"]: s["count"] for s in by_owner["stages"]}["signed"] == 1
        recent = (
            await ok(admin, FUNNEL, j="cars", owner="rep-2", **{"from": days_ago(2.5), "to": iso(NOW)})
        )["funnel"]
        assert recent["customers"] == 1
        assert {s["key"]: s["count"] for s in recent["stages"]}["paid"] == 0

        async def from_douyin() -> Any:
            got = (await ok(admin, FUNNEL, j="cars", source="douyin"))["funnel"]
            return got["customers"] == 2

        await eventually(from_douyin)

        weeks = (await ok(admin, OVER_TIME, **{"from": days_ago(28), "to": iso(NOW)}))["funnelOverTime"]
        assert sum(w["funnel"]["customers"] for w in weeks) == 3
        assert all(w["start"] < w["end"] for w in weeks)

        # The default journey is the car journey: a funnel without a journey is its funnel.
        assert (await ok(admin, FUNNEL))["funnel"]["journey"] == "cars"


async def test_changing_a_journey_makes_a_new_version_and_keeps_the_old_one(stack: Stack) -> None:
    async with stack.client() as admin:
        await define_cars(admin)
        buyer = await customer(admin, "Buyer", owner="rep-1", source="web")
        await walk(admin, buyer, ["call_inbound", "store_visit"], start_days_ago=1)
        before = (await ok(admin, PROGRESS, id=buyer))["customer"]["journey"]
        assert (before["version"], before["stage"]) == (1, "visit")

        shorter = [s for s in CAR_STAGES if s["key"] not in ("needs", "recommend")]
        updated = (await ok(admin, UPDATE, input={"key": "cars", "stages": shorter, "expectedVersion": 1}))[
            "updateJourney"
        ]
        assert updated["version"] == 2
        old = (await ok(admin, JOURNEY, key="cars", v=1))["journey"]
        assert len(old["stages"]) == len(CAR_STAGES)
        assert len((await ok(admin, JOURNEY, key="cars"))["journey"]["stages"]) == len(shorter)

        stale_edit = await gql(admin, UPDATE, input={"key": "cars", "stages": shorter, "expectedVersion": 1})
        assert codes(stale_edit) == ["CONFLICT"]

        await walk(admin, buyer, ["test_drive"], start_days_ago=0.5)
        after = (await ok(admin, PROGRESS, id=buyer))["customer"]["journey"]
        assert (after["version"], after["stage"]) == (2, "test_drive")


async def test_bad_journey_definitions_are_refused_with_the_field_and_store_nothing(stack: Stack) -> None:
    async with stack.client() as admin:
        cases = [
            ({"key": "empty", "stages": []}, "input.stages"),
            (
                {"key": "dup", "stages": [{"key": "a", "touchpointTypes": ["x"]}, {"key": "a"}]},
                "input.stages[1].key",
            ),
            (
                {
                    "key": "twice",
                    "stages": [
                        {"key": "a", "touchpointTypes": ["call"]},
                        {"key": "b", "touchpointTypes": ["call"]},
                    ],
                },
                "input.stages[1].touchpointTypes[0]",
            ),
            (
                {"key": "rot", "stages": [{"key": "a", "daysToRot": -1}]},
                "input.stages[0].daysToRot",
            ),
            (
                {"key": "paid-first", "stages": [{"key": "a", "kind": "WON_PAYMENT"}]},
                "input.stages[0].kind",
            ),
            ({"key": "5a", "stages": [{"key": "a"}]}, "input.key"),
        ]
        for journey, field in cases:
            body = await gql(admin, DEFINE, input=journey)
            assert codes(body) == ["BAD_USER_INPUT"], body
            assert [f["field"] for f in body["errors"][0]["extensions"]["fields"]] == [field]
        assert [j["key"] for j in (await ok(admin, JOURNEYS))["journeys"]] == ["5a", "aida", "aarrr"]

        lookups: list[tuple[str, dict[str, Any]]] = [
            (JOURNEY, {"key": "nope"}),
            (FUNNEL, {"j": "nope"}),
            (UPDATE, {"input": {"key": "nope", "stages": [{"key": "a"}]}}),
            (SET_DEFAULT, {"key": "nope"}),
        ]
        for query, variables in lookups:
            assert codes(await gql(admin, query, **variables)) == ["NOT_FOUND"]
        again = await gql(admin, DEFINE, input={"key": "cars", "stages": CAR_STAGES})
        assert not again.get("errors")
        conflict = await gql(admin, DEFINE, input={"key": "cars", "stages": CAR_STAGES})
        assert codes(conflict) == ["CONFLICT"]
        assert (await ok(admin, JOURNEYS))["journeys"][-1] == {
            "key": "cars",
            "version": 1,
            "template": False,
            "isDefault": False,
        }


async def test_another_tenant_sees_none_of_a_tenants_journeys_or_funnel(stack: Stack) -> None:
    async with stack.client() as admin, stack.client(tenant="globex") as other:
        await define_cars(admin)
        buyer = await customer(admin, "Buyer", owner="rep-1", source="web")
        await walk(admin, buyer, ["call_inbound"], start_days_ago=1)
        assert [j["key"] for j in (await ok(other, JOURNEYS))["journeys"]] == ["5a", "aida", "aarrr"]
        assert codes(await gql(other, FUNNEL, j="cars")) == ["NOT_FOUND"]
        assert (await ok(other, FUNNEL))["funnel"]["customers"] == 0
        assert codes(await gql(other, UPDATE, input={"key": "cars", "stages": CAR_STAGES})) == ["NOT_FOUND"]


async def test_only_admins_design_journeys(stack: Stack) -> None:
    async with stack.client(roles=("sales",)) as sales, stack.client() as admin:
        refused = await gql(sales, DEFINE, input={"key": "cars", "stages": CAR_STAGES})
        assert codes(refused) == ["FORBIDDEN"]
        assert codes(await gql(sales, SET_DEFAULT, key="aida")) == ["FORBIDDEN"]
        assert [j["key"] for j in (await ok(admin, JOURNEYS))["journeys"]] == ["5a", "aida", "aarrr"]
        assert (await ok(sales, FUNNEL))["funnel"]["journey"] == "5a"


PAGE_JOURNEYS = """
query PageJourneys {
  customers(first: 10) { edges { node { id journeys { journey version stage furthestStage } } } }
}
"""


async def test_a_touchpoint_moves_every_journey_that_lists_its_type_and_a_page_costs_one_batch_call(
    stack: Stack, span_exporter: InMemorySpanExporter
) -> None:
    async with stack.client() as admin:
        for key, extra in (("sedan", "sedan_test_drive"), ("suv", "suv_tow_test")):
            stages = [
                {"key": "drive", "touchpointTypes": ["test_drive", extra]},
                {"key": "quote", "touchpointTypes": ["quote_sent"]},
            ]
            await ok(admin, DEFINE, input={"key": key, "stages": stages})
        both = await customer(admin, "Both", owner="rep-1", source="web")
        suv_only = await customer(admin, "Suv", owner="rep-1", source="web")
        await walk(admin, both, ["test_drive", "quote_sent"], start_days_ago=1)
        recorded = await ok(admin, RECORD, input={"customerId": suv_only, "type": "suv_tow_test"})
        # Its primary journey is the first tracked one listing the type: 5A does not, sedan does not.
        assert recorded["recordTouchpoint"]["touchpoint"]["stage"] == "drive"

        page = (await ok(admin, PAGE_JOURNEYS))["customers"]["edges"]
    journeys = {e["node"]["id"]: e["node"]["journeys"] for e in page}
    assert [(j["journey"], j["stage"]) for j in journeys[both]] == [
        ("5a", "ask"),  # the default still tracks test_drive (5A's `ask`); quote_sent is not in 5A
        ("sedan", "quote"),
        ("suv", "quote"),
    ]
    assert [(j["journey"], j["stage"], j["version"]) for j in journeys[suv_only]] == [
        ("5a", "", 1),
        ("suv", "drive", 1),
    ]

    spans = span_exporter.get_finished_spans()
    [operation] = [s for s in spans if s.name == "graphql PageJourneys"]
    calls = Counter(
        s.name
        for s in spans
        if s.context.trace_id == operation.context.trace_id and s.kind == SpanKind.CLIENT
    )
    assert calls["/crm.journey.v1.JourneyService/BatchGetJourneyProgress"] == 1
