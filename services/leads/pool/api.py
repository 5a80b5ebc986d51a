"""The LeadPoolService gRPC servicer: decode, check who may act, call the pool's use cases, encode.

Reps (`sales`, `sdr`) act on their own leads: they claim for themselves, release and follow up the
leads they hold and see their own lists; an admin (or the platform) acts on anyone's.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import grpc
from crm.leads.v1 import pool_pb2, pool_pb2_grpc

from common.context import current_call
from common.errors import InvalidArgument, NotFound, PermissionDenied
from common.ids import new_id, require_customer_id, require_customer_ids
from common.paging import decode_cursor, encode_cursor, page_size
from common.roles import ADMIN, PLATFORM
from common.timeutil import from_timestamp, to_ms
from services.leads.pool import convert
from services.leads.pool.callbacks import DEFAULT_GRACE_MS, CallbackStore
from services.leads.pool.claims import Claims
from services.leads.pool.followups import FollowUps
from services.leads.pool.intake import add_lead
from services.leads.pool.rules import validate_pool
from services.leads.pool.store import Position
from services.leads.store import CustomerStore

MAX_BATCH = 200
MAX_TEXT = 500
PAST_SLACK_MS = 60_000


def _now_ms() -> int:
    return int(time.time() * 1000)


def _is_admin() -> bool:
    return not {ADMIN, PLATFORM}.isdisjoint(current_call().roles)


def _after(token: str, *, listing: str) -> Position | None:
    """The keyset position a page token names: (integer ms, _id) of the previous page's last row.

    Positions, not offsets: a lead claimed or released between two pages neither skips nor repeats
    another. A token of another list (or an old offset token) is refused rather than misread."""
    cursor = decode_cursor(token)
    if cursor is None:
        return None
    at, last = cursor.get("a"), cursor.get("id")
    if (
        cursor.get("l") != _digest(listing)
        or not isinstance(at, int)
        or isinstance(at, bool)
        or not isinstance(last, str)
    ):
        raise InvalidArgument(
            "page_token does not belong to this list; start again without it", field="page_token"
        )
    return at, last


def _token(rows: list[dict[str, Any]], size: int, *, listing: str, field: str) -> str:
    if len(rows) <= size:
        return ""
    last = rows[size - 1]
    return encode_cursor({"l": _digest(listing), "a": int(last[field]), "id": str(last["_id"])})


def _digest(listing: str) -> str:
    """Which list a token belongs to, short (a team's owner list can be long)."""
    return hashlib.sha256(listing.encode()).hexdigest()[:12]


class LeadPoolServicer(pool_pb2_grpc.LeadPoolServiceServicer):
    def __init__(
        self, *, claims: Claims, follow_ups: FollowUps, callbacks: CallbackStore, customers: CustomerStore
    ) -> None:
        self._claims = claims
        self._store = claims.store
        self._follow_ups = follow_ups
        self._callbacks = callbacks
        self._customers = customers

    async def DefinePool(
        self, request: pool_pb2.DefinePoolRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.Pool:
        tenant = current_call().tenant
        pool_id = request.pool.id or new_id("pool")
        if request.pool.id and await self._store.pool(tenant, pool_id) is None:
            raise NotFound(f"pool {pool_id} does not exist", field="pool.id")
        rules = validate_pool(convert.rules_from_proto(request.pool, pool_id=pool_id))
        await self._store.save_pool(tenant, rules, now_ms=_now_ms())
        return convert.pool_to_proto(rules)

    async def ListPools(
        self, request: pool_pb2.ListPoolsRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.ListPoolsResponse:
        pools = await self._store.pools_of(current_call().tenant)
        return pool_pb2.ListPoolsResponse(pools=[convert.pool_to_proto(p) for p in pools])

    async def AddLeads(
        self, request: pool_pb2.AddLeadsRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.AddLeadsResponse:
        tenant = current_call().tenant
        ids = list(
            dict.fromkeys(
                require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH, field="customer_ids")
            )
        )
        rules = await self._store.pool(tenant, request.pool_id)
        if rules is None:
            raise NotFound(f"pool {request.pool_id} does not exist", field="pool_id")
        found = await self._customers.get_many(tenant, ids)
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(
                f"no customer {missing[0]} in this tenant",
                field="customer_ids",
                metadata={"customer_id": missing[0]},
            )
        leads = [await add_lead(self._claims, tenant, cid, rules, now_ms=_now_ms()) for cid in ids]
        return pool_pb2.AddLeadsResponse(leads=[convert.lead_to_proto(d) for d in leads])

    async def ClaimLead(
        self, request: pool_pb2.ClaimLeadRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.PoolLead:
        call = current_call()
        customer_id = require_customer_id(request.customer_id, field="customer_id")
        if not request.pool_id:
            raise InvalidArgument(
                "pool_id is required: a claim names the pool it takes the lead from", field="pool_id"
            )
        lead = await self._claims.claim(
            call.tenant, customer_id, call.caller, pool_id=request.pool_id, now_ms=_now_ms()
        )
        return convert.lead_to_proto(lead)

    async def ReleaseLead(
        self, request: pool_pb2.ReleaseLeadRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.PoolLead:
        call = current_call()
        customer_id = require_customer_id(request.customer_id, field="customer_id")
        lead = await self._claims.release(
            call.tenant,
            customer_id,
            by=call.caller,
            is_admin=_is_admin(),
            reason=request.reason,
            note=request.note,
            now_ms=_now_ms(),
        )
        return convert.lead_to_proto(lead)

    async def RecordFollowUp(
        self, request: pool_pb2.RecordFollowUpRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.FollowUp:
        call = current_call()
        customer_id = require_customer_id(request.customer_id, field="customer_id")
        entry = await self._follow_ups.record(
            call.tenant,
            customer_id,
            rep=call.caller,
            is_admin=_is_admin(),
            kind=convert.KIND_NAMES.get(request.kind, ""),
            outcome=request.outcome,
            notes=request.notes,
            now_ms=_now_ms(),
        )
        return convert.follow_up_to_proto(entry)

    async def PromiseCallback(
        self, request: pool_pb2.PromiseCallbackRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.Callback:
        call = current_call()
        customer_id = require_customer_id(request.customer_id, field="customer_id")
        due = from_timestamp(request.due_at) if request.HasField("due_at") else None
        now = _now_ms()
        if due is None or to_ms(due) < now - PAST_SLACK_MS:
            raise InvalidArgument("due_at is required and may not be in the past", field="due_at")
        text = request.text.strip()
        if len(text) > MAX_TEXT:
            raise InvalidArgument(f"text has at most {MAX_TEXT} characters", field="text")
        lead, rules = await self._claims.lead_and_pool(call.tenant, customer_id)
        owner = lead.get("owner_id") or ""
        if owner != call.caller and not _is_admin():
            raise PermissionDenied(f"lead {customer_id} is not yours; claim it before promising a call-back")
        doc = await self._callbacks.promise(
            call.tenant,
            customer_id,
            owner=owner or call.caller,
            promised_by=call.caller,
            due_ms=to_ms(due),
            grace_ms=rules.grace_ms,
            text=text,
            now_ms=now,
        )
        return convert.callback_to_proto(doc)

    async def ListPoolLeads(
        self, request: pool_pb2.ListPoolLeadsRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.ListPoolLeadsResponse:
        tenant = current_call().tenant
        if await self._store.pool(tenant, request.pool_id) is None:
            raise NotFound(f"pool {request.pool_id} does not exist", field="pool_id")
        size = page_size(request.page_size, default=50, maximum=200)
        listing = f"pool:{request.pool_id}:{int(request.unclaimed_only)}"
        after = _after(request.page_token, listing=listing)
        query: dict[str, Any] = {"tenant_id": tenant, "pool_id": request.pool_id}
        if request.unclaimed_only:
            # `$eq`, not a bare None: inside the keyset's `$and` the stand-in matches nothing for a bare
            # null (docs/mongo-standin.md); both forms mean the same on MongoDB.
            query["owner_id"] = {"$eq": None}
        rows = await self._store.page(query, after=after, limit=size + 1)
        return pool_pb2.ListPoolLeadsResponse(
            leads=[convert.lead_to_proto(d) for d in rows[:size]],
            next_page_token=_token(rows, size, listing=listing, field="added_ms"),
        )

    async def ListMyLeads(
        self, request: pool_pb2.ListMyLeadsRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.ListPoolLeadsResponse:
        call = current_call()
        owners = list(dict.fromkeys(request.owner_ids)) or [call.caller]
        if set(owners) - {call.caller} and not _is_admin():
            raise PermissionDenied("only an admin may list another rep's leads")
        size = page_size(request.page_size, default=50, maximum=200)
        listing = "mine:" + ",".join(sorted(owners))
        after = _after(request.page_token, listing=listing)
        rows = await self._store.page(
            {"tenant_id": call.tenant, "owner_id": {"$in": owners}}, after=after, limit=size + 1, newest=True
        )
        return pool_pb2.ListPoolLeadsResponse(
            leads=[convert.lead_to_proto(d) for d in rows[:size]],
            next_page_token=_token(rows, size, listing=listing, field="added_ms"),
        )

    async def BatchGetLeadFacts(
        self, request: pool_pb2.BatchGetLeadFactsRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.BatchGetLeadFactsResponse:
        tenant = current_call().tenant
        ids = list(
            dict.fromkeys(
                require_customer_ids(list(request.customer_ids), maximum=MAX_BATCH, field="customer_ids")
            )
        )
        leads = await self._store.leads_of(tenant, ids)
        spans, follow_ups = await self._store.history(tenant, list(leads))
        facts = []
        for cid in ids:
            if cid not in leads:
                continue
            facts.append(
                pool_pb2.LeadFacts(
                    customer_id=cid,
                    lead=convert.lead_to_proto(leads[cid]),
                    owners=[convert.span_to_proto(s) for s in spans if s["customer_id"] == cid],
                    follow_ups=[convert.follow_up_to_proto(f) for f in follow_ups if f["customer_id"] == cid],
                )
            )
        return pool_pb2.BatchGetLeadFactsResponse(facts=facts)

    async def ListMissedCallbacks(
        self, request: pool_pb2.ListMissedCallbacksRequest, context: grpc.aio.ServicerContext
    ) -> pool_pb2.ListMissedCallbacksResponse:
        call = current_call()
        owners: list[str] | None = None if request.all_owners else list(dict.fromkeys(request.owner_ids))
        owners = None if owners is None else owners or [call.caller]
        if (owners is None or set(owners) - {call.caller}) and not _is_admin():
            raise PermissionDenied("only an admin may see another rep's missed call-backs")
        size = page_size(request.page_size, default=50, maximum=200)
        listing = "missed:" + ("*" if owners is None else ",".join(sorted(owners)))
        after = _after(request.page_token, listing=listing)
        rows = await self._callbacks.missed(call.tenant, owners, after=after, limit=size + 1)
        return pool_pb2.ListMissedCallbacksResponse(
            callbacks=[convert.callback_to_proto(d) for d in rows[:size]],
            next_page_token=_token(rows, size, listing=listing, field="due_ms"),
        )


__all__ = ["DEFAULT_GRACE_MS", "LeadPoolServicer"]
