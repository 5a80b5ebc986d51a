"""Types of the changing profile: the partial update input, status, history and channel analytics."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from crm.leads.v1 import leads_pb2
from strawberry import UNSET

from common.timeutil import from_timestamp

UPDATABLE = (
    "name", "company", "title", "phone", "email", "wechat_id", "region", "industry",
    "company_size", "source_channel", "campaign",
)  # fmt: skip


@strawberry.enum(description="Where a lead is in its lifecycle")
class CustomerStatus(Enum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    INVALID = "invalid"


@strawberry.input(
    description='Only the fields given change; an absent field keeps its value, null or "" clears it'
)
class UpdateCustomerInput:
    name: str | None = UNSET
    company: str | None = UNSET
    title: str | None = UNSET
    phone: str | None = UNSET
    email: str | None = UNSET
    wechat_id: str | None = UNSET
    region: str | None = UNSET
    industry: str | None = UNSET
    company_size: str | None = UNSET
    source_channel: str | None = UNSET
    campaign: str | None = UNSET

    def to_proto(self, customer_id: str) -> leads_pb2.UpdateCustomerRequest:
        given = {name: getattr(self, name) for name in UPDATABLE if getattr(self, name) is not UNSET}
        request = leads_pb2.UpdateCustomerRequest(
            id=customer_id, customer=leads_pb2.CustomerInput(**{k: v or "" for k, v in given.items()})
        )
        request.update_mask.paths.extend(given)
        return request


@strawberry.type(description="One field's change: from what to what")
class ProfileFieldChange:
    field: str
    old_value: str
    new_value: str


@strawberry.type(
    description="Who changed a profile, when, and how; `mergedFrom` marks a merged duplicate's entry"
)
class ProfileHistoryEntry:
    at: datetime | None
    actor: str
    reason: str
    merged_from: strawberry.ID | None
    changes: list[ProfileFieldChange]

    @classmethod
    def from_proto(cls, m: leads_pb2.ProfileHistoryEntry) -> ProfileHistoryEntry:
        return cls(
            at=from_timestamp(m.at),
            actor=m.actor,
            reason=m.reason,
            merged_from=strawberry.ID(m.merged_from) if m.merged_from else None,
            changes=[ProfileFieldChange(field=_camel(c.field), old_value=c.old_value, new_value=c.new_value)
                     for c in m.changes],
        )  # fmt: skip


@strawberry.type(description="What a source channel cost in one month")
class ChannelCost:
    channel: str
    period: str
    amount: str
    currency: str
    set_by: str
    set_at: datetime | None

    @classmethod
    def from_proto(cls, m: leads_pb2.ChannelCost) -> ChannelCost:
        return cls(channel=m.channel, period=m.period, amount=m.amount, currency=m.currency,
                   set_by=m.set_by, set_at=from_timestamp(m.set_at))  # fmt: skip


@strawberry.type(
    description="One source channel's leads of the period and what became of them; money as decimal strings"
)
class ChannelFigures:
    channel: str
    leads: int
    contacted: int
    opportunities: int
    won: int
    contact_rate: float
    opportunity_rate: float
    win_rate: float
    revenue: str
    cost: str
    cost_per_lead: str | None
    cost_per_won: str | None
    roi: float | None = strawberry.field(description="(revenue - cost) / cost; null when nothing was spent")

    @classmethod
    def from_proto(cls, m: leads_pb2.ChannelFigures) -> ChannelFigures:
        return cls(
            channel=m.channel, leads=m.leads, contacted=m.contacted, opportunities=m.opportunities, won=m.won,
            contact_rate=m.contact_rate, opportunity_rate=m.opportunity_rate, win_rate=m.win_rate,
            revenue=m.revenue, cost=m.cost, cost_per_lead=m.cost_per_lead or None,
            cost_per_won=m.cost_per_won or None, roi=m.roi if m.has_roi else None,
        )  # fmt: skip


@strawberry.type(description="Channel analytics of the leads created in the months asked")
class ChannelAnalytics:
    from_period: str
    to_period: str
    currency: str
    channels: list[ChannelFigures]
    total: ChannelFigures


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
