"""Conversions between stored customer documents, protobuf messages and event JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.leads.v1 import leads_pb2
from google.protobuf.message import Message

from common.timeutil import iso_utc, to_timestamp
from services.leads.profiles import TEXT_LIMITS

# The string fields a customer document carries besides id, status and times.
PROFILE_FIELDS = (*TEXT_LIMITS, "phone", "email", "wechat_id")


def input_fields(message: leads_pb2.CustomerInput) -> dict[str, str]:
    """The raw string fields of a CustomerInput, keyed by field name, for `validate_customer`."""
    return {f.name: str(getattr(message, f.name)) for f in message.DESCRIPTOR.fields}


def customer_to_proto(doc: dict[str, Any]) -> leads_pb2.Customer:
    message = leads_pb2.Customer(
        id=doc["_id"],
        status=doc.get("status", ""),
        **{name: doc.get(name, "") for name in PROFILE_FIELDS},
    )
    _set_time(message, "created_at", doc.get("created_at"))
    _set_time(message, "updated_at", doc.get("updated_at"))
    message.merged_into = str(doc.get("merged_into") or "")
    message.merged_ids.extend(doc.get("merged_ids") or [])
    return message


def history_to_proto(entry: dict[str, Any]) -> leads_pb2.ProfileHistoryEntry:
    """One stored profile history entry (services/leads/updates.py) as its message."""
    message = leads_pb2.ProfileHistoryEntry(
        actor=str(entry.get("actor") or ""),
        reason=str(entry.get("reason") or ""),
        merged_from=str(entry.get("merged_from") or ""),
        changes=[
            leads_pb2.FieldChange(field=c["field"], old_value=c["old"], new_value=c["new"])
            for c in entry.get("changes") or []
        ],
    )
    message.at.FromMilliseconds(int(entry.get("at_ms") or 0))
    return message


def customer_to_event(doc: dict[str, Any]) -> dict[str, Any]:
    """The customer profile as plain JSON for event data: times as ISO-8601 UTC with a Z."""
    return {
        "id": doc["_id"],
        **{name: doc.get(name, "") for name in PROFILE_FIELDS},
        "status": doc.get("status", ""),
        "created_at": iso_utc(_datetime(doc["created_at"])),
        "updated_at": iso_utc(_datetime(doc["updated_at"])),
    }


def _datetime(value: Any) -> datetime:
    """A stored time; the stand-in hands back a datetime written by `$set` as ISO text (the same instant)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _set_time(message: Message, name: str, value: datetime | str | None) -> None:
    stamp = to_timestamp(None if value is None else _datetime(value))
    if stamp is not None:
        getattr(message, name).CopyFrom(stamp)
