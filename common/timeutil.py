"""UTC, timezone-aware time and its conversion to and from protobuf Timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from common.errors import InvalidArgument


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes (as some drivers return) are taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """The JSON form of a time in events: ISO-8601 UTC with milliseconds and a `Z`."""
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso_instant(value: str, *, field: str) -> datetime:
    """An ISO-8601 time with an offset (`Z` or `+08:00`) as aware UTC; one without an offset is ambiguous."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{field} {value!r} is not an ISO-8601 time", field=field) from None
    if parsed.tzinfo is None:
        raise InvalidArgument(f"{field} {value!r} has no timezone offset (use Z for UTC)", field=field)
    return parsed.astimezone(UTC)


def to_timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(as_utc(value))
    return ts


def from_timestamp(ts: Timestamp | None) -> datetime | None:
    """None for an unset Timestamp field, else an aware UTC datetime (millisecond precision, as stored)."""
    if ts is None or (ts.seconds == 0 and ts.nanos == 0):
        return None
    value = ts.ToDatetime(tzinfo=UTC)
    return value.replace(microsecond=(value.microsecond // 1000) * 1000)


def from_ms(ms: int) -> datetime:
    """The aware UTC instant of integer milliseconds since the epoch."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def to_ms(value: datetime) -> int:
    """Integer milliseconds since the epoch of an aware instant (the form range queries use)."""
    return int(value.timestamp() * 1000)
