"""Every IntentService RPC needs its roles (docs/authorization.md), checked by the service itself."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from crm.intent.v1 import intent_pb2

from tests.integration.intent.helpers import Intent, signal
from tests.support.roles import RpcCase, check_row, rows_of
from tests.support.rpc import metadata

SERVICE = "crm.intent.v1.IntentService"


@dataclass(frozen=True)
class World:
    intent: Intent
    customer_id: str


async def signal_count(w: World) -> int:
    score = await w.intent.stub.GetScore(
        intent_pb2.GetScoreRequest(customer_id=w.customer_id), metadata=metadata()
    )
    return int(score.signal_count)


async def model_version(w: World) -> int:
    reply = await w.intent.stub.GetIntentModel(intent_pb2.GetIntentModelRequest(), metadata=metadata())
    return int(reply.model.version)


CASES: list[RpcCase[World]] = [
    RpcCase(
        "IngestSignals",
        lambda w, n: intent_pb2.IngestSignalsRequest(
            signals=[signal(w.customer_id, "pricing_page_view", id=f"sig-{n}")]
        ),
        allowed="marketing",
        read_back=signal_count,
    ),
    RpcCase("GetScore", lambda w, n: intent_pb2.GetScoreRequest(customer_id=w.customer_id), allowed="viewer"),
    RpcCase(
        "BatchGetScores",
        lambda w, n: intent_pb2.BatchGetScoresRequest(customer_ids=[w.customer_id]),
        allowed="viewer",
    ),
    RpcCase(
        "ListScoreHistory",
        lambda w, n: intent_pb2.ListScoreHistoryRequest(customer_id=w.customer_id),
        allowed="viewer",
    ),
    RpcCase("GetIntentModel", lambda w, n: intent_pb2.GetIntentModelRequest(), allowed="viewer"),
    RpcCase(
        "ListIntentModelVersions", lambda w, n: intent_pb2.ListIntentModelVersionsRequest(), allowed="viewer"
    ),
    RpcCase(
        "UpdateIntentModel",
        lambda w, n: intent_pb2.UpdateIntentModelRequest(
            input=intent_pb2.IntentModelPatch(half_life_days=5), note=n
        ),
        allowed="admin",
        read_back=model_version,
    ),
    # The caller's own call list (x-caller-id); another owner's needs admin (tests/integration/intent/test_calls.py).
    RpcCase(
        "ListCallList", lambda w, n: intent_pb2.ListCallListRequest(), allowed="viewer", changes_state=False
    ),
    RpcCase(
        "GetDataMigration",
        lambda w, n: intent_pb2.GetDataMigrationRequest(),
        allowed="admin",
        changes_state=False,
    ),
]


def test_every_rpc_of_the_service_has_a_case() -> None:
    assert {c.method for c in CASES} == rows_of(SERVICE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.method)
async def test_an_rpc_refuses_callers_without_its_roles_and_serves_those_with_one(
    intent: Intent, case: RpcCase[World]
) -> None:
    await check_row(intent.stub, SERVICE, case, World(intent=intent, customer_id=await intent.customer()))
