"""A tenant's intent model over gRPC: edits are versioned, bad ones change nothing, a new version
re-scores every customer in the background, and other tenants keep their own model."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from crm.intent.v1 import intent_pb2

from common.grpc_client import error_metadata, field_violations
from tests.integration.intent.helpers import Intent, eventually, signal
from tests.support.events import subscribe
from tests.support.rpc import metadata

# Two pricing-page views score LOW under the house model (39.3) and HIGH (77.7) once a view weighs 30
# and the score saturates at 20 points (services/intent/scoring.py).
HOTTER = intent_pb2.IntentModelPatch(
    signal_types=[intent_pb2.SignalTypeRuleInput(type="pricing_page_view", weight=30)], saturation=20
)


async def get_model(intent: Intent, tenant: str = "acme", **fields: Any) -> intent_pb2.IntentModelVersion:
    reply: intent_pb2.IntentModelVersion = await intent.stub.GetIntentModel(
        intent_pb2.GetIntentModelRequest(**fields), metadata=metadata(tenant)
    )
    return reply


async def update(
    intent: Intent, patch: intent_pb2.IntentModelPatch, **fields: Any
) -> intent_pb2.IntentModelVersion:
    reply: intent_pb2.IntentModelVersion = await intent.stub.UpdateIntentModel(
        intent_pb2.UpdateIntentModelRequest(input=patch, **fields), metadata=metadata(caller="ada")
    )
    return reply


async def test_a_new_version_rescores_every_customer_in_the_background(intent: Intent) -> None:
    hot, cold = await intent.customer(), await intent.customer()
    await intent.ingest(signal(hot, "pricing_page_view"), signal(hot, "pricing_page_view"))
    await intent.ingest(signal(cold, "email_click"))
    other = await intent.customer("globex")
    await intent.ingest(
        signal(other, "pricing_page_view"), signal(other, "pricing_page_view"), tenant="globex"
    )
    assert (await intent.score(hot)).level == intent_pb2.INTENT_LEVEL_LOW
    moved = await subscribe(intent.nc, f"{intent.namespace}.evt.acme.intent.level_changed")

    stored = await update(intent, HOTTER, note="pricing views matter more")

    assert stored.model.version == 1 and stored.current and stored.actor == "ada"
    assert stored.note == "pricing views matter more" and stored.HasField("created_at")
    assert stored.rescore.state == intent_pb2.MODEL_RESCORE_STATE_RUNNING and stored.rescore.total == 2

    async def rescored() -> bool:
        r = (await get_model(intent)).rescore
        return r.state == intent_pb2.MODEL_RESCORE_STATE_DONE and r.done == 2

    await eventually(rescored, within=20)
    score = await intent.score(hot)
    assert score.model_version == 1 and score.level == intent_pb2.INTENT_LEVEL_HIGH
    assert (await intent.score(cold)).model_version == 1
    [event] = await moved.wait_for(1)
    assert event["data"]["customer_id"] == hot and event["data"]["previous_level"] == "low"
    assert event["data"]["level"] == "high"
    history = await intent.stub.ListScoreHistory(
        intent_pb2.ListScoreHistoryRequest(customer_id=hot), metadata=metadata()
    )
    newest = history.entries[0]
    assert newest.cause == intent_pb2.SCORE_CHANGE_CAUSE_MODEL and newest.model_version == 1
    assert (
        newest.level == intent_pb2.INTENT_LEVEL_HIGH and newest.previous_level == intent_pb2.INTENT_LEVEL_LOW
    )
    assert "re-scored with model version 1" in newest.reason

    # globex never changed its model: the house model, and its customers' scores, stay.
    assert (await get_model(intent, "globex")).model.version == 0
    theirs = await intent.score(other, tenant="globex")
    assert theirs.model_version == 0 and theirs.level == intent_pb2.INTENT_LEVEL_LOW


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        (intent_pb2.IntentModelPatch(half_life_days=-3), "input.halfLifeDays"),
        (intent_pb2.IntentModelPatch(medium_threshold=75, high_threshold=70), "input.mediumThreshold"),
        (
            intent_pb2.IntentModelPatch(
                signal_types=[intent_pb2.SignalTypeRuleInput(type="tiktok_like", weight=1)]
            ),
            "input.signalTypes[0].type",
        ),
        (
            intent_pb2.IntentModelPatch(
                fit=intent_pb2.FitRuleList(
                    rules=[
                        intent_pb2.FitRule(attribute="region", value="上海", multiplier=1.2),
                        intent_pb2.FitRule(attribute="region", value="上海", multiplier=1.5),
                    ]
                )
            ),
            "input.fit[1].value",
        ),
    ],
)
async def test_a_bad_model_is_refused_with_its_field_and_nothing_is_stored(
    intent: Intent, patch: intent_pb2.IntentModelPatch, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await update(intent, patch)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(refused.value)] == [field]
    assert (await get_model(intent)).model.version == 0
    listed = await intent.stub.ListIntentModelVersions(
        intent_pb2.ListIntentModelVersionsRequest(), metadata=metadata()
    )
    assert list(listed.versions) == []


async def test_a_type_the_tenant_has_sent_may_be_weighed_and_versions_page_newest_first(
    intent: Intent,
) -> None:
    customer = await intent.customer()
    await intent.ingest(signal(customer, "trade_show_visit"))
    model = await get_model(intent)
    assert "trade_show_visit" in model.known_signal_types
    first = await update(
        intent,
        intent_pb2.IntentModelPatch(
            signal_types=[intent_pb2.SignalTypeRuleInput(type="trade_show_visit", weight=15, label="展会")]
        ),
    )
    second = await update(intent, intent_pb2.IntentModelPatch(half_life_days=10), expected_version=1)
    assert second.model.half_life_days == 10
    kept = {r.type: r for r in second.model.signal_types}["trade_show_visit"]
    assert kept.weight == 15 and kept.label == "展会"  # absent from the second patch: kept

    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await update(intent, intent_pb2.IntentModelPatch(half_life_days=3), expected_version=1)
    assert stale.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_metadata(stale.value).get("current_version") == "2"

    page = await intent.stub.ListIntentModelVersions(
        intent_pb2.ListIntentModelVersionsRequest(page_size=1), metadata=metadata()
    )
    assert [v.model.version for v in page.versions] == [2] and page.versions[0].current
    rest = await intent.stub.ListIntentModelVersions(
        intent_pb2.ListIntentModelVersionsRequest(page_size=1, page_token=page.next_page_token),
        metadata=metadata(),
    )
    assert [v.model.version for v in rest.versions] == [1] and not rest.versions[0].current
    assert rest.next_page_token == ""
    assert (await get_model(intent, version=1)).model.half_life_days == first.model.half_life_days == 7
    assert (await get_model(intent, version=0)).model.version == 0
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await get_model(intent, version=9)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_newer_version_supersedes_a_running_rescore_and_finishes_it(intent: Intent) -> None:
    customer = await intent.customer()
    await intent.ingest(signal(customer, "pricing_page_view"), signal(customer, "pricing_page_view"))
    await update(intent, HOTTER)
    second = await update(intent, intent_pb2.IntentModelPatch(high_threshold=90))  # before the first starts

    async def finished() -> bool:
        r = (await get_model(intent)).rescore
        return r.state == intent_pb2.MODEL_RESCORE_STATE_DONE

    await eventually(finished, within=20)
    first = await get_model(intent, version=1)
    assert first.rescore.state == intent_pb2.MODEL_RESCORE_STATE_SUPERSEDED and not first.current
    assert second.model.saturation == 20  # the second patch merged onto the first version
    score = await intent.score(customer)
    assert score.model_version == 2 and score.level == intent_pb2.INTENT_LEVEL_MEDIUM  # 77.7 < 90
