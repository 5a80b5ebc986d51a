"""An admin tunes the tenant's intent model through the gateway, as the issue tells it: the edit is a
new version, every customer is re-scored in the background, a hot customer's level rises; bad edits
change nothing; other tenants and other roles see their own model or FORBIDDEN."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.e2e.graphql import codes, create_customer, eventually, gql, ok
from tests.support.stack import Stack

MODEL_FIELDS = """
  version current createdBy note createdAt halfLifeDays saturation mediumThreshold highThreshold
  signalTypes { type weight cap label } fit { attribute value multiplier }
  surge { windowDays ratio minSignals } callList { surgeBoost } contactTypes knownSignalTypes
  rescore { state done total startedAt finishedAt }
"""
READ_MODEL = f"query {{ intentModel {{ {MODEL_FIELDS} }} }}"
UPDATE_MODEL = f"""
mutation Update($input: IntentModelInput!, $note: String, $expected: Int) {{
  updateIntentModel(input: $input, note: $note, expectedVersion: $expected) {{ {MODEL_FIELDS} }}
}}
"""
VERSIONS = """
query Versions($first: Int, $after: String) {
  intentModelVersions(first: $first, after: $after) {
    edges { cursor node { version current note createdBy rescore { state } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
INGEST = """
mutation Ingest($signals: [SignalInput!]!) { ingestSignals(signals: $signals) { accepted } }
"""
INTENT = """
query Intent($id: ID!) {
  customer(id: $id) {
    intent { score level }
    intentHistory(first: 1) { entries { cause level previousLevel reason modelVersion } }
  }
}
"""
HOTTER = {"signalTypes": [{"type": "pricing_page_view", "weight": 30}], "saturation": 20}


def is_utc(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() == timedelta(0)


def fields_of(body: dict[str, Any]) -> list[str]:
    return [f["field"] for e in body.get("errors") or [] for f in e.get("extensions", {}).get("fields") or []]


async def test_an_admin_edits_the_model_and_every_customer_is_rescored(stack: Stack) -> None:
    async with stack.client("acme") as admin, stack.client("globex") as other:
        hot = await create_customer(admin, "Li Na", "li.na@example.com")
        views = [{"customerId": hot, "type": "pricing_page_view"}] * 2
        await ok(admin, INGEST, signals=views)
        before = (await ok(admin, INTENT, id=hot))["customer"]["intent"]
        assert before["level"] == "LOW"

        house = (await ok(admin, READ_MODEL))["intentModel"]
        assert house["version"] == 0 and house["rescore"] is None and house["createdAt"] is None
        assert {"type": "pricing_page_view", "weight": 10.0, "cap": None, "label": "定价页"} in house[
            "signalTypes"
        ]

        changed = (await ok(admin, UPDATE_MODEL, input=HOTTER, note="pricing views matter more"))[
            "updateIntentModel"
        ]
        assert changed["version"] == 1 and changed["current"] and changed["createdBy"] == "e2e-user"
        assert is_utc(changed["createdAt"]) and changed["note"] == "pricing views matter more"
        assert changed["halfLifeDays"] == house["halfLifeDays"]  # not sent: kept
        assert changed["rescore"]["state"] == "RUNNING"

        async def done() -> dict[str, Any] | None:
            model = (await ok(admin, READ_MODEL))["intentModel"]
            return model if model["rescore"]["state"] == "DONE" else None

        finished = await eventually(done, within=20)
        assert finished["rescore"]["done"] == finished["rescore"]["total"] == 1
        assert is_utc(finished["rescore"]["finishedAt"])
        customer = (await ok(admin, INTENT, id=hot))["customer"]
        after = customer["intent"]
        assert after["level"] == "HIGH" and after["score"] > before["score"]
        [entry] = customer["intentHistory"]["entries"]
        assert entry["cause"] == "MODEL" and entry["modelVersion"] == 1
        assert (entry["previousLevel"], entry["level"]) == ("LOW", "HIGH")
        assert entry["reason"].startswith("re-scored with model version 1")

        page = (await ok(admin, VERSIONS, first=5))["intentModelVersions"]
        assert [e["node"]["version"] for e in page["edges"]] == [1]
        assert page["pageInfo"]["hasNextPage"] is False

        theirs = (await ok(other, READ_MODEL))["intentModel"]
        assert theirs["version"] == 0  # globex never sees acme's model
        assert (await ok(other, VERSIONS))["intentModelVersions"]["edges"] == []


async def test_bad_edits_are_refused_with_their_field_and_change_nothing(stack: Stack) -> None:
    async with stack.client("acme") as admin:
        cases = [
            ({"halfLifeDays": -1}, "input.halfLifeDays"),
            ({"mediumThreshold": 80}, "input.mediumThreshold"),
            ({"signalTypes": [{"type": "made_up_signal", "weight": 3}]}, "input.signalTypes[0].type"),
            (
                {
                    "fit": [
                        {"attribute": "INDUSTRY", "value": "汽车", "multiplier": 1.5},
                        {"attribute": "INDUSTRY", "value": "汽车", "multiplier": 1.2},
                    ]
                },
                "input.fit[1].value",
            ),
            ({"saturation": None}, "input.saturation"),
            ({"surge": {"ratio": None}}, "input.surge.ratio"),
        ]
        for patch, field in cases:
            body = await gql(admin, UPDATE_MODEL, input=patch)
            assert codes(body) == ["BAD_USER_INPUT"], (patch, body)
            assert fields_of(body) == [field], (patch, body)
        stale = await gql(admin, UPDATE_MODEL, input={"halfLifeDays": 5}, expected=3)
        assert codes(stale) == ["CONFLICT"] and fields_of(stale) == ["expectedVersion"]
        model = (await ok(admin, READ_MODEL))["intentModel"]
        assert model["version"] == 0 and model["halfLifeDays"] == 7.0
        assert (await ok(admin, VERSIONS))["intentModelVersions"]["edges"] == []


async def test_only_an_admin_may_change_the_model_and_everyone_may_read_it(stack: Stack) -> None:
    for role in ("viewer", "sales", "tag_admin", "marketing"):
        async with stack.client("acme", roles=(role,)) as client:
            body = await gql(client, UPDATE_MODEL, input={"halfLifeDays": 3})
            assert codes(body) == ["FORBIDDEN"], (role, body)
            assert (await ok(client, READ_MODEL))["intentModel"]["version"] == 0
