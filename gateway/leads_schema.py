"""Profiles that change, merges and channel analytics in the schema (issue 11, points 1 and 6).

`gateway.schema` mixes these into its root types. The leads service owns every rule (the lifecycle,
unique contacts, merges, money); its errors map to `extensions.code` with field paths in GraphQL
spelling (`customer.phone` → `input.phone`, `amount` stays `amount`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import strawberry
from crm.leads.v1 import leads_pb2

from gateway.context import GatewayInfo
from gateway.errors import GatewayError
from gateway.permissions import requires
from gateway.types.customer import Customer
from gateway.types.profile_changes import (
    ChannelAnalytics,
    ChannelCost,
    ChannelFigures,
    CustomerStatus,
    UpdateCustomerInput,
)
from gateway.validation import require_customer_id

_RENAMES = {"customer.": "input.", "survivor_id": "survivorId", "duplicate_id": "duplicateId",
            "from_period": "from", "to_period": "to"}  # fmt: skip


def _graphql_field(field: str) -> str:
    for old, new in _RENAMES.items():
        if field.startswith(old):
            field = new + field[len(old) :]
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field)


async def call_leads(info: GatewayInfo, method: str, request: Any) -> Any:
    """Call the leads service, with the error's field paths in GraphQL spelling."""
    try:
        return await info.context.caller.call("leads", method, request)
    except GatewayError as err:
        for f in (err.extensions or {}).get("fields") or []:
            f["field"] = _graphql_field(f["field"])
        raise


@strawberry.type
class LeadsProfileQuery:
    @strawberry.field(
        description="Per source channel: the leads created in the months from..to (YYYY-MM, inclusive), "
        "how many were contacted, became opportunities and were won, their revenue (journey's deals), "
        "the cost entered with setChannelCost, cost per lead, cost per won customer and ROI",
        extensions=requires("Query.channelAnalytics"),
    )
    async def channel_analytics(
        self,
        info: GatewayInfo,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str = "",
        currency: str = "CNY",
    ) -> ChannelAnalytics:
        request = leads_pb2.GetChannelAnalyticsRequest(
            from_period=from_, to_period=to or from_, currency=currency
        )
        reply = await call_leads(info, "GetChannelAnalytics", request)
        return ChannelAnalytics(
            from_period=from_,
            to_period=to or from_,
            currency=reply.currency,
            channels=[ChannelFigures.from_proto(c) for c in reply.channels],
            total=ChannelFigures.from_proto(reply.total),
        )


@strawberry.type
class LeadsProfileMutation:
    @strawberry.mutation(
        description="Change only the fields given (absent fields keep their value); recorded in "
        "profileHistory. A phone, email or WeChat id of another customer is CONFLICT naming it",
        extensions=requires("Mutation.updateCustomer"),
    )
    async def update_customer(
        self, info: GatewayInfo, id: strawberry.ID, input: UpdateCustomerInput
    ) -> Customer:
        request = input.to_proto(require_customer_id(str(id)))
        return Customer.from_proto(await call_leads(info, "UpdateCustomer", request))

    @strawberry.mutation(
        description="Move a lead along new → contacted → qualified → opportunity → won / lost (or invalid); "
        "a move the lifecycle forbids is BAD_USER_INPUT naming the allowed ones",
        extensions=requires("Mutation.setCustomerStatus"),
    )
    async def set_customer_status(
        self, info: GatewayInfo, id: strawberry.ID, status: CustomerStatus, reason: str = ""
    ) -> Customer:
        request = leads_pb2.SetCustomerStatusRequest(
            id=require_customer_id(str(id)), status=status.value, reason=reason
        )
        return Customer.from_proto(await call_leads(info, "SetCustomerStatus", request))

    @strawberry.mutation(
        description="Merge a duplicate into the survivor: its contacts and history move, it answers with "
        "mergedInto, and tags, journey and intent re-key what they hold (leads.customers_merged)",
        extensions=requires("Mutation.mergeCustomers"),
    )
    async def merge_customers(
        self, info: GatewayInfo, survivor_id: strawberry.ID, duplicate_id: strawberry.ID
    ) -> Customer:
        request = leads_pb2.MergeCustomersRequest(
            survivor_id=require_customer_id(str(survivor_id), field="survivorId"),
            duplicate_id=require_customer_id(str(duplicate_id), field="duplicateId"),
        )
        return Customer.from_proto(await call_leads(info, "MergeCustomers", request))

    @strawberry.mutation(
        description="What a source channel cost in one month (YYYY-MM); a decimal amount, never negative; "
        "setting it again replaces it",
        extensions=requires("Mutation.setChannelCost"),
    )
    async def set_channel_cost(
        self, info: GatewayInfo, channel: str, period: str, amount: str, currency: str = "CNY"
    ) -> ChannelCost:
        request = leads_pb2.SetChannelCostRequest(
            channel=channel, period=period, amount=amount, currency=currency
        )
        return ChannelCost.from_proto(await call_leads(info, "SetChannelCost", request))
