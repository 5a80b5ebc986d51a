"""Proto ⇄ domain conversion for the journey API, and the timeline's page-token positions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.journey.v1 import journey_pb2

from common.errors import InvalidArgument
from common.timeutil import from_timestamp, to_timestamp
from services.journey.progress import Progress
from services.journey.templates import Journey
from services.journey.touchpoints import Touchpoint, from_millis, new_touchpoint, to_millis


def touchpoint_from_proto(message: journey_pb2.Touchpoint, *, journey: Journey, now: datetime) -> Touchpoint:
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
    )


_KIND = {
    "touchpoint": journey_pb2.TIMELINE_ENTRY_KIND_TOUCHPOINT,
    "intent_surge": journey_pb2.TIMELINE_ENTRY_KIND_INTENT_SURGE,
}


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
