"""Every JourneyService RPC needs its roles (docs/authorization.md), checked by the service itself."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from crm.journey.v1 import journey_pb2

from tests.integration.journey.helpers import Journey, at
from tests.integration.journey.work_roles import WORK_CASES, prepare_work
from tests.support.roles import RpcCase, check_row, rows_of
from tests.support.rpc import metadata

SERVICE = "crm.journey.v1.JourneyService"


@dataclass(frozen=True)
class World:
    journey: Journey
    customer_id: str


async def timeline(w: World) -> list[str]:
    return [t.id for t in (await w.journey.timeline(w.customer_id)).touchpoints]


def definition(key: str) -> journey_pb2.JourneyDefinition:
    return journey_pb2.JourneyDefinition(
        key=key,
        name="Cars",
        stages=[
            journey_pb2.JourneyStage(key="call", name="来电", touchpoint_types=["call_inbound"]),
            journey_pb2.JourneyStage(key="visit", name="到店", touchpoint_types=["store_visit"]),
        ],
    )


async def journeys(w: World) -> list[tuple[str, int, bool]]:
    reply = await w.journey.stub.ListJourneys(journey_pb2.ListJourneysRequest(), metadata=metadata("acme"))
    return [(j.key, j.version, j.is_default) for j in reply.journeys]


CASES: list[RpcCase[World]] = [
    RpcCase(
        "RecordTouchpoint",
        lambda w, n: journey_pb2.RecordTouchpointRequest(
            touchpoint=journey_pb2.Touchpoint(
                id=f"tp-{n}", customer_id=w.customer_id, type="inquiry", occurred_at=at(5)
            )
        ),
        allowed="sales",
        read_back=timeline,
    ),
    RpcCase(
        "ListTimeline",
        lambda w, n: journey_pb2.ListTimelineRequest(customer_id=w.customer_id),
        allowed="viewer",
    ),
    RpcCase(
        "BatchGetProgress",
        lambda w, n: journey_pb2.BatchGetProgressRequest(customer_ids=[w.customer_id]),
        allowed="viewer",
    ),
    RpcCase("ListJourneys", lambda w, n: journey_pb2.ListJourneysRequest(), allowed="viewer"),
    RpcCase("GetJourney", lambda w, n: journey_pb2.GetJourneyRequest(key="base"), allowed="viewer"),
    RpcCase(
        "DefineJourney",
        lambda w, n: journey_pb2.DefineJourneyRequest(journey=definition(f"cars-{n}")),
        allowed="admin",
        read_back=journeys,
    ),
    RpcCase(
        "UpdateJourney",
        lambda w, n: journey_pb2.UpdateJourneyRequest(journey=definition("base")),
        allowed="admin",
        read_back=journeys,
    ),
    RpcCase(
        "SetDefaultJourney",
        lambda w, n: journey_pb2.SetDefaultJourneyRequest(key="base"),
        allowed="admin",
        read_back=journeys,
    ),
    RpcCase("GetFunnel", lambda w, n: journey_pb2.GetFunnelRequest(journey="base"), allowed="viewer"),
    RpcCase(
        "GetFunnelOverTime",
        lambda w, n: journey_pb2.GetFunnelOverTimeRequest(
            journey="base",
            interval=journey_pb2.FUNNEL_INTERVAL_WEEK,
            to=at(60),
            **{"from": at(-60 * 24 * 30)},
        ),
        allowed="viewer",
    ),
    RpcCase("ListStaleDeals", lambda w, n: journey_pb2.ListStaleDealsRequest(), allowed="viewer"),
    RpcCase(
        "BatchGetJourneyProgress",
        lambda w, n: journey_pb2.BatchGetJourneyProgressRequest(customer_ids=[w.customer_id]),
        allowed="viewer",
    ),
]
CASES += WORK_CASES  # deals and tasks


def test_every_rpc_of_the_service_has_a_case() -> None:
    assert {c.method for c in CASES} == rows_of(SERVICE)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.method)
async def test_an_rpc_refuses_callers_without_its_roles_and_serves_those_with_one(
    journey: Journey, case: RpcCase[World]
) -> None:
    world = World(journey=journey, customer_id=await journey.customer())
    await journey.stub.DefineJourney(
        journey_pb2.DefineJourneyRequest(journey=definition("base")), metadata=metadata("acme", roles="admin")
    )
    await journey.record(world.customer_id, "visit", minutes=1)
    await prepare_work(world)
    await check_row(journey.stub, SERVICE, case, world)
