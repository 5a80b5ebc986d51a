"""Proto ⇄ domain conversion for the journey API, and the timeline's page-token positions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crm.journey.v1 import journey_pb2

from common.errors import InvalidArgument
from common.timeutil import from_timestamp, to_timestamp
from services.journey.deal_stale import StaleDeal
from services.journey.definitions import StageInput
from services.journey.funnel import Funnel, FunnelBucket
from services.journey.progress import Progress
from services.journey.templates import STAGE, WON_CONTRACT, WON_PAYMENT, Journey
from services.journey.touchpoints import StageMap, Touchpoint, from_millis, new_touchpoint, to_millis


def touchpoint_from_proto(message: journey_pb2.Touchpoint, *, journey: StageMap, now: datetime) -> Touchpoint:
    """Validate a RecordTouchpoint input; errors name fields as `touchpoint.<field>`."""
    occurred_at = from_timestamp(message.occurred_at) if message.HasField("occurred_at") else None
    return new_touchpoint(
        id=message.id,
        customer_id=message.customer_id,
        type=message.type,
        channel=message.channel,
        occurred_at=occurred_at,
        actor=message.actor,
        notes=message.notes,
        journey=journey,
        now=now,
        field_prefix="touchpoint.",
    )


def touchpoint_to_proto(touchpoint: Touchpoint) -> journey_pb2.Touchpoint:
    return journey_pb2.Touchpoint(
        id=touchpoint.id,
        customer_id=touchpoint.customer_id,
        type=touchpoint.type,
        channel=touchpoint.channel,
        occurred_at=to_timestamp(touchpoint.occurred_at),
        actor=touchpoint.actor,
        notes=touchpoint.notes,
        stage=touchpoint.stage,
        kind=_KIND.get(touchpoint.kind, journey_pb2.TIMELINE_ENTRY_KIND_TOUCHPOINT),
        summary=touchpoint.summary or touchpoint_summary(touchpoint),
        source_event_id=touchpoint.source_event_id,
        refs=[journey_pb2.TimelineRef(name=name, id=value) for name, value in touchpoint.refs],
    )


def touchpoint_summary(touchpoint: Touchpoint) -> str:
    """A touchpoint's line for people: its type, and its notes when it has any."""
    return f"{touchpoint.type}: {touchpoint.notes[:200]}" if touchpoint.notes else touchpoint.type


# Stored entry kinds (timeline_feed.py) and their proto values; a kind this build does not know is
# shown as a touchpoint rather than hidden.
_KIND: dict[str, journey_pb2.TimelineEntryKind] = {
    "touchpoint": journey_pb2.TIMELINE_ENTRY_KIND_TOUCHPOINT,
    "intent_surge": journey_pb2.TIMELINE_ENTRY_KIND_INTENT_SURGE,
    "conversation": journey_pb2.TIMELINE_ENTRY_KIND_CONVERSATION,
    "tag_change": journey_pb2.TIMELINE_ENTRY_KIND_TAG_CHANGE,
    "intent_level": journey_pb2.TIMELINE_ENTRY_KIND_INTENT_LEVEL,
    "lead": journey_pb2.TIMELINE_ENTRY_KIND_LEAD,
}
_KIND_NAME: dict[int, str] = {number: name for name, number in _KIND.items()}


def timeline_kinds(values: Sequence[int]) -> list[str]:
    """The stored kinds a ListTimeline filter names; an unknown or UNSPECIFIED value is refused."""
    kinds = []
    for index, value in enumerate(values):
        if value not in _KIND_NAME:
            raise InvalidArgument(
                f"kinds[{index}] is not a timeline entry kind (got {value})", field=f"kinds[{index}]"
            )
        kinds.append(_KIND_NAME[value])
    return sorted(set(kinds))


def progress_to_proto(progress: Progress) -> journey_pb2.Progress:
    return journey_pb2.Progress(
        customer_id=progress.customer_id,
        journey=progress.journey,
        current_stage=progress.current_stage,
        furthest_stage=progress.furthest_stage,
        reached=[
            journey_pb2.StageReached(stage=stage, first_reached_at=to_timestamp(at))
            for stage, at in progress.reached
        ],
        last_touch_at=to_timestamp(progress.last_touch_at),
        version=progress.version,
        entered_at=to_timestamp(progress.entered_at),
        moves=[journey_pb2.StageMove(at=to_timestamp(at), stage=stage) for at, stage in progress.moves],
    )


