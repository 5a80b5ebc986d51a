"""Proto ⇄ document conversion for deals and tasks, validating every field before anything is stored.

Errors name fields as the request spells them (`deal.amount`, `deal.amount.currency`, `due_at`); the
gateway renames them to its input paths.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.journey.v1 import journey_pb2

from common.errors import InvalidArgument
from common.timeutil import from_ms, from_timestamp, to_timestamp
from services.journey import deals, tasks
from services.journey.money import Money, money_from_stored, parse_money

NATURE_IN: dict[int, str] = {
    journey_pb2.DEAL_NATURE_VALUABLE: "valuable",
    journey_pb2.DEAL_NATURE_NOT_VALUABLE: "not_valuable",
    journey_pb2.DEAL_NATURE_UNCERTAIN: "uncertain",
}
GRADE_IN: dict[int, str] = {
    journey_pb2.DEAL_GRADE_LARGE: "large",
    journey_pb2.DEAL_GRADE_NORMAL: "normal",
    journey_pb2.DEAL_GRADE_SMALL: "small",
}
STATUS_OUT = {
    deals.OPEN: journey_pb2.DEAL_STATUS_OPEN,
    deals.SIGNED: journey_pb2.DEAL_STATUS_SIGNED,
    deals.PAID: journey_pb2.DEAL_STATUS_PAID,
}
KIND_IN: dict[int, str] = {
    journey_pb2.TASK_KIND_CALL: "call",
    journey_pb2.TASK_KIND_VISIT: "visit",
    journey_pb2.TASK_KIND_SEND_QUOTE: "send_quote",
    journey_pb2.TASK_KIND_MEETING: "meeting",
    journey_pb2.TASK_KIND_FOLLOW_UP: "follow_up",
    journey_pb2.TASK_KIND_OTHER: "other",
}
TASK_STATUS_IN: dict[int, str] = {
    journey_pb2.TASK_STATUS_OPEN: tasks.OPEN,
    journey_pb2.TASK_STATUS_DONE: tasks.DONE,
    journey_pb2.TASK_STATUS_CANCELLED: tasks.CANCELLED,
    journey_pb2.TASK_STATUS_OVERDUE: tasks.OVERDUE,
}


def _money(message: journey_pb2.Money, *, where: str) -> Money:
    return parse_money(message.amount, message.currency, field=where)


def _enum(value: int, table: dict[int, str], allowed: tuple[str, ...], *, where: str) -> str:
    return deals.check_choice(table.get(value, ""), allowed, where=where)


def qualification_values(message: journey_pb2.DealQualification, names: list[str]) -> dict[str, Any]:
    """Validated stored values of the fields `names` of `message` (all or nothing)."""
    values: dict[str, Any] = {}
    for name in names:
        where = f"deal.{name}"
        if name == "product":
            values[name] = deals.check_product(message.product, where=where)
        elif name == "amount":
            values[name] = _money(message.amount, where=where).stored()
        elif name == "expected_amount":
            values[name] = _money(message.expected_amount, where=where).stored()
        elif name == "nature":
            values[name] = _enum(message.nature, NATURE_IN, deals.NATURES, where=where)
        elif name == "grade":
            values[name] = _enum(message.grade, GRADE_IN, deals.GRADES, where=where)
        elif name == "expected_close_date":
            values[name] = deals.check_date(message.expected_close_date, where=where)
        elif name == "owner_id":
            values[name] = message.owner_id.strip()
        else:
            known = ", ".join(deals.FIELDS)
            raise InvalidArgument(f"fields: unknown field {name!r}; one of {known}", field="fields")
    return values


def fields_present(message: journey_pb2.DealQualification) -> list[str]:
    """On create, the fields the request fills in (an empty one is simply not set yet)."""
    present = [name for name in ("product", "expected_close_date", "owner_id") if getattr(message, name)]
    present += [name for name in ("amount", "expected_amount") if message.HasField(name)]
    present += [name for name in ("nature", "grade") if getattr(message, name)]
    return [name for name in deals.FIELDS if name in present]


def _enum_name(prefix: str, value: Any) -> str:
    """The proto enum name of a stored lower-case value (UNSPECIFIED when unset)."""
    return f"{prefix}_{str(value or 'unspecified').upper()}"


def _ms_ts(ms: Any) -> Any:
    return to_timestamp(from_ms(int(ms))) if ms else None


def _money_out(value: Any) -> journey_pb2.Money | None:
    money = money_from_stored(value)
    return journey_pb2.Money(amount=money.amount, currency=money.currency) if money else None


def deal_to_proto(doc: dict[str, Any]) -> journey_pb2.Deal:
    settings = doc.get("settings") or {}
    return journey_pb2.Deal(
        id=doc["id"],
        customer_id=doc["customer_id"],
        owner_id=doc.get("owner_id", ""),
        product=doc.get("product", ""),
        amount=_money_out(doc.get("amount")),
        nature=_enum_name("DEAL_NATURE", doc.get("nature")),
        grade=_enum_name("DEAL_GRADE", doc.get("grade")),
        expected_close_date=doc.get("expected_close_date") or "",
        expected_amount=_money_out(doc.get("expected_amount")),
        status=STATUS_OUT.get(doc.get("status", deals.OPEN), journey_pb2.DEAL_STATUS_OPEN),
        signed_amount=_money_out(doc.get("signed")),
        signed_at=_ms_ts(doc.get("signed_ms")),
        paid_amount=_money_out(doc.get("paid")),
        paid_at=_ms_ts(doc.get("paid_ms")),
        settings=[
            journey_pb2.FieldSetting(
                field=name, set_by=settings[name]["by"], set_at=_ms_ts(settings[name]["at_ms"])
            )
            for name in deals.FIELDS
            if name in settings
        ],
        history=[
            journey_pb2.DealChange(
                action=entry["action"],
                actor=entry.get("actor", ""),
                at=_ms_ts(entry["at_ms"]),
                changes=[journey_pb2.FieldChange(**change) for change in entry.get("changes") or []],
            )
            for entry in doc.get("history") or []
        ],
        created_at=_ms_ts(doc.get("created_ms")),
        updated_at=_ms_ts(doc.get("updated_ms")),
        version=int(doc.get("version") or 0),
    )


def task_kind(value: int, *, where: str) -> str:
    return tasks.check_kind(KIND_IN.get(value, ""), where=where)


def task_statuses(values: list[int]) -> list[str]:
    out = []
    for i, value in enumerate(values):
        if value not in TASK_STATUS_IN:
            raise InvalidArgument(f"statuses[{i}]: unknown task status", field=f"statuses[{i}]")
        out.append(TASK_STATUS_IN[value])
    return out


def optional_time(message: Any, name: str) -> datetime | None:
    return from_timestamp(getattr(message, name)) if message.HasField(name) else None


def task_to_proto(doc: dict[str, Any]) -> journey_pb2.Task:
    return journey_pb2.Task(
        id=doc["id"],
        customer_id=doc["customer_id"],
        deal_id=doc.get("deal_id", ""),
        kind=_enum_name("TASK_KIND", doc["kind"]),
        owner_id=doc["owner_id"],
        due_at=_ms_ts(doc["due_ms"]),
        notes=doc.get("notes", ""),
        status=_enum_name("TASK_STATUS", doc["status"]),
        created_by=doc.get("created_by", ""),
        created_at=_ms_ts(doc.get("created_ms")),
        updated_at=_ms_ts(doc.get("updated_ms")),
        due_reminded_at=_ms_ts(doc.get("due_reminded_ms")),
        completed_at=_ms_ts(doc.get("completed_ms")),
        version=int(doc.get("version") or 0),
    )
