"""Who to call first, and surges as they happen (issue 9): `callList` and `intentSurges`.

Whose: by default the caller's own customers (owner = the token's subject). Another owner, a team
(`ownerIds`) or everyone (`allOwners`) needs a manager's role (`common.roles.SEE_ANY_CALL_LIST`); the
gateway answers FORBIDDEN before any backend call, and the intent service checks the same rule again.
`gateway.schema` mixes these into its root types.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from crm.intent.v1 import intent_pb2

from common.roles import SEE_ANY_CALL_LIST, allows, ordered
from common.timeutil import from_ms, from_timestamp
from gateway.context import GatewayInfo
from gateway.errors import FORBIDDEN, GatewayError, bad_user_input
from gateway.paging import page_after
from gateway.permissions import requires
from gateway.subscriptions import caller_events
from gateway.types.customer import Customer
from gateway.types.enums import IntentLevel, from_proto_enum
from gateway.types.intent import IntentSurge, SurgingType
from gateway.types.pagination import PageInfo
from gateway.validation import require_page_size

SURGED = "crm.intent.surged.v1"
DEFAULT_CALLS = 20
MAX_OWNERS = 50


@strawberry.type(description="One customer to call, with why")
class CallListEntry:
    customer: Customer
    owner_id: strawberry.ID | None
    rank: float = strawberry.field(description="score × surge freshness: the list's order")
    score: float = strawberry.field(description="0-100, decayed to the list's instant (asOf)")
    level: IntentLevel | None
    reason: str = strawberry.field(
        description="The surge's reason while it is open, else what the level rests on"
    )
    surge: IntentSurge | None
    last_contact_at: datetime | None
    last_signal_at: datetime | None

    @classmethod
    def from_proto(cls, message: intent_pb2.CallListEntry) -> CallListEntry:
        return cls(
            customer=Customer(id=strawberry.ID(message.customer_id)),
            owner_id=strawberry.ID(message.owner_id) if message.owner_id else None,
            rank=message.rank,
            score=message.score,
            level=from_proto_enum(IntentLevel, message.level),
            reason=message.reason,
            surge=IntentSurge.from_proto(message.surge) if message.HasField("surge") else None,
            last_contact_at=from_timestamp(message.last_contact_at)
            if message.HasField("last_contact_at")
            else None,
            last_signal_at=from_timestamp(message.last_signal_at)
            if message.HasField("last_signal_at")
            else None,
        )


@strawberry.type
class CallListEdge:
    node: CallListEntry
    cursor: str


@strawberry.type(description="Customers to call first, highest rank first; every page ranked at asOf")
class CallListConnection:
    edges: list[CallListEdge]
    page_info: PageInfo
    as_of: datetime | None
    candidates_truncated: bool = strawberry.field(
        description="More customers were open than one list ranks; narrow the owners"
    )


@strawberry.type(description="A customer's intent surged: sales should hear it while it is hot")
class IntentSurgeEvent:
    customer: Customer
    owner_id: strawberry.ID | None
    reason: str
    score: float
    level: IntentLevel | None
    window_days: int
    types: list[SurgingType]
    surged_at: datetime | None

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> IntentSurgeEvent:
        owner = data.get("owner_id")
        level = str(data.get("level") or "")
        at = data.get("surged_at_ms")
        return cls(
            customer=Customer(id=strawberry.ID(str(data.get("customer_id", "")))),
            owner_id=strawberry.ID(owner) if isinstance(owner, str) and owner else None,
            reason=str(data.get("reason", "")),
            score=float(data.get("score") or 0.0),
            level=IntentLevel(level) if level in {v.value for v in IntentLevel} else None,
            window_days=int(data.get("window_days") or 0),
            types=[
                SurgingType(
                    type=str(t.get("type", "")),
                    label=str(t.get("label", "")),
                    count=int(t.get("count", 0)),
                    usual=float(t.get("usual", 0.0)),
                )
                for t in data.get("types") or []
                if isinstance(t, dict)
            ],
            surged_at=from_ms(at) if isinstance(at, int) else None,
        )


def whose(
    info: GatewayInfo, owner_id: strawberry.ID | None, owner_ids: list[strawberry.ID] | None, all_owners: bool
) -> tuple[list[str], bool]:
    """(owner ids, all owners) the caller may see; FORBIDDEN for someone else's without a manager's role."""
    principal = info.context.authenticated()
    asked = [str(owner_id)] if owner_id is not None else []
    asked += [str(o) for o in owner_ids or []]
    for i, owner in enumerate(asked):
        if not owner.strip() or len(owner) > 64:
            field = "ownerId" if owner_id is not None and i == 0 else "ownerIds"
            raise bad_user_input(
                f"{field} must be 1-64 characters", fields=[{"field": field, "message": "1-64 characters"}]
            )
    if len(asked) > MAX_OWNERS:
        message = f"at most {MAX_OWNERS} owners per list"
        raise bad_user_input(message, fields=[{"field": "ownerIds", "message": message}])
    if all_owners and asked:
        message = "give ownerId/ownerIds or allOwners, not both"
        raise bad_user_input(message, fields=[{"field": "allOwners", "message": message}])
    if (all_owners or set(asked) - {principal.subject}) and not allows(SEE_ANY_CALL_LIST, principal.roles):
        raise GatewayError(
            "only a manager (admin) may see another owner's customers; leave ownerId out for your own",
            code=FORBIDDEN,
            requiredRoles=[r for r in ordered(SEE_ANY_CALL_LIST) if r != "platform"],
        )
    return list(dict.fromkeys(asked)) or ([] if all_owners else [principal.subject]), all_owners


@strawberry.type
class IntentCallQuery:
    @strawberry.field(
        description="Who to call first: customers whose intent is newer than their last contact, ranked by "
        "score × surge freshness, each with its reason. Your own by default; another owner's, a team's "
        "(ownerIds) or everyone's (allOwners) for managers",
        extensions=requires("Query.callList"),
    )
    async def call_list(
        self,
        info: GatewayInfo,
        owner_id: strawberry.ID | None = None,
        owner_ids: list[strawberry.ID] | None = None,
        all_owners: bool = False,
        first: int = DEFAULT_CALLS,
        after: str | None = None,
    ) -> CallListConnection:
        context = info.context
        maximum = context.settings.max_page_size
        first = require_page_size(first, maximum=maximum)
        owners, everyone = whose(info, owner_id, owner_ids, all_owners)
        as_of: list[datetime | None] = [None]
        truncated = [False]

        async def fetch(token: str, size: int) -> tuple[list[intent_pb2.CallListEntry], str]:
            request = intent_pb2.ListCallListRequest(
                owner_ids=owners, all_owners=everyone, page_size=size, page_token=token
            )
            reply = await context.caller.call("intent", "ListCallList", request)
            as_of[0] = from_timestamp(reply.as_of)
            truncated[0] = reply.candidates_truncated
            return list(reply.entries), reply.next_page_token

        page = await page_after(fetch, first=first, after=after, max_skip=maximum)
        return CallListConnection(
            edges=[CallListEdge(node=CallListEntry.from_proto(e), cursor=c) for e, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            as_of=as_of[0],
            candidates_truncated=truncated[0],
        )


@strawberry.type
class IntentCallSubscription:
    @strawberry.subscription(
        description="Intent surges as they are detected: your own customers' by default; another owner's, "
        "a team's (ownerIds) or everyone's (allOwners) for managers",
        extensions=requires("Subscription.intentSurges"),
    )
    async def intent_surges(
        self,
        info: GatewayInfo,
        owner_id: strawberry.ID | None = None,
        owner_ids: list[strawberry.ID] | None = None,
        all_owners: bool = False,
    ) -> AsyncGenerator[IntentSurgeEvent, None]:
        owners, everyone = whose(info, owner_id, owner_ids, all_owners)
        wanted = set(owners)
        async for event in caller_events(info):
            data = event.get("data")
            if event.get("type") != SURGED or not isinstance(data, dict):
                continue
            if not everyone and data.get("owner_id") not in wanted:
                continue
            yield IntentSurgeEvent.from_event_data(data)
