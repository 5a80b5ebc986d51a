"""The unified customer view: a federation entity whose parts come from four services.

Each part (profile, tags, intent, journey, conversations) is nullable and resolved on its own through a
DataLoader, so one backend being down costs only its part: the response still carries the others,
plus an error whose path ends in the missing field.
"""

from __future__ import annotations

import strawberry
from crm.intent.v1 import intent_pb2
from crm.leads.v1 import leads_pb2
from crm.tags.v1 import segments_pb2, tags_pb2

from gateway.context import GatewayInfo
from gateway.types.conversations import Conversation
from gateway.types.deals import Deal
from gateway.types.history import TagHistoryPage
from gateway.types.intent import IntentHistoryPage, IntentSummary
from gateway.types.journey import JourneySummary
from gateway.types.lead_facts import LeadPoolFacts
from gateway.types.membership import CustomerSegment, MembershipHistoryPage
from gateway.types.pagination import PageInfo
from gateway.types.profile import CustomerProfile
from gateway.types.profile_changes import ProfileHistoryEntry
from gateway.types.suggestions import TagSuggestion
from gateway.types.tags import TagAssignment
from gateway.types.tasks import Task
from gateway.validation import require_customer_id, require_page_size

DEFAULT_CONVERSATIONS = 5
# BatchListConversations serves at most 20 per customer; pending suggestions look that far back.
MAX_CONVERSATIONS = 20
DEFAULT_HISTORY = 20
MAX_HISTORY = 200


