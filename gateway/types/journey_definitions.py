"""Journey definitions, the funnel and stale deals as GraphQL types (journey service, issue 10).

Durations between stages are seconds (Float; null when no customer reached both stages); conversions
are fractions 0..1. See docs/journeys.md for the funnel maths.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from crm.journey.v1 import journey_pb2

from common.timeutil import from_timestamp
from gateway.types.pagination import PageInfo


@strawberry.enum(
    description="What reaching a stage means: an ordinary step, or the deal won by contract / paid"
)
class StageKind(Enum):
    STAGE = journey_pb2.STAGE_KIND_STAGE
    WON_CONTRACT = journey_pb2.STAGE_KIND_WON_CONTRACT
    WON_PAYMENT = journey_pb2.STAGE_KIND_WON_PAYMENT


@strawberry.enum(description="Bucket size of funnelOverTime (weeks start Monday 00:00 UTC; months in UTC)")
class FunnelInterval(Enum):
    WEEK = journey_pb2.FUNNEL_INTERVAL_WEEK
    MONTH = journey_pb2.FUNNEL_INTERVAL_MONTH


@strawberry.enum(description="What a funnel's period [from, to) selects (docs/journeys.md, The funnel)")
class FunnelPeriodBasis(Enum):
    ENTERED = strawberry.enum_value(
        journey_pb2.FUNNEL_PERIOD_BASIS_ENTERED,
        description="The customers who entered the journey in the period (a cohort: how did March's "
        "leads do), each counted up to the furthest stage it reached by now; conversions stay within 0..1",
    )
    REACHED = strawberry.enum_value(
        journey_pb2.FUNNEL_PERIOD_BASIS_REACHED,
        description="Per stage, the customers who first reached that stage or a later one in the period "
        "(what happened in March), wherever they entered; a customer who entered in February and "
        "signed in March counts at signed in March, so conversions can exceed 1. Times from the "
        "previous stage are those of the customers who reached this stage in the period",
    )


def _kind(value: int) -> StageKind:
    return StageKind(value) if value in StageKind._value2member_map_ else StageKind.STAGE


@strawberry.type(description="One step of a journey")
class JourneyStage:
    key: str
    name: str
    touchpoint_types: list[str] = strawberry.field(description="Touchpoint types that imply this stage")
    kind: StageKind
    days_to_rot: int | None = strawberry.field(
        description="Days a customer may stay in this stage before the deal is stale; null: never"
    )


@strawberry.type(
    description="A journey of your tenant at one version (templates AIDA, 5A, AARRR are read-only)"
)
class JourneyDefinition:
    key: str
    name: str
    version: int
    template: bool
    is_default: bool
    stages: list[JourneyStage]

    @classmethod
    def from_proto(cls, message: journey_pb2.JourneyDefinition) -> JourneyDefinition:
        return cls(
            key=message.key,
            name=message.name,
            version=message.version,
            template=message.template,
            is_default=message.is_default,
            stages=[
                JourneyStage(
                    key=s.key,
                    name=s.name,
                    touchpoint_types=list(s.touchpoint_types),
                    kind=_kind(s.kind),
                    days_to_rot=s.days_to_rot or None,
                )
                for s in message.stages
            ],
        )


@strawberry.input(description="One stage of a journey you define; order in the list is order in the journey")
class JourneyStageInput:
    key: str
    name: str = ""
    touchpoint_types: list[str] = strawberry.field(default_factory=list)
    kind: StageKind = StageKind.STAGE
    days_to_rot: int | None = None

    def to_proto(self) -> journey_pb2.JourneyStage:
        return journey_pb2.JourneyStage(
            key=self.key,
            name=self.name,
            touchpoint_types=self.touchpoint_types,
            kind=self.kind.value,
            days_to_rot=self.days_to_rot or 0,
        )


@strawberry.input
class DefineJourneyInput:
    key: str
    name: str = ""
    stages: list[JourneyStageInput] = strawberry.field(default_factory=list)

    def to_proto(self) -> journey_pb2.JourneyDefinition:
        return journey_pb2.JourneyDefinition(
            key=self.key, name=self.name, stages=[s.to_proto() for s in self.stages]
        )


@strawberry.input(description="A new version of a journey; expectedVersion makes it conditional")
class UpdateJourneyInput:
    key: str
    name: str = ""
    stages: list[JourneyStageInput] = strawberry.field(default_factory=list)
    expected_version: int | None = None

    def to_proto(self) -> journey_pb2.UpdateJourneyRequest:
        journey = journey_pb2.JourneyDefinition(
            key=self.key, name=self.name, stages=[s.to_proto() for s in self.stages]
        )
        return journey_pb2.UpdateJourneyRequest(journey=journey, expected_version=self.expected_version or 0)


def period_basis_to_proto(basis: FunnelPeriodBasis) -> journey_pb2.FunnelPeriodBasis:
    """The request's value of `basis` (typed: strawberry's enum_value hides the raw value from mypy)."""
    if basis is FunnelPeriodBasis.REACHED:
        return journey_pb2.FUNNEL_PERIOD_BASIS_REACHED
    return journey_pb2.FUNNEL_PERIOD_BASIS_ENTERED


@strawberry.type(description="One stage of a funnel: customers who reached it or a later stage")
class FunnelStage:
    key: str = strawberry.field(description="The stage's key in the journey")
    name: str = strawberry.field(description="The stage's display name")
    kind: StageKind = strawberry.field(description="An ordinary step, or won by contract / by payment")
    count: int = strawberry.field(
        description="ENTERED: customers of the period's cohort who reached this stage or a later one; "
        "REACHED: customers who first reached this stage or a later one within the period"
    )
    conversion_from_previous: float = strawberry.field(
        description="count / the previous stage's count (0 when that is 0); above 1 is possible under REACHED"
    )
    conversion_from_top: float = strawberry.field(
        description="count / the first stage's count (0 when that is 0); above 1 is possible under REACHED"
    )
    median_seconds_from_previous: float | None = strawberry.field(
        description="Median time from the previous stage over the customers who reached both (under "
        "REACHED: and reached this one in the period); null when none did"
    )
    p90_seconds_from_previous: float | None = strawberry.field(
        description="90th percentile (nearest rank) of the same times; null when none"
    )


@strawberry.type(description="The cumulative funnel of the customers in the period (see FunnelPeriodBasis)")
class Funnel:
    journey: str = strawberry.field(description="The journey's key")
    version: int = strawberry.field(description="The journey version the customers were measured against")
    customers: int = strawberry.field(
        description="ENTERED: customers who entered in the period; REACHED: customers who reached "
        "any stage in the period"
    )
    stages: list[FunnelStage] = strawberry.field(description="The journey's stages in order")

    @classmethod
    def from_proto(cls, message: journey_pb2.Funnel) -> Funnel:
        return cls(
            journey=message.journey,
            version=message.version,
            customers=message.customers,
            stages=[
                FunnelStage(
                    key=s.key,
                    name=s.name,
                    kind=_kind(s.kind),
                    count=s.count,
                    conversion_from_previous=s.conversion_from_previous,
                    conversion_from_top=s.conversion_from_top,
                    median_seconds_from_previous=s.median_ms_from_previous / 1000 if s.has_timing else None,
                    p90_seconds_from_previous=s.p90_ms_from_previous / 1000 if s.has_timing else None,
                )
                for s in message.stages
            ],
        )


@strawberry.type(description="The funnel of the customers who entered the journey in [start, end)")
class FunnelPeriod:
    start: datetime | None
    end: datetime | None
    funnel: Funnel

    @classmethod
    def from_proto(cls, message: journey_pb2.FunnelBucket) -> FunnelPeriod:
        return cls(
            start=from_timestamp(message.start),
            end=from_timestamp(message.end),
            funnel=Funnel.from_proto(message.funnel),
        )


@strawberry.type(description="A customer who stayed in the current stage longer than its daysToRot")
class StaleDeal:
    customer_id: strawberry.ID
    owner_id: str
    journey: str
    version: int
    stage: str
    entered_at: datetime | None
    stale_at: datetime | None
    days_to_rot: int

    @classmethod
    def from_proto(cls, message: journey_pb2.StaleDeal) -> StaleDeal:
        return cls(
            customer_id=strawberry.ID(message.customer_id),
            owner_id=message.owner_id,
            journey=message.journey,
            version=message.version,
            stage=message.stage,
            entered_at=from_timestamp(message.entered_at),
            stale_at=from_timestamp(message.stale_at),
            days_to_rot=message.days_to_rot,
        )


@strawberry.type
class StaleDealEdge:
    node: StaleDeal
    cursor: str


@strawberry.type
class StaleDealConnection:
    edges: list[StaleDealEdge]
    page_info: PageInfo