def timeline_position(cursor: dict[str, Any] | None) -> tuple[datetime, str] | None:
    """The (occurred_at, id) a timeline page token points after; a token of another shape is refused."""
    if cursor is None:
        return None
    at, last_id = cursor.get("at"), cursor.get("id")
    if not isinstance(at, int) or isinstance(at, bool) or not isinstance(last_id, str) or not last_id:
        raise InvalidArgument("page_token is not a timeline page token", field="page_token")
    return from_millis(at), last_id


def timeline_cursor(last: Touchpoint) -> dict[str, Any]:
    return {"at": to_millis(last.occurred_at), "id": last.id}


# --- Journey definitions, the funnel and stale deals (issue 10, journeydefs) ---

_KIND_TO_PROTO = {
    STAGE: journey_pb2.STAGE_KIND_STAGE,
    WON_CONTRACT: journey_pb2.STAGE_KIND_WON_CONTRACT,
    WON_PAYMENT: journey_pb2.STAGE_KIND_WON_PAYMENT,
}
_KIND_FROM_PROTO = {v: k for k, v in _KIND_TO_PROTO.items()} | {journey_pb2.STAGE_KIND_UNSPECIFIED: STAGE}


def stage_inputs(message: journey_pb2.JourneyDefinition) -> list[StageInput]:
    """The stages of a DefineJourney/UpdateJourney request; an unknown kind is named by its field."""
    inputs = []
    for i, stage in enumerate(message.stages):
        kind = _KIND_FROM_PROTO.get(stage.kind)
        if kind is None:
            raise InvalidArgument(f"unknown stage kind {stage.kind}", field=f"stages[{i}].kind")
        inputs.append(
            StageInput(
                key=stage.key,
                name=stage.name,
                touchpoint_types=list(stage.touchpoint_types),
                kind=kind,
                days_to_rot=stage.days_to_rot,
            )
        )
    return inputs


def journey_to_proto(journey: Journey, *, default_key: str) -> journey_pb2.JourneyDefinition:
    return journey_pb2.JourneyDefinition(
        key=journey.key,
        name=journey.name,
        version=journey.version,
        template=journey.template,
        is_default=journey.key == default_key,
        stages=[
            journey_pb2.JourneyStage(
                key=s.key,
                name=s.name,
                touchpoint_types=sorted(s.touchpoint_types),
                kind=_KIND_TO_PROTO[s.kind],
                days_to_rot=s.days_to_rot or 0,
            )
            for s in journey.stages
        ],
    )


def funnel_to_proto(funnel: Funnel) -> journey_pb2.Funnel:
    return journey_pb2.Funnel(
        journey=funnel.journey,
        version=funnel.version,
        customers=funnel.customers,
        stages=[
            journey_pb2.FunnelStage(
                key=s.key,
                name=s.name,
                kind=_KIND_TO_PROTO[s.kind],
                count=s.count,
                conversion_from_previous=s.conversion_from_previous,
                conversion_from_top=s.conversion_from_top,
                has_timing=s.median_ms_from_previous is not None,
                median_ms_from_previous=s.median_ms_from_previous or 0,
                p90_ms_from_previous=s.p90_ms_from_previous or 0,
            )
            for s in funnel.stages
        ],
    )


def bucket_to_proto(bucket: FunnelBucket) -> journey_pb2.FunnelBucket:
    return journey_pb2.FunnelBucket(
        start=to_timestamp(bucket.start), end=to_timestamp(bucket.end), funnel=funnel_to_proto(bucket.funnel)
    )


def stale_deal_to_proto(deal: StaleDeal) -> journey_pb2.StaleDeal:
    return journey_pb2.StaleDeal(
        customer_id=deal.customer_id,
        owner_id=deal.owner_id,
        journey=deal.stay.journey,
        version=deal.version,
        stage=deal.stay.stage,
        entered_at=to_timestamp(deal.stay.entered_at),
        stale_at=to_timestamp(deal.stay.stale_at),
        days_to_rot=deal.stay.days_to_rot,
    )


def stale_position(cursor: dict[str, Any] | None) -> tuple[int, str] | None:
    """The (rot_ms, customer id) a stale-deals page token points after."""
    if cursor is None:
        return None
    at, last_id = cursor.get("rot"), cursor.get("id")
    if not isinstance(at, int) or isinstance(at, bool) or not isinstance(last_id, str) or not last_id:
        raise InvalidArgument("page_token is not a stale-deals page token", field="page_token")
    return at, last_id
