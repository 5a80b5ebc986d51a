"""The lead pool (公海) in GraphQL (issue 11): pools, claims, releases, follow-ups, call-backs.

Reps (`sales`, `sdr`) claim for themselves and release, follow up and promise call-backs on the
leads they hold; admins define pools, put leads in them and act on anyone's leads. The leads
service checks the same rules again (services/leads/pool/api.py). A refused claim is CONFLICT with
`extensions.reason` (already_claimed, limit_reached, cooldown, not_in_pool) saying why it lost.
`gateway.schema` mixes these into its root types; `Customer.pool` is in gateway/types/customer.py.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from crm.leads.v1 import pool_pb2

from common.roles import SEE_ANY_CALL_LIST, allows
from common.timeutil import to_timestamp
from gateway.context import GatewayInfo
from gateway.errors import FORBIDDEN, GatewayError, bad_user_input, not_found
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.subscriptions import caller_events
from gateway.types.lead_facts import FollowUp, FollowUpKind
from gateway.types.pagination import PageInfo
from gateway.types.pool import (
    Callback,
    CallbackConnection,
    CallbackEdge,
    DefinePoolInput,
    LeadReleased,
    Pool,
    PoolLead,
    PoolLeadConnection,
    PoolLeadEdge,
)
from gateway.validation import require_batch, require_customer_id, require_page_size

CALLBACK_DUE = "crm.leads.callback_due.v1"
RELEASED = "crm.leads.released.v1"
DEFAULT_PAGE = 20
MAX_ADD = 200


async def call_pool(info: GatewayInfo, method: str, request: Any) -> Any:
    return await info.context.caller.call("leadpool", method, request)


@strawberry.type
class PoolQuery:
    @strawberry.field(
        description="Your tenant's lead pools and their rules", extensions=requires("Query.pools")
    )
    async def pools(self, info: GatewayInfo) -> list[Pool]:
        reply = await call_pool(info, "ListPools", pool_pb2.ListPoolsRequest())
        return [Pool.from_proto(p) for p in reply.pools]

    @strawberry.field(
        description="One pool; null with NOT_FOUND if there is none", extensions=requires("Query.pool")
    )
    async def pool(self, info: GatewayInfo, id: strawberry.ID) -> Pool | None:
        reply = await call_pool(info, "ListPools", pool_pb2.ListPoolsRequest())
        found = next((p for p in reply.pools if p.id == str(id)), None)
        if found is None:
            raise not_found(f"no pool {id}")
        return Pool.from_proto(found)

    @strawberry.field(
        description="Leads you hold, newest claim first; an admin may ask for another rep's (ownerId)",
        extensions=requires("Query.myLeads"),
    )
    async def my_leads(
        self,
        info: GatewayInfo,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        owner_id: strawberry.ID | None = None,
    ) -> PoolLeadConnection:
        maximum = info.context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)
        owners = [str(owner_id)] if owner_id is not None else []

        async def fetch(token: str, size: int) -> tuple[list[pool_pb2.PoolLead], str]:
            request = pool_pb2.ListMyLeadsRequest(
                owner_ids=owners, page_size=min(size, 200), page_token=token
            )
            reply = await call_pool(info, "ListMyLeads", request)
            return list(reply.leads), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return PoolLeadConnection(
            edges=[PoolLeadEdge(node=PoolLead.from_proto(n), cursor=c) for n, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="The missed call-back recovery list: due call-backs nobody followed up within the grace "
        "period, oldest first. Yours by default; everyone's (allOwners) for admins",
        extensions=requires("Query.missedCallbacks"),
    )
    async def missed_callbacks(
        self, info: GatewayInfo, first: int = DEFAULT_PAGE, after: str | None = None, all_owners: bool = False
    ) -> CallbackConnection:
        maximum = info.context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)

        async def fetch(token: str, size: int) -> tuple[list[pool_pb2.Callback], str]:
            request = pool_pb2.ListMissedCallbacksRequest(
                all_owners=all_owners, page_size=min(size, 200), page_token=token
            )
            reply = await call_pool(info, "ListMissedCallbacks", request)
            return list(reply.callbacks), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return CallbackConnection(
            edges=[CallbackEdge(node=Callback.from_proto(n), cursor=c) for n, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )


@strawberry.type
class PoolMutation:
    @strawberry.mutation(
        description="Create a pool, or change one (give its id)", extensions=requires("Mutation.definePool")
    )
    async def define_pool(self, info: GatewayInfo, input: DefinePoolInput) -> Pool:
        for name, value in (("claimLimit", input.claim_limit), ("followUpDays", input.follow_up_days)):
            if value < 1:
                raise bad_user_input(
                    f"{name} must be at least 1", fields=[{"field": f"input.{name}", "message": "at least 1"}]
                )
        reply = await call_pool(info, "DefinePool", pool_pb2.DefinePoolRequest(pool=input.to_proto()))
        return Pool.from_proto(reply)

    @strawberry.mutation(
        description="Put customers into a pool (unclaimed, or to a member by the pool's assignment rule)",
        extensions=requires("Mutation.addLeadsToPool"),
    )
    async def add_leads_to_pool(
        self, info: GatewayInfo, pool_id: strawberry.ID, customer_ids: list[strawberry.ID]
    ) -> list[PoolLead]:
        require_batch(customer_ids, maximum=MAX_ADD, field="customerIds")
        ids = [require_customer_id(str(c), field="customerIds") for c in customer_ids]
        reply = await call_pool(
            info, "AddLeads", pool_pb2.AddLeadsRequest(pool_id=str(pool_id), customer_ids=ids)
        )
        return [PoolLead.from_proto(m) for m in reply.leads]

    @strawberry.mutation(
        description="Claim a lead of a pool for yourself: atomic, within the pool's limit and cooldown; "
        "a lost claim is CONFLICT with extensions.reason",
        extensions=requires("Mutation.claimLead"),
    )
    async def claim_lead(
        self, info: GatewayInfo, customer_id: strawberry.ID, pool_id: strawberry.ID
    ) -> PoolLead:
        cid = require_customer_id(str(customer_id), field="customerId")
        reply = await call_pool(
            info, "ClaimLead", pool_pb2.ClaimLeadRequest(customer_id=cid, pool_id=str(pool_id))
        )
        return PoolLead.from_proto(reply)

    @strawberry.mutation(
        description="Release a lead you hold back to its pool with one of the pool's lost reasons",
        extensions=requires("Mutation.releaseLead"),
    )
    async def release_lead(
        self, info: GatewayInfo, customer_id: strawberry.ID, reason: str, note: str | None = None
    ) -> PoolLead:
        cid = require_customer_id(str(customer_id), field="customerId")
        request = pool_pb2.ReleaseLeadRequest(customer_id=cid, reason=reason, note=note or "")
        return PoolLead.from_proto(await call_pool(info, "ReleaseLead", request))

    @strawberry.mutation(
        description="Record a follow-up of a lead you hold; it restarts the lead's no-follow-up clock",
        extensions=requires("Mutation.recordFollowUp"),
    )
    async def record_follow_up(
        self,
        info: GatewayInfo,
        customer_id: strawberry.ID,
        kind: FollowUpKind,
        outcome: str,
        notes: str | None = None,
    ) -> FollowUp:
        cid = require_customer_id(str(customer_id), field="customerId")
        request = pool_pb2.RecordFollowUpRequest(
            customer_id=cid, kind=kind.value, outcome=outcome, notes=notes or ""
        )
        return FollowUp.from_proto(await call_pool(info, "RecordFollowUp", request))

    @strawberry.mutation(
        description="Promise a call-back of a lead you hold: due to you at dueAt",
        extensions=requires("Mutation.promiseCallback"),
    )
    async def promise_callback(
        self, info: GatewayInfo, customer_id: strawberry.ID, due_at: datetime, text: str = ""
    ) -> Callback:
        cid = require_customer_id(str(customer_id), field="customerId")
        request = pool_pb2.PromiseCallbackRequest(customer_id=cid, due_at=to_timestamp(due_at), text=text)
        return Callback.from_proto(await call_pool(info, "PromiseCallback", request))


@strawberry.type
class PoolSubscription:
    @strawberry.subscription(
        description="Call-backs falling due: your own by default; everyone's (allOwners) for admins",
        extensions=requires("Subscription.callbacksDue"),
    )
    async def callbacks_due(
        self, info: GatewayInfo, all_owners: bool = False
    ) -> AsyncGenerator[Callback, None]:
        principal = info.context.authenticated()
        if all_owners and not allows(SEE_ANY_CALL_LIST, principal.roles):
            raise GatewayError("only an admin may follow everyone's call-backs", code=FORBIDDEN)
        async for event in caller_events(info):
            data = event.get("data")
            if event.get("type") != CALLBACK_DUE or not isinstance(data, dict):
                continue
            if not all_owners and data.get("owner_id") != principal.subject:
                continue
            yield Callback.from_event_data(data)

    @strawberry.subscription(
        description="Leads you held going back to their pool — by your release, an admin's, or automatically "
        "for want of a follow-up (automatic: true, reason 无跟进); everyone's (allOwners) for admins",
        extensions=requires("Subscription.leadsReleased"),
    )
    async def leads_released(
        self, info: GatewayInfo, all_owners: bool = False
    ) -> AsyncGenerator[LeadReleased, None]:
        principal = info.context.authenticated()
        if all_owners and not allows(SEE_ANY_CALL_LIST, principal.roles):
            raise GatewayError("only an admin may follow everyone's releases", code=FORBIDDEN)
        async for event in caller_events(info):
            data = event.get("data")
            if event.get("type") != RELEASED or not isinstance(data, dict):
                continue
            if not all_owners and data.get("owner_id") != principal.subject:
                continue
            yield LeadReleased.from_event_data(data)
