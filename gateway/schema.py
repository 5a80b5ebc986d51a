"""The gateway's GraphQL schema: queries, mutations and the event subscription.

Resolvers are thin: validate what the gateway can check without a backend (ids, page sizes, batch
sizes), call the owning service, and convert. The per-part resolution of `Customer` lives in
`gateway.types.customer`, the conversation fields in `gateway.conversation_schema` and the segment
fields in `gateway.segment_schema` (both mixed in here);
the document limits are validation rules built once per schema (`gateway.limits`); the cost limit,
the caches, tracing and metrics are in `gateway.execution.LimitedSchema`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from crm.intent.v1 import intent_pb2
from crm.journey.v1 import journey_pb2
from crm.leads.v1 import leads_pb2
from crm.tags.v1 import tags_pb2
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from common.config import GatewaySettings
from gateway.context import GatewayInfo
from gateway.conversation_schema import ConversationMutation, ConversationQuery, ConversationSubscription
from gateway.errors import SERVICE_UNAVAILABLE, GatewayError, not_found
from gateway.execution import LimitedSchema
from gateway.intent_call_schema import IntentCallQuery, IntentCallSubscription
from gateway.intent_model_schema import IntentModelMutation, IntentModelQuery
from gateway.journey_schema import JourneyMutation, JourneyQuery
from gateway.journey_work_schema import WorkMutation, WorkQuery, WorkSubscription
from gateway.leads_schema import LeadsProfileMutation, LeadsProfileQuery
from gateway.library_schema import LibraryMutation, LibraryQuery, call_tags
from gateway.limits import document_rules
from gateway.metrics import GatewayMetrics
from gateway.paging import page_after
from gateway.permissions import check_operation, requires
from gateway.pool_schema import PoolMutation, PoolQuery, PoolSubscription
from gateway.recovery_schema import RecoveryQuery
from gateway.scalars import SCALAR_MAP
from gateway.segment_schema import SegmentMutation, SegmentQuery, SegmentSubscription
from gateway.subscriptions import caller_events
from gateway.types.customer import Customer, CustomerConnection, CustomerEdge
from gateway.types.events import CustomerEvent
from gateway.types.inputs import CreateCustomerInput, DefineTagInput, SignalInput, TagInput, TouchpointInput
from gateway.types.intent import IngestSignalsPayload
from gateway.types.journey import RecordTouchpointPayload
from gateway.types.pagination import PageInfo
from gateway.types.tags import AssignTagsPayload, TagDefinition
from gateway.validation import require_batch, require_customer_id, require_page_size

DEFAULT_PAGE = 20
LIBRARY_PAGE = 500  # ListTagDefinitions' ceiling
MAX_LIBRARY = 2000  # a tenant's library is tens to hundreds of tags; this bounds the RPCs at four


@strawberry.type
class Query(
    LibraryQuery,
    ConversationQuery,
    SegmentQuery,
    IntentModelQuery,
    IntentCallQuery,
    LeadsProfileQuery,
    RecoveryQuery,
    PoolQuery,
    WorkQuery,
    JourneyQuery,
):
    @strawberry.field(
        description="One customer of your tenant; null with NOT_FOUND if there is none",
        extensions=requires("Query.customer"),
    )
    async def customer(self, info: GatewayInfo, id: strawberry.ID) -> Customer | None:
        customer_id = require_customer_id(str(id))
        try:
            message = await info.context.loaders.profiles.load(customer_id)
        except GatewayError as err:
            if err.code != SERVICE_UNAVAILABLE:
                raise
            # Without leads we cannot confirm the id, but the other parts are tenant-scoped by
            # their services, so serve them; `profile` reports the outage at its own path.
            return Customer(id=strawberry.ID(customer_id))
        if message is None:
            raise not_found(f"no customer {customer_id}")
        return Customer.from_proto(message)

    @strawberry.field(
        description="Customers of your tenant, newest first", extensions=requires("Query.customers")
    )
    async def customers(
        self, info: GatewayInfo, first: int | None = DEFAULT_PAGE, after: str | None = None
    ) -> CustomerConnection:
        context = info.context
        maximum = context.settings.max_page_size
        first = require_page_size(DEFAULT_PAGE if first is None else first, maximum=maximum)

        async def fetch(token: str, size: int) -> tuple[list[leads_pb2.Customer], str]:
            request = leads_pb2.ListCustomersRequest(page_size=size, page_token=token)
            reply = await context.caller.call("leads", "ListCustomers", request)
            return list(reply.customers), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        # The list already carries the profiles: prime the loader so `profile` costs no RPC.
        context.loaders.profiles.prime_many({c.id: c for c, _ in page.edges})
        return CustomerConnection(
            edges=[CustomerEdge(node=Customer.from_proto(c), cursor=cursor) for c, cursor in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="Your tenant's tag library by key (archived tags only when asked), at most 2000",
        deprecation_reason="Use tagDefinitions: filtered, paginated, with usage",
        extensions=requires("Query.tagLibrary"),
    )
    async def tag_library(
        self, info: GatewayInfo, group: str | None = None, include_archived: bool = False
    ) -> list[TagDefinition]:
        definitions: list[TagDefinition] = []
        token = ""
        while len(definitions) < MAX_LIBRARY:
            request = tags_pb2.ListTagDefinitionsRequest(
                page_size=LIBRARY_PAGE,
                page_token=token,
                group=group or "",
                include_archived=include_archived,
            )
            reply = await info.context.caller.call("tags", "ListTagDefinitions", request)
            definitions.extend(TagDefinition.from_proto(d) for d in reply.definitions)
            token = reply.next_page_token
            if not token:
                break
        return definitions[:MAX_LIBRARY]


@strawberry.type
class Mutation(
    LibraryMutation,
    ConversationMutation,
    SegmentMutation,
    IntentModelMutation,
    LeadsProfileMutation,
    PoolMutation,
    WorkMutation,
    JourneyMutation,
):
    @strawberry.mutation(
        description="Create a customer; CONFLICT names the existing one for a known email/phone",
        extensions=requires("Mutation.createCustomer"),
    )
    async def create_customer(self, info: GatewayInfo, input: CreateCustomerInput) -> Customer:
        request = leads_pb2.CreateCustomerRequest(customer=input.to_proto())
        message = await info.context.caller.call("leads", "CreateCustomer", request)
        info.context.loaders.profiles.prime(message.id, message)
        return Customer.from_proto(message)

    @strawberry.mutation(
        description="Create a tag in your tenant's library; CONFLICT (at input.key) if the key exists: "
        "change a tag with updateTag",
        extensions=requires("Mutation.defineTag"),
    )
    async def define_tag(self, info: GatewayInfo, input: DefineTagInput) -> TagDefinition:
        request = tags_pb2.DefineTagRequest(definition=input.to_proto())
        return TagDefinition.from_proto(await call_tags(info, "DefineTag", request))

    @strawberry.mutation(
        description="Assign tags to one customer, all or nothing", extensions=requires("Mutation.assignTags")
    )
    async def assign_tags(
        self, info: GatewayInfo, customer_id: strawberry.ID, tags: list[TagInput]
    ) -> AssignTagsPayload:
        cid = require_customer_id(str(customer_id), field="customerId")
        require_batch(tags, maximum=info.context.settings.max_batch, field="tags")
        await info.context.loaders.require_customers([cid])
        request = tags_pb2.AssignTagsRequest(customer_id=cid, tags=[t.to_proto() for t in tags])
        return AssignTagsPayload.from_proto(await info.context.caller.call("tags", "AssignTags", request))

    @strawberry.mutation(
        description="Record a touchpoint; the journey stage moves if its type implies one",
        extensions=requires("Mutation.recordTouchpoint"),
    )
    async def record_touchpoint(self, info: GatewayInfo, input: TouchpointInput) -> RecordTouchpointPayload:
        cid = require_customer_id(str(input.customer_id), field="input.customerId")
        await info.context.loaders.require_customers([cid])
        actor = info.context.authenticated().subject
        request = journey_pb2.RecordTouchpointRequest(touchpoint=input.to_proto(actor=actor))
        reply = await info.context.caller.call("journey", "RecordTouchpoint", request)
        return RecordTouchpointPayload.from_proto(reply)

    @strawberry.mutation(
        description="Ingest intent signals (re-sending a signal id is counted, not stored twice)",
        extensions=requires("Mutation.ingestSignals"),
    )
    async def ingest_signals(self, info: GatewayInfo, signals: list[SignalInput]) -> IngestSignalsPayload:
        require_batch(signals, maximum=info.context.settings.max_batch, field="signals")
        ids = [
            require_customer_id(str(s.customer_id), field=f"signals[{i}].customerId")
            for i, s in enumerate(signals)
        ]
        messages = [s.to_proto(index=i) for i, s in enumerate(signals)]
        await info.context.loaders.require_customers(ids)
        request = intent_pb2.IngestSignalsRequest(signals=messages)
        return IngestSignalsPayload.from_proto(
            await info.context.caller.call("intent", "IngestSignals", request)
        )


@strawberry.type
class Subscription(
    ConversationSubscription, SegmentSubscription, IntentCallSubscription, PoolSubscription, WorkSubscription
):
    @strawberry.subscription(
        description="Live domain events of your tenant, optionally about one customer",
        extensions=requires("Subscription.customerEvents"),
    )
    async def customer_events(
        self, info: GatewayInfo, customer_id: strawberry.ID | None = None
    ) -> AsyncGenerator[CustomerEvent, None]:
        async for event in caller_events(info, customer_id):
            yield CustomerEvent.from_cloudevent(event)


class GatewaySchema(LimitedSchema):
    """The federation schema with the gateway's limits and error policy (`gateway.execution`), and
    `_entities` (which strawberry builds, so it carries no field extension) guarded by its row of
    the role table like every other root field."""

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        check_operation("Query._entities", info.context.authenticated())
        return super().entities_resolver(info, representations)


def build_schema(settings: GatewaySettings, *, metrics: GatewayMetrics | None = None) -> GatewaySchema:
    """The federation schema with limits from `settings`; `metrics` None leaves metrics off (printing).

    `SCALAR_MAP` makes every `DateTime` output, subscriptions included, read `...T19:18:06.123Z`."""
    schema = GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )
    schema.document_rules = document_rules(
        max_depth=settings.max_query_depth, max_aliases=settings.max_aliases
    )
    schema.max_tokens = settings.max_tokens
    schema.max_cost = settings.max_cost
    schema.metrics = metrics
    return schema
