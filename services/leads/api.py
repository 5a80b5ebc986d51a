"""The LeadsService gRPC servicer: decode the request, call the domain and store, encode the reply."""

from __future__ import annotations

import grpc
from crm.leads.v1 import leads_pb2, leads_pb2_grpc

from common.context import current_call
from common.errors import NotFound
from common.ids import new_customer_id, require_customer_id, require_customer_ids
from common.paging import page_size
from common.timeutil import utcnow
from services.leads.changes import ProfileChanges
from services.leads.channel_store import ChannelStore
from services.leads.convert import customer_to_proto, input_fields
from services.leads.events import LeadsEvents
from services.leads.listing import PagePosition, next_page_token, page_start
from services.leads.merging import CustomerMerges
from services.leads.profile_api import ProfileRpcs
from services.leads.profiles import identity_keys, new_customer_document, validate_customer
from services.leads.store import CustomerStore

MAX_BATCH = 200


class LeadsServicer(ProfileRpcs, leads_pb2_grpc.LeadsServiceServicer):
    def __init__(
        self,
        *,
        store: CustomerStore,
        events: LeadsEvents,
        changes: ProfileChanges | None = None,
        channels: ChannelStore | None = None,
        merges: CustomerMerges | None = None,
    ) -> None:
        self._store = store
        self._events = events
        # Issue 11: changing profiles, merges, channel analytics (services/leads/profile_api.py).
        self._changes = changes or ProfileChanges(store, events)
        self._merges = merges or CustomerMerges(store, events, self._changes)
        self._channels = channels or ChannelStore(store.database)

    async def CreateCustomer(
        self, request: leads_pb2.CreateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.Customer:
        tenant = current_call().tenant
        fields = validate_customer(input_fields(request.customer))
        document = new_customer_document(fields, tenant=tenant, customer_id=new_customer_id(), now=utcnow())
        announced = self._events.customer_created(tenant, document)
        created = await self._store.create(document, identity_keys(fields), events=[announced])
        await self._events.publish(created["_id"], [announced])
        return customer_to_proto(created)

    async def GetCustomer(
        self, request: leads_pb2.GetCustomerRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.Customer:
        customer_id = require_customer_id(request.id, field="id")
        document = await self._store.get(current_call().tenant, customer_id)
        if document is None:
            raise NotFound(f"customer {customer_id} does not exist", metadata={"customer_id": customer_id})
        return customer_to_proto(document)

    async def BatchGetCustomers(
        self, request: leads_pb2.BatchGetCustomersRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.BatchGetCustomersResponse:
        # Repeated ids are answered once, in the order of their first appearance.
        ids = list(dict.fromkeys(require_customer_ids(list(request.ids), maximum=MAX_BATCH, field="ids")))
        found = await self._store.get_many(current_call().tenant, ids)
        return leads_pb2.BatchGetCustomersResponse(
            customers=[customer_to_proto(found[i]) for i in ids if i in found],
            missing_ids=[i for i in ids if i not in found],
        )

    async def ListCustomers(
        self, request: leads_pb2.ListCustomersRequest, context: grpc.aio.ServicerContext
    ) -> leads_pb2.ListCustomersResponse:
        tenant = current_call().tenant
        size = page_size(request.page_size, default=50, maximum=200)
        after = page_start(request.page_token, tenant=tenant)
        # One extra row tells whether another page exists without counting.
        rows = await self._store.list_newest_first(tenant, after=after, limit=size + 1)
        page = rows[:size]
        token = ""
        if len(rows) > size:
            last = PagePosition(page[-1]["created_at"], page[-1]["_id"])
            token = next_page_token(tenant=tenant, last=last)
        return leads_pb2.ListCustomersResponse(
            customers=[customer_to_proto(doc) for doc in page], next_page_token=token
        )
