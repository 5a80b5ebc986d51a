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
    return message


def customer_to_event(doc: dict[str, Any]) -> dict[str, Any]:
    """The customer profile as plain JSON for event data: times as ISO-8601 UTC with a Z."""
    return {
        "id": doc["_id"],
        **{name: doc.get(name, "") for name in PROFILE_FIELDS},
        "status": doc.get("status", ""),
        "created_at": iso_utc(doc["created_at"]),
        "updated_at": iso_utc(doc["updated_at"]),
    }


def _set_time(message: Message, name: str, value: datetime | None) -> None:
    stamp = to_timestamp(value)
    if stamp is not None:
        getattr(message, name).CopyFrom(stamp)
