"""CloudEvents 1.0 JSON envelopes for domain events and ingest messages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from common.errors import InvalidArgument
from common.ids import new_id
from common.timeutil import iso_utc, utcnow

SPEC_VERSION = "1.0"
REQUIRED = ("specversion", "id", "source", "type")


def domain_event_type(service: str, event: str) -> str:
    """`crm.<service>.<event>.v1`, the CloudEvents `type` of a domain event."""
    return f"crm.{service}.{event}.v1"


def make_event(
    *,
    type: str,
    source: str,
    tenant: str,
    data: dict[str, Any],
    subject: str = "",
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    """Build a CloudEvent; `tenantid` is an extension attribute so consumers can check the subject."""
    event: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": event_id or new_id("evt"),
        "source": source,
        "type": type,
        "time": iso_utc(time or utcnow()),
        "datacontenttype": "application/json",
        "tenantid": tenant,
        "data": data,
    }
    if subject:
        event["subject"] = subject
    return event


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def decode(payload: bytes) -> dict[str, Any]:
    """Parse and check a CloudEvent; a malformed one raises InvalidArgument (it goes to the DLQ)."""
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidArgument(f"message is not JSON: {err}") from None
    if not isinstance(event, dict):
        raise InvalidArgument("message is not a CloudEvent object")
    missing = [k for k in REQUIRED if not event.get(k)]
    if missing:
        raise InvalidArgument(f"CloudEvent lacks {', '.join(missing)}")
    if event["specversion"] != SPEC_VERSION:
        raise InvalidArgument(f"unsupported CloudEvents specversion {event['specversion']!r}")
    if not isinstance(event.get("data"), dict):
        raise InvalidArgument("CloudEvent data must be a JSON object")
    return event


def data_items(data: dict[str, Any], *, maximum: int) -> tuple[list[Any], bool]:
    """The items of an ingest CloudEvent's data: one object, or `{"items": [...]}` for a batch.

    Returns the items and whether the message was a batch (which decides how fields are named in errors).
    """
    if "items" not in data:
        return [data], False
    items = data["items"]
    if not isinstance(items, list) or not items:
        raise InvalidArgument("data.items must be a non-empty JSON array", field="items")
    if len(items) > maximum:
        raise InvalidArgument(f"data.items has {len(items)} entries; at most {maximum}", field="items")
    return items, True
