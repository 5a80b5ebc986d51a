"""Touchpoints: validation of what callers and partners send, and the JSON form events carry.

One validation serves both doors (the gRPC RPC and the NATS ingest subject), so a touchpoint that
is refused on one is refused on the other with the same message; only the field path differs
(`touchpoint.type` for the RPC, `items[2].type` for a batch on NATS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from common.errors import InvalidArgument
from common.ids import client_id_or_new, require_customer_id
from common.timeutil import iso_utc, parse_iso_instant

TYPE_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
MAX_CHANNEL = 32
MAX_ACTOR = 128
MAX_NOTES = 2000
# Clocks drift; a touchpoint a little in the future is a skewed clock, far ahead is a bug upstream.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Progress keeps times as epoch milliseconds with 0 meaning "never"; earlier times are unit bugs anyway.
EARLIEST = datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)


class StageMap(Protocol):
    """What names a touchpoint's stage: a Journey, or a tenant's JourneyBook (its primary journey)."""

    def stage_of(self, touchpoint_type: str) -> str: ...


@dataclass(frozen=True, kw_only=True)
class Touchpoint:
    """One interaction with a customer; `stage` is what the tenant's journey maps its type to."""

    id: str
    customer_id: str
    type: str
    channel: str
    occurred_at: datetime
    actor: str
    notes: str
    stage: str
    # "touchpoint", or the kind of another service's event the timeline shows (services/journey/surges.py).
    kind: str = "touchpoint"
    # For projected entries (services/journey/timeline_feed.py): a line for people, the source event's
    # id and the ids it names, as (name, id) pairs.
    summary: str = ""
    source_event_id: str = ""
    refs: tuple[tuple[str, str], ...] = ()


def truncate_to_millis(value: datetime) -> datetime:
    """MongoDB keeps milliseconds; cutting here keeps stored times equal to those in cursors and events."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.replace(microsecond=(value.microsecond // 1000) * 1000)


def new_touchpoint(
    *,
    id: str,
    customer_id: str,
    type: str,
    channel: str,
    occurred_at: datetime | None,
    actor: str,
    notes: str,
    journey: StageMap,
    now: datetime,
    field_prefix: str = "",
) -> Touchpoint:
    """Validate one touchpoint and map it onto `journey`; raises InvalidArgument naming the field.

    An empty id gets a fresh `tp_` id; an empty occurred_at means now. Errors name the field as
    `field_prefix + name`, e.g. `touchpoint.type`.
    """
    require_customer_id(customer_id, field=f"{field_prefix}customer_id")
    touchpoint_id = client_id_or_new(id, prefix="tp", field=f"{field_prefix}id")
    if not TYPE_RE.match(type):
        raise InvalidArgument(
            f"type {type!r} must be a lowercase slug (a-z first, then a-z 0-9 _ . -; at most 64)",
            field=f"{field_prefix}type",
        )
    _require_length(channel, MAX_CHANNEL, field=f"{field_prefix}channel")
    _require_length(actor, MAX_ACTOR, field=f"{field_prefix}actor")
    _require_length(notes, MAX_NOTES, field=f"{field_prefix}notes")
    at = truncate_to_millis(occurred_at or now)
    if at > now + FUTURE_TOLERANCE:
        raise InvalidArgument(
            f"occurred_at {at.isoformat()} is in the future (more than 5 minutes after now)",
            field=f"{field_prefix}occurred_at",
        )
    if at < EARLIEST:
        raise InvalidArgument(
            f"occurred_at {at.isoformat()} is before 1970", field=f"{field_prefix}occurred_at"
        )
    return Touchpoint(
        id=touchpoint_id,
        customer_id=customer_id,
        type=type,
        channel=channel,
        occurred_at=at,
        actor=actor,
        notes=notes,
        stage=journey.stage_of(type),
    )


def touchpoint_from_json(
    item: object, *, journey: StageMap, now: datetime, default_id: str, field_prefix: str
) -> Touchpoint:
    """Validate one touchpoint of an ingest message (JSON object, ISO-8601 occurred_at).

    `default_id` is used when the item carries no id, so a redelivered message records the same
    touchpoint again instead of a second copy.
    """
    if not isinstance(item, dict):
        raise InvalidArgument("a touchpoint must be a JSON object", field=field_prefix.rstrip(".") or "data")
    text = {name: _string(item, name, field_prefix) for name in _TEXT_FIELDS}
    raw_at = text["occurred_at"]
    return new_touchpoint(
        id=text["id"] or default_id,
        customer_id=text["customer_id"],
        type=text["type"],
        channel=text["channel"],
        occurred_at=parse_iso_instant(raw_at, field=f"{field_prefix}occurred_at") if raw_at else None,
        actor=text["actor"],
        notes=text["notes"],
        journey=journey,
        now=now,
        field_prefix=field_prefix,
    )


_TEXT_FIELDS = ("id", "customer_id", "type", "channel", "occurred_at", "actor", "notes")


def _string(item: dict[str, Any], name: str, field_prefix: str) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a string", field=f"{field_prefix}{name}")
    return value


def touchpoint_json(touchpoint: Touchpoint) -> dict[str, Any]:
    """The JSON form of a touchpoint in events: the proto's fields, times as ISO-8601 UTC."""
    return {
        "id": touchpoint.id,
        "customer_id": touchpoint.customer_id,
        "type": touchpoint.type,
        "channel": touchpoint.channel,
        "occurred_at": iso_utc(touchpoint.occurred_at),
        "actor": touchpoint.actor,
        "notes": touchpoint.notes,
        "stage": touchpoint.stage,
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def to_millis(value: datetime) -> int:
    """Epoch milliseconds, in integer arithmetic so no float rounding moves a time by 1 ms."""
    return (value - _EPOCH) // _MILLISECOND


def from_millis(value: int) -> datetime:
    return _EPOCH + value * _MILLISECOND


def _require_length(value: str, maximum: int, *, field: str) -> None:
    if len(value) > maximum:
        raise InvalidArgument(
            f"{field} has {len(value)} characters; at most {maximum} are allowed", field=field
        )
