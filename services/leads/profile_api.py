"""The issue-11 RPCs of LeadsService: update, status, history, merge, channel costs and analytics.

A mixin of `LeadsServicer` (services/leads/api.py): each method decodes, calls the use case and
encodes, nothing else.
"""

from __future__ import annotations

import grpc
from crm.leads.v1 import leads_pb2

from common.context import current_call
from common.errors import NotFound
from common.ids import require_customer_id
from common.timeutil import utcnow
from services.leads.changes import ProfileChanges
from services.leads.channel_store import ChannelStore
from services.leads.channels import (
    Figures,
    Lead,
    channel_figures,
    check_channel,
    check_currency,
    money,
    months,
    parse_money,
    parse_period,
    period_bounds_ms,
)
from services.leads.convert import customer_to_proto, history_to_proto, input_fields
from services.leads.merging import CustomerMerges
from services.leads.status import reached
from services.leads.store import CustomerStore


class ProfileRpcs:
    _store: CustomerStore
    _changes: ProfileChanges
    _merges: CustomerMerges
    _channels: ChannelStore

    async def UpdateCustomer(
        self, request: leads_pb2.UpdateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.Customer:
        call = current_call()
        customer_id = require_customer_id(request.id, field="id")
        doc = await self._changes.update(
            call.tenant,
            customer_id,
            input_fields(request.customer),
            list(request.update_mask.paths),
            actor=call.caller,
        )
        return customer_to_proto(doc)

    async def SetCustomerStatus(
        self, request: leads_pb2.SetCustomerStatusRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.Customer:
        call = current_call()
        customer_id = require_customer_id(request.id, field="id")
        doc = await self._changes.set_status(
            call.tenant, customer_id, request.status.strip().lower(), actor=call.caller, reason=request.reason
        )
        return customer_to_proto(doc)

    async def ListProfileHistory(
        self, request: leads_pb2.ListProfileHistoryRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.ListProfileHistoryResponse:
        customer_id = require_customer_id(request.id, field="id")
        doc = await self._store.get(current_call().tenant, customer_id)
        if doc is None:
            raise NotFound(f"customer {customer_id} does not exist", metadata={"customer_id": customer_id})
        entries = await self._store.history_of(current_call().tenant, customer_id)
        return leads_pb2.ListProfileHistoryResponse(entries=[history_to_proto(h) for h in entries])

    async def MergeCustomers(
        self, request: leads_pb2.MergeCustomersRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.Customer:
        call = current_call()
        survivor = require_customer_id(request.survivor_id, field="survivor_id")
        duplicate = require_customer_id(request.duplicate_id, field="duplicate_id")
        doc = await self._merges.merge(call.tenant, survivor, duplicate, actor=call.caller)
        return customer_to_proto(doc)

    async def SetChannelCost(
        self, request: leads_pb2.SetChannelCostRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.ChannelCost:
        call = current_call()
        channel = check_channel(request.channel)
        parse_period(request.period, field="period")
        minor = parse_money(request.amount, field="amount")
        currency = check_currency(request.currency)
        now = utcnow()
        period, set_ms = request.period.strip(), int(now.timestamp() * 1000)
        doc: dict[str, object] = {
            "channel": channel,
            "period": period,
            "amount_minor": minor,
            "currency": currency,
            "set_by": call.caller,
            "set_ms": set_ms,
        }
        await self._channels.set_cost(call.tenant, doc)
        reply = leads_pb2.ChannelCost(
            channel=channel, period=period, amount=money(minor), currency=currency, set_by=call.caller
        )
        reply.set_at.FromMilliseconds(set_ms)
        return reply

    async def GetChannelAnalytics(
        self, request: leads_pb2.GetChannelAnalyticsRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.GetChannelAnalyticsResponse:
        tenant = current_call().tenant
        start, end = period_bounds_ms(request.from_period, request.to_period)
        currency = check_currency(request.currency)
        cohort = await self._channels.cohort(tenant, start, end)
        leads = [
            Lead(
                customer_id=d["_id"],
                channel=str(d.get("source_channel") or ""),
                reached=frozenset(d.get("reached") or reached(str(d.get("status") or "new"))),
            )
            for d in cohort
        ]
        revenue = await self._channels.revenue(tenant, [lead.customer_id for lead in leads], currency)
        costs = await self._channels.costs(tenant, months(request.from_period, request.to_period), currency)
        rows, total = channel_figures(leads, revenue, costs)
        return leads_pb2.GetChannelAnalyticsResponse(
            currency=currency, channels=[_figures(r) for r in rows], total=_figures(total)
        )


def _figures(f: Figures) -> leads_pb2.ChannelFigures:
    roi = f.roi
    return leads_pb2.ChannelFigures(
        channel=f.channel,
        leads=f.leads,
        contacted=f.contacted,
        opportunities=f.opportunities,
        won=f.won,
        contact_rate=f.rate(f.contacted),
        opportunity_rate=f.rate(f.opportunities),
        win_rate=f.rate(f.won),
        revenue=money(f.revenue_minor),
        cost=money(f.cost_minor),
        cost_per_lead=f.cost_per_lead,
        cost_per_won=f.cost_per_won,
        roi=roi or 0.0,
        has_roi=roi is not None,
    )
