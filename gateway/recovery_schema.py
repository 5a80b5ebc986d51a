"""Recovery search (issue 11 point 5): `recoverLeads`, leads worth another try, best look-alikes first.

The leads service does the work (services/leads/recovery.py): the tag expression is evaluated by the
tags service's segment index, and each candidate is scored by how much its tags look like the won
customers' tags (per-tag lift), with the lines that explain it. The profiles come in the same reply
and are primed into the request's profile DataLoader, so `customer { profile }` costs no extra call.
`gateway.schema` mixes `RecoveryQuery` into the root query.
"""

from __future__ import annotations

import strawberry
from crm.leads.v1 import recovery_pb2

from gateway.context import GatewayInfo
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.types.customer import Customer
from gateway.types.pagination import PageInfo
from gateway.validation import require_page_size

DEFAULT_RECOVERED = 20
MAX_RECOVERED = 100  # the leads service's page limit


@strawberry.type(description="How one tag of the lead compares between won customers and all customers")
class LookalikeReason:
    tag_key: str
    value: str | None = strawberry.field(description="The enum value; null when the reason is having the tag")
    tag_name: str
    lift: float = strawberry.field(
        description="Smoothed P(tag | won) / P(tag | all customers): above 1 more common among won customers"
    )
    won_with: int = strawberry.field(description="Won customers with this tag")
    customers_with: int = strawberry.field(description="Customers with this tag")
    text: str = strawberry.field(description='e.g. "有店铺: 3.1× more common among won customers"')

    @classmethod
    def from_proto(cls, message: recovery_pb2.TagLift) -> LookalikeReason:
        return cls(
            tag_key=message.tag_key,
            value=message.value or None,
            tag_name=message.tag_name,
            lift=message.lift,
            won_with=message.won_with,
            customers_with=message.customers_with,
            text=message.text,
        )


@strawberry.type(description="A lead worth recovering, with how much it looks like the won customers")
class RecoveredLead:
    customer: Customer
    score: float = strawberry.field(
        description="Σ ln(lift) over the lead's tags: 0 no evidence, above 0 like won customers, below unlike"
    )
    reasons: list[LookalikeReason] = strawberry.field(description="The strongest reasons first (at most 5)")


@strawberry.type
class RecoveredLeadEdge:
    node: RecoveredLead
    cursor: str


@strawberry.type(description="Leads matching a tag expression, best fit with won customers first")
class RecoveredLeadConnection:
    edges: list[RecoveredLeadEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Candidates matching the expression")
    won_customers: int = strawberry.field(description="Won customers the lifts were measured against")
    expression: str = strawberry.field(description="The expression searched, in canonical text")
    won_expression: str = strawberry.field(description='The tag expression that defines "won" today')


@strawberry.type
class RecoveryQuery:
    @strawberry.field(
        description="Leads to recover (today: every customer not won) whose tags match `expression` (segment "
        "text; empty or null: all), ranked by a look-alike fit score against the tags of won customers, each "
        "with its per-tag lift explanation. A syntax error is BAD_USER_INPUT with its line and column",
        extensions=requires("Query.recoverLeads"),
    )
    async def recover_leads(
        self,
        info: GatewayInfo,
        expression: str | None = None,
        first: int = DEFAULT_RECOVERED,
        after: str | None = None,
    ) -> RecoveredLeadConnection:
        context = info.context
        first = require_page_size(first, maximum=MAX_RECOVERED)
        about: list[recovery_pb2.RecoverLeadsResponse] = []

        async def fetch(token: str, size: int) -> tuple[list[recovery_pb2.RecoveredLead], str]:
            request = recovery_pb2.RecoverLeadsRequest(
                expression=expression or "", page_size=min(size, MAX_RECOVERED), page_token=token
            )
            reply = await context.caller.call("recovery", "RecoverLeads", request)
            about.append(reply)
            return list(reply.leads), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=MAX_RECOVERED)
        edges = []
        for lead, cursor in page.edges:
            context.loaders.profiles.prime(lead.customer.id, lead.customer)
            node = RecoveredLead(
                customer=Customer.from_proto(lead.customer),
                score=lead.score,
                reasons=[LookalikeReason.from_proto(r) for r in lead.reasons],
            )
            edges.append(RecoveredLeadEdge(node=node, cursor=cursor))
        reply = about[-1]
        return RecoveredLeadConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=reply.total,
            won_customers=reply.won_customers,
            expression=reply.expression,
            won_expression=reply.won_expression,
        )
