"""The customer profile, owned by the leads service."""

from __future__ import annotations

from datetime import datetime

import strawberry
from crm.leads.v1 import leads_pb2

from common.timeutil import from_timestamp


@strawberry.type(description="Who the customer is: contact, company and lead status (from leads)")
class CustomerProfile:
    name: str
    company: str
    title: str
    phone: str
    email: str
    wechat_id: str
    region: str
    industry: str
    company_size: str
    source_channel: str
    campaign: str
    owner_id: str
    status: str
    created_at: datetime | None
    updated_at: datetime | None
    merged_into: strawberry.ID | None = strawberry.field(
        default=None, description="Set when this customer was merged into another: read that one"
    )
    merged_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="The duplicates merged into this customer"
    )

    @classmethod
    def from_proto(cls, message: leads_pb2.Customer) -> CustomerProfile:
        return cls(
            name=message.name,
            company=message.company,
            title=message.title,
            phone=message.phone,
            email=message.email,
            wechat_id=message.wechat_id,
            region=message.region,
            industry=message.industry,
            company_size=message.company_size,
            source_channel=message.source_channel,
            campaign=message.campaign,
            owner_id=message.owner_id,
            status=message.status,
            created_at=from_timestamp(message.created_at),
            updated_at=from_timestamp(message.updated_at),
            merged_into=strawberry.ID(message.merged_into) if message.merged_into else None,
            merged_ids=[strawberry.ID(i) for i in message.merged_ids],
        )