@strawberry.federation.type(keys=["id"], description="A customer, as every service sees them")
class Customer:
    id: strawberry.ID

    @classmethod
    def from_proto(cls, message: leads_pb2.Customer) -> Customer:
        return cls(id=strawberry.ID(message.id))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Customer:
        """Federation entry point: a router hands us an id; parts load (tenant-scoped) on demand."""
        return cls(id=strawberry.ID(require_customer_id(str(id))))

    @strawberry.field(description="Contact, company and lead status (leads service)")
    async def profile(self, info: GatewayInfo) -> CustomerProfile | None:
        message = await info.context.loaders.profiles.load(str(self.id))
        return CustomerProfile.from_proto(message) if message is not None else None

    @strawberry.field(
        description="Who changed the profile, when, old → new per field, status moves and merged "
        "duplicates' entries included, newest first (leads service; one call per customer: detail views)"
    )
    async def profile_history(self, info: GatewayInfo) -> list[ProfileHistoryEntry] | None:
        request = leads_pb2.ListProfileHistoryRequest(id=str(self.id))
        reply = await info.context.caller.call("leads", "ListProfileHistory", request)
        return [ProfileHistoryEntry.from_proto(e) for e in reply.entries]

    @strawberry.field(description="Active tags with provenance (tags service)")
    async def tags(self, info: GatewayInfo) -> list[TagAssignment] | None:
        assignments = await info.context.loaders.tags.load(str(self.id))
        return [TagAssignment.from_proto(a) for a in assignments]

    @strawberry.field(description="Purchase-intent score and level (intent service)")
    async def intent(self, info: GatewayInfo) -> IntentSummary | None:
        return IntentSummary.from_proto(await info.context.loaders.intent.load(str(self.id)))

    @strawberry.field(description="Journey stage and timeline (journey service)")
    async def journey(self, info: GatewayInfo) -> JourneySummary | None:
        return JourneySummary.from_proto(await info.context.loaders.progress.load(str(self.id)))

    @strawberry.field(
        description="Progress in each of your tenant's journeys this customer has progress in, the default "
        "first, each with the journey version it was measured against (journey service; batched)"
    )
    async def journeys(self, info: GatewayInfo) -> list[JourneySummary] | None:
        return [JourneySummary.from_proto(p) for p in await info.context.loaders.journeys.load(str(self.id))]

    @strawberry.field(
        description="The latest conversations, newest first, with what was heard (tags service)"
    )
    async def conversations(
        self, info: GatewayInfo, first: int = DEFAULT_CONVERSATIONS
    ) -> list[Conversation] | None:
        first = require_page_size(first, maximum=MAX_CONVERSATIONS)
        messages = await info.context.loaders.conversations.load((str(self.id), first))
        return [Conversation.from_proto(m) for m in messages]

    @strawberry.field(
        description="The customer's tag history, newest first: who set, replaced, removed, suggested or "
        "rejected which value, and why (tags service; one call per customer, so ask for it on detail views)"
    )
    async def tag_history(
        self, info: GatewayInfo, first: int = DEFAULT_HISTORY, after: str | None = None
    ) -> TagHistoryPage | None:
        first = require_page_size(first, maximum=MAX_HISTORY)
        request = tags_pb2.ListTagHistoryRequest(
            customer_id=str(self.id), page_size=first, page_token=after or ""
        )
        return TagHistoryPage.from_proto(await info.context.caller.call("tags", "ListTagHistory", request))

    @strawberry.field(
        description="How the customer's intent score changed, newest first: the cause, the score and level "
        "before and after, and why (intent service; one call per customer, so ask for it on detail views)"
    )
    async def intent_history(
        self, info: GatewayInfo, first: int = DEFAULT_HISTORY, after: str | None = None
    ) -> IntentHistoryPage | None:
        first = require_page_size(first, maximum=MAX_HISTORY)
        request = intent_pb2.ListScoreHistoryRequest(
            customer_id=str(self.id), page_size=first, page_token=after or ""
        )
        return IntentHistoryPage.from_proto(
            await info.context.caller.call("intent", "ListScoreHistory", request)
        )

    @strawberry.field(
        description="The saved segments this customer entered and left, newest first, with the tag change "
        "behind each (tags service; one call per customer, so ask for it on detail views)"
    )
    async def segment_history(
        self,
        info: GatewayInfo,
        first: int = DEFAULT_HISTORY,
        after: str | None = None,
        segment_id: strawberry.ID | None = None,
    ) -> MembershipHistoryPage | None:
        first = require_page_size(first, maximum=MAX_HISTORY)
        request = segments_pb2.ListMembershipHistoryRequest(
            customer_id=str(self.id),
            page_size=first,
            page_token=after or "",
            segment_id=str(segment_id or ""),
        )
        reply = await info.context.caller.call("segments", "ListMembershipHistory", request)
        return MembershipHistoryPage.from_proto(reply)

    @strawberry.field(
        description="The saved segments of your tenant this customer is in now, by name, with since when "
        "(tags service; batched: one call per page of customers)"
    )
    async def segments(self, info: GatewayInfo) -> list[CustomerSegment] | None:
        found = await info.context.loaders.segments.load(str(self.id))
        return [CustomerSegment.from_proto(s) for s in found]

    @strawberry.field(
        description="The lead pool: pool, owner, previous owners with their lost reasons, follow-ups; null "
        "for a customer in no pool (leads service; batched: one call per page of customers)"
    )
    async def pool(self, info: GatewayInfo) -> LeadPoolFacts | None:
        found = await info.context.loaders.lead_facts.load(str(self.id))
        return LeadPoolFacts.from_proto(found) if found is not None else None

    @strawberry.field(
        description=f"Suggestions waiting for a person, from the latest {MAX_CONVERSATIONS} conversations"
    )
    async def pending_suggestions(self, info: GatewayInfo) -> list[TagSuggestion] | None:
        messages = await info.context.loaders.conversations.load((str(self.id), MAX_CONVERSATIONS))
        pending = tags_pb2.SUGGESTION_STATUS_PENDING
        return [
            TagSuggestion.from_proto(s)
            for message in messages
            for s in message.suggestions
            if s.status == pending
        ]

    @strawberry.field(
        description="The customer's deals, newest first, with qualification and signed/paid amounts "
        "(journey service; batched: one call per page of customers)"
    )
    async def deals(self, info: GatewayInfo) -> list[Deal] | None:
        return [Deal.from_proto(d) for d in await info.context.loaders.deals.load(str(self.id))]

    @strawberry.field(
        description="Next steps with the customer: open and overdue by due time, then closed ones; "
        "people other than admins see their own (journey service; batched: one call per page)"
    )
    async def tasks(self, info: GatewayInfo) -> list[Task] | None:
        return [Task.from_proto(t) for t in await info.context.loaders.tasks.load(str(self.id))]


@strawberry.type
class CustomerEdge:
    node: Customer
    cursor: str


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo
