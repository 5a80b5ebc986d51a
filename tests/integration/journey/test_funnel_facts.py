"""The funnel reads the facts every progress write stores, and still counts documents without them.

Progress documents written before the facts were kept (no `fx`, no `j.<journey>.f`), and documents
measured against an older version of the journey, are counted exactly as the stored facts would
count them: a user sees the same funnel whichever way the document was written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from crm.journey.v1 import journey_pb2
from pymongo import AsyncMongoClient

from common.config import Settings
from common.grpc_client import field_violations
from services.journey.store import PROGRESS, progress_id
from services.journey.touchpoints import to_millis
from tests.integration.journey.helpers import Journey, at
from tests.support.rpc import metadata

MINUTE = 60_000
STAGES = [("call", "call_inbound"), ("visit", "store_visit"), ("signed", "contract_signed")]


def cars(stages: list[tuple[str, str]]) -> journey_pb2.JourneyDefinition:
    return journey_pb2.JourneyDefinition(
        key="cars",
        name="Cars",
        stages=[journey_pb2.JourneyStage(key=k, name=k, touchpoint_types=[t]) for k, t in stages],
    )


def legacy_document(tenant: str, customer_id: str, reached: dict[str, int]) -> dict[str, Any]:
    """A progress document as the service stored it before funnel facts were kept."""
    return {
        "_id": progress_id(tenant, customer_id),
        "tenant_id": tenant,
        "customer_id": customer_id,
        "fb": 7,
        "version": 3,
        "rot_ms": 2**53,
        "timer_ms": 0,
        "j": {
            "cars": {
                "reached_ms": reached,
                "furthest_rank": len(reached),
                "latest": "",
                "version": 1,
                "entered_ms": min(reached.values()),
                "moves": [],
                "stale_ms": 0,
            }
        },
    }


async def funnel(journey: Journey, tenant: str = "acme", **fields: Any) -> list[tuple[str, int, int]]:
    reply = await journey.stub.GetFunnel(
        journey_pb2.GetFunnelRequest(journey="cars", **fields), metadata=metadata(tenant)
    )
    return [(s.key, s.count, s.median_ms_from_previous // MINUTE) for s in reply.stages]


async def test_stored_facts_old_documents_and_older_versions_count_alike(
    journey: Journey, mongo_client: AsyncMongoClient[dict[str, Any]], settings_for: Callable[..., Settings]
) -> None:
    progress = mongo_client[settings_for("journey").database_name][PROGRESS]
    await journey.stub.DefineJourney(
        journey_pb2.DefineJourneyRequest(journey=cars(STAGES)), metadata=metadata()
    )
    await journey.stub.DefineJourney(
        journey_pb2.DefineJourneyRequest(journey=cars(STAGES)), metadata=metadata("globex")
    )
    signer, caller = await journey.customer(), await journey.customer()
    for kind, minutes in (("call_inbound", 0), ("store_visit", 60), ("contract_signed", 120)):
        await journey.record(signer, kind, minutes=minutes)
    await journey.record(caller, "call_inbound", minutes=5)
    stored = await progress.find_one({"_id": progress_id("acme", signer)})
    assert stored is not None and stored["fx"] == 2
    assert stored["j"]["cars"]["f"] == f"1,3,{to_millis(at(0))},0,{60 * MINUTE},{120 * MINUTE}"
    # An old document (visit 30 minutes after the call), and one of another tenant that must not count.
    t0 = to_millis(at(0))
    await progress.insert_one(legacy_document("acme", "cus_legacy", {"call": t0, "visit": t0 + 30 * MINUTE}))
    await progress.insert_one(legacy_document("globex", "cus_other", {"call": t0, "visit": t0, "signed": t0}))

    # Nearest-rank median of the visit gaps {30, 60} is 30 minutes.
    assert await funnel(journey) == [("call", 3, 0), ("visit", 2, 30), ("signed", 1, 60)]
    assert await funnel(journey, "globex") == [("call", 1, 0), ("visit", 1, 0), ("signed", 1, 0)]

    # Version 2 inserts a stage: stored facts of version 1 are re-derived against it, nothing is lost.
    await journey.stub.UpdateJourney(
        journey_pb2.UpdateJourneyRequest(
            journey=cars([STAGES[0], ("appointment", "appointment"), *STAGES[1:]]), expected_version=1
        ),
        metadata=metadata(),
    )
    after = await funnel(journey)
    assert after == [("call", 3, 0), ("appointment", 2, 0), ("visit", 2, 0), ("signed", 1, 60)]
    # The next write re-measures the customer against version 2 and stores its facts again.
    await journey.record(caller, "appointment", minutes=20)
    stored = await progress.find_one({"_id": progress_id("acme", caller)})
    assert stored is not None and stored["j"]["cars"]["f"].startswith("2,2,")
    assert await funnel(journey) == [
        ("call", 3, 0),
        ("appointment", 3, 15),
        ("visit", 2, 0),
        ("signed", 1, 60),
    ]


async def test_facts_of_the_older_format_are_read_from_reached_and_rewritten_on_the_next_write(
    journey: Journey, mongo_client: AsyncMongoClient[dict[str, Any]], settings_for: Callable[..., Settings]
) -> None:
    progress = mongo_client[settings_for("journey").database_name][PROGRESS]
    await journey.stub.DefineJourney(
        journey_pb2.DefineJourneyRequest(journey=cars(STAGES)), metadata=metadata()
    )
    buyer = await journey.customer()
    await journey.record(buyer, "call_inbound", minutes=0)
    t0 = to_millis(at(0))
    # As the service stored it before format 2: `fx` 1 and a gap row (here deliberately wrong, to
    # show it is not read); `reached_ms` says call 0, visit 30 min, signed 90 min.
    await progress.update_one(
        {"_id": progress_id("acme", buyer)},
        {
            "$set": {
                "fx": 1,
                "j.cars.f": f"1,3,{t0},{999 * MINUTE},{999 * MINUTE}",
                "j.cars.reached_ms": {"call": t0, "visit": t0 + 30 * MINUTE, "signed": t0 + 90 * MINUTE},
            }
        },
    )
    assert await funnel(journey) == [("call", 1, 0), ("visit", 1, 30), ("signed", 1, 60)]
    window = {"from": at(60), "to": at(120)}
    reached = await funnel(journey, period_basis=journey_pb2.FUNNEL_PERIOD_BASIS_REACHED, **window)
    assert reached == [("call", 0, 0), ("visit", 0, 0), ("signed", 1, 60)]
    assert await funnel(journey, **window) == [("call", 0, 0), ("visit", 0, 0), ("signed", 0, 0)]

    await journey.record(buyer, "call_inbound", minutes=200)  # the next write stores format 2
    stored = await progress.find_one({"_id": progress_id("acme", buyer)})
    assert stored is not None and stored["fx"] == 2
    assert stored["j"]["cars"]["f"] == f"1,3,{t0},0,{30 * MINUTE},{90 * MINUTE}"
    assert await funnel(journey, period_basis=journey_pb2.FUNNEL_PERIOD_BASIS_REACHED, **window) == reached


@pytest.mark.parametrize(
    ("rpc", "request_fields", "field"),
    [
        ("GetFunnel", {"period_basis": 7}, "period_basis"),
        (
            "GetFunnelOverTime",
            {"period_basis": 7, "interval": journey_pb2.FUNNEL_INTERVAL_WEEK, "from": at(0), "to": at(60)},
            "period_basis",
        ),
        (
            "GetFunnel",
            {"period_basis": journey_pb2.FUNNEL_PERIOD_BASIS_REACHED, "from": at(60), "to": at(60)},
            "to",
        ),
        (
            "GetFunnelOverTime",
            {
                "period_basis": journey_pb2.FUNNEL_PERIOD_BASIS_REACHED,
                "interval": journey_pb2.FUNNEL_INTERVAL_MONTH,
                "from": at(60),
                "to": at(0),
            },
            "to",
        ),
    ],
)
async def test_an_unknown_period_basis_or_an_empty_period_is_invalid_and_changes_nothing(
    journey: Journey, rpc: str, request_fields: dict[str, Any], field: str
) -> None:
    await journey.stub.DefineJourney(
        journey_pb2.DefineJourneyRequest(journey=cars(STAGES)), metadata=metadata()
    )
    buyer = await journey.customer()
    await journey.record(buyer, "call_inbound", minutes=0)
    before = await funnel(journey)
    request = getattr(journey_pb2, f"{rpc}Request")(journey="cars", **request_fields)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await getattr(journey.stub, rpc)(request, metadata=metadata())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [field]
    assert await funnel(journey) == before == [("call", 1, 0), ("visit", 0, 0), ("signed", 0, 0)]
