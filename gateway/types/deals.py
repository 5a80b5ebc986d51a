"""Deals on the GraphQL side: qualification (三定), signed and paid amounts, history, revenue sums.

Money is a decimal string (`amount: "199800.00"`) with an ISO 4217 `currency`, never a float: it is
exact, it is what people type, and the journey service stores it as integer minor units so sums are
exact (docs/deals-and-tasks.md).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from crm.journey.v1 import journey_pb2

from common.timeutil import from_timestamp


@strawberry.enum(description="Qualification: is the deal worth pursuing")
class DealNature(Enum):
    VALUABLE = "valuable"
    NOT_VALUABLE = "not_valuable"
    UNCERTAIN = "uncertain"


@strawberry.enum(description="Qualification: the deal's size class")
class DealGrade(Enum):
    LARGE = "large"
    NORMAL = "normal"
    SMALL = "small"


@strawberry.enum(description="OPEN; SIGNED (won by contract); PAID (won by payment, signed or not)")
class DealStatus(Enum):
    OPEN = "open"
    SIGNED = "signed"
    PAID = "paid"


def enum_of(cls: type[Enum], prefix: str, value: int, wrapper: object) -> Enum | None:
    """The GraphQL value of a proto enum number; None for UNSPECIFIED."""
    name = str(wrapper.Name(value)).removeprefix(prefix)  # type: ignore[attr-defined]
    return None if name == "UNSPECIFIED" else cls[name]


def proto_enum_name(prefix: str, value: Enum | None) -> str:
    return f"{prefix}{value.name if value is not None else 'UNSPECIFIED'}"


@strawberry.type(description="An exact amount: a decimal string with two decimals and its currency")
class Money:
    amount: str
    currency: str

    @classmethod
    def from_proto(cls, message: journey_pb2.Money) -> Money:
        return cls(amount=message.amount, currency=message.currency)


@strawberry.input(description="An amount as a decimal string (at most two decimals, not negative)")
class MoneyInput:
    amount: str
    currency: str = "CNY"

    def to_proto(self) -> journey_pb2.Money:
        return journey_pb2.Money(amount=self.amount, currency=self.currency)


@strawberry.type(description="Who set a qualification field, and when")
class FieldSetting:
    field: str
    set_by: str
    set_at: datetime | None


@strawberry.type
class FieldChange:
    field: str
    before: str
    after: str


@strawberry.type(description="One change of a deal: created, qualified, signed or paid")
class DealChange:
    action: str
    actor: str
    at: datetime | None
    changes: list[FieldChange]


def _money(message: journey_pb2.Deal, name: str) -> Money | None:
    return Money.from_proto(getattr(message, name)) if message.HasField(name) else None


@strawberry.type(description="A deal of a customer, qualified (三定) and won by contract and/or payment")
class Deal:
    id: strawberry.ID
    customer_id: strawberry.ID
    owner_id: str
    product: str
    amount: Money | None
    nature: DealNature | None
    grade: DealGrade | None
    expected_close_date: date | None
    expected_amount: Money | None
    status: DealStatus
    signed_amount: Money | None
    signed_at: datetime | None
    paid_amount: Money | None
    paid_at: datetime | None
    settings: list[FieldSetting]
    history: list[DealChange] = strawberry.field(description="Oldest first")
    created_at: datetime | None
    updated_at: datetime | None
    version: int

    @classmethod
    def from_proto(cls, m: journey_pb2.Deal) -> Deal:
        nature = enum_of(DealNature, "DEAL_NATURE_", m.nature, journey_pb2.DealNature)
        grade = enum_of(DealGrade, "DEAL_GRADE_", m.grade, journey_pb2.DealGrade)
        status = enum_of(DealStatus, "DEAL_STATUS_", m.status, journey_pb2.DealStatus)
        return cls(
            id=strawberry.ID(m.id),
            customer_id=strawberry.ID(m.customer_id),
            owner_id=m.owner_id,
            product=m.product,
            amount=_money(m, "amount"),
            nature=nature,  # type: ignore[arg-type]
            grade=grade,  # type: ignore[arg-type]
            expected_close_date=date.fromisoformat(m.expected_close_date) if m.expected_close_date else None,
            expected_amount=_money(m, "expected_amount"),
            status=status or DealStatus.OPEN,  # type: ignore[arg-type]
            signed_amount=_money(m, "signed_amount"),
            signed_at=from_timestamp(m.signed_at) if m.HasField("signed_at") else None,
            paid_amount=_money(m, "paid_amount"),
            paid_at=from_timestamp(m.paid_at) if m.HasField("paid_at") else None,
            settings=[
                FieldSetting(field=s.field, set_by=s.set_by, set_at=from_timestamp(s.set_at))
                for s in m.settings
            ],
            history=[
                DealChange(
                    action=h.action,
                    actor=h.actor,
                    at=from_timestamp(h.at),
                    changes=[FieldChange(field=c.field, before=c.before, after=c.after) for c in h.changes],
                )
                for h in m.history
            ],
            created_at=from_timestamp(m.created_at) if m.HasField("created_at") else None,
            updated_at=from_timestamp(m.updated_at) if m.HasField("updated_at") else None,
            version=m.version,
        )


@strawberry.input(description="A new deal; the product is required, the rest may follow with qualifyDeal")
class CreateDealInput:
    customer_id: strawberry.ID
    product: str
    amount: MoneyInput | None = None
    nature: DealNature | None = None
    grade: DealGrade | None = None
    expected_close_date: date | None = None
    expected_amount: MoneyInput | None = None
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: you; only admins give a deal to someone else"
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your own id for the deal, so a retried request creates it once"
    )


@strawberry.input(description="The qualification fields to change; omitted fields stay as they are")
class QualifyDealInput:
    product: str | None = None
    amount: MoneyInput | None = None
    nature: DealNature | None = None
    grade: DealGrade | None = None
    expected_close_date: date | None = None
    expected_amount: MoneyInput | None = None
    owner_id: strawberry.ID | None = None


def qualification(
    source: CreateDealInput | QualifyDealInput,
) -> tuple[journey_pb2.DealQualification, list[str]]:
    """The proto qualification of an input, and the (proto) names of the fields it gives."""
    values: dict[str, Any] = {}
    if source.product is not None:
        values["product"] = source.product
    if source.amount is not None:
        values["amount"] = source.amount.to_proto()
    if source.nature is not None:
        values["nature"] = proto_enum_name("DEAL_NATURE_", source.nature)
    if source.grade is not None:
        values["grade"] = proto_enum_name("DEAL_GRADE_", source.grade)
    if source.expected_close_date is not None:
        values["expected_close_date"] = source.expected_close_date.isoformat()
    if source.expected_amount is not None:
        values["expected_amount"] = source.expected_amount.to_proto()
    if source.owner_id is not None:
        values["owner_id"] = str(source.owner_id)
    return journey_pb2.DealQualification(**values), list(values)


@strawberry.type(description="Signed and paid revenue of one month, owner and currency")
class RevenueRow:
    month: str = strawberry.field(description="YYYY-MM (UTC)")
    owner_id: str
    currency: str
    signed_amount: str
    signed_count: int
    paid_amount: str
    paid_count: int

    @classmethod
    def from_proto(cls, m: journey_pb2.RevenueRow) -> RevenueRow:
        return cls(
            month=m.month,
            owner_id=m.owner_id,
            currency=m.currency,
            signed_amount=m.signed_amount,
            signed_count=m.signed_count,
            paid_amount=m.paid_amount,
            paid_count=m.paid_count,
        )
