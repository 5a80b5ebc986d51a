"""Who may call what: the role names, the role sets, and the per-RPC table the services enforce.

One table, checked in one place: `CallContextInterceptor` looks up every RPC here before the servicer
runs, so a method without a row is refused (fail closed). The gateway keeps its own per-operation
table (`gateway.permissions`) built from the same role sets, and `docs/authorization.md` prints both;
a test holds the three in agreement.

`platform` is the internal caller: the services' own consumers, peers, the seed and ops tools that
hold the internal token. It is the only caller that may set machine provenance or define system
tags. The gateway never forwards it from an end user's token (`gateway.permissions`).
"""

from __future__ import annotations

from collections.abc import Iterable

from common.context import CallContext
from common.errors import PermissionDenied

ADMIN = "admin"
TAG_ADMIN = "tag_admin"
MARKETING = "marketing"
SALES = "sales"
SDR = "sdr"
CS = "cs"
VIEWER = "viewer"
PLATFORM = "platform"

END_USER_ROLES = (ADMIN, TAG_ADMIN, MARKETING, SALES, SDR, CS, VIEWER)
RESERVED_ROLES = frozenset({PLATFORM})

# Everyone with a role may read their tenant's data; a viewer does nothing else.
READ = frozenset(END_USER_ROLES)
# People who work customers: create them, tag them, record what happened with them.
WORK_CUSTOMERS = frozenset({ADMIN, MARKETING, SALES, SDR, CS})
# The governed tag library is changed by its stewards only, whatever each tag's assign roles say.
EDIT_LIBRARY = frozenset({ADMIN, TAG_ADMIN})
ADMIN_ONLY = frozenset({ADMIN})
# Saved segments are audiences people build for their work: the library's stewards and the people
# who run campaigns and sell. Each segment is then changed by its owner or an admin/tag_admin only.
EDIT_SEGMENTS = frozenset({ADMIN, TAG_ADMIN, MARKETING, SALES})
# Who to call first (issue 9): the people who work customers see their own call list and surges; a
# manager sees any owner's, a team's or everyone's. Managers are admins in this role model (a
# `sales_manager` role would join this set).
SEE_ANY_CALL_LIST = frozenset({ADMIN, PLATFORM})
# The lead pool (issue 11): reps claim, release and follow up their own leads; an admin anyone's.
WORK_LEADS = frozenset({ADMIN, SALES, SDR})


def _with_platform(roles: frozenset[str]) -> frozenset[str]:
    return roles | RESERVED_ROLES


_TAGS = "/crm.tags.v1.TagsService/"
_JOURNEY = "/crm.journey.v1.JourneyService/"
_INTENT = "/crm.intent.v1.IntentService/"
_LEADS = "/crm.leads.v1.LeadsService/"
_SEGMENTS = "/crm.tags.v1.SegmentsService/"
_POOL = "/crm.leads.v1.LeadPoolService/"
_RECOVERY = "/crm.leads.v1.RecoveryService/"

# RPC full name -> the roles of which the caller needs one. The platform does what machines do
# (reads, ingest, machine tags, system definitions); decisions reserved to people (reviewing a
# suggestion, the listening settings) need a person with the role.
RPC_ROLES: dict[str, frozenset[str]] = {
    _TAGS + "DefineTag": _with_platform(EDIT_LIBRARY),
    _TAGS + "ListTagDefinitions": _with_platform(READ),
    _TAGS + "AssignTags": _with_platform(WORK_CUSTOMERS),
    _TAGS + "RemoveTag": _with_platform(WORK_CUSTOMERS),
    _TAGS + "ListCustomerTags": _with_platform(READ),
    _TAGS + "BatchListCustomerTags": _with_platform(READ),
    _TAGS + "ListTagHistory": _with_platform(READ),
    _TAGS + "GetTag": _with_platform(READ),
    _TAGS + "UpdateTag": _with_platform(EDIT_LIBRARY),
    _TAGS + "SetTagStatus": _with_platform(EDIT_LIBRARY),
    _TAGS + "ArchiveTags": _with_platform(EDIT_LIBRARY),
    _TAGS + "ListDeadTags": _with_platform(READ),
    _TAGS + "MergeTags": _with_platform(EDIT_LIBRARY),
    _TAGS + "GetTagMerge": _with_platform(READ),
    _TAGS + "IngestConversation": _with_platform(WORK_CUSTOMERS),
    _TAGS + "ReextractConversation": _with_platform(WORK_CUSTOMERS | EDIT_LIBRARY),
    _TAGS + "GetConversation": _with_platform(READ),
    _TAGS + "ListConversations": _with_platform(READ),
    _TAGS + "BatchListConversations": _with_platform(READ),
    _TAGS + "ListSuggestions": _with_platform(READ),
    _TAGS + "ReviewSuggestion": WORK_CUSTOMERS,
    _TAGS + "GetTagPrecision": _with_platform(READ),
    _TAGS + "GetConversationSettings": _with_platform(READ),
    _TAGS + "UpdateConversationSettings": ADMIN_ONLY,
    _SEGMENTS + "PreviewSegment": _with_platform(READ),
    _SEGMENTS + "CreateSegment": _with_platform(EDIT_SEGMENTS),
    _SEGMENTS + "UpdateSegment": _with_platform(EDIT_SEGMENTS),
    _SEGMENTS + "DeleteSegment": _with_platform(EDIT_SEGMENTS),
    _SEGMENTS + "GetSegment": _with_platform(READ),
    _SEGMENTS + "ListSegments": _with_platform(READ),
    _SEGMENTS + "ListSegmentMembers": _with_platform(READ),
    _SEGMENTS + "ExplainSegment": _with_platform(READ),
    _SEGMENTS + "ListMembershipHistory": _with_platform(READ),
    _SEGMENTS + "BatchGetCustomerSegments": _with_platform(READ),
    _SEGMENTS + "CountTagFeatures": _with_platform(READ),
    _SEGMENTS + "ListExpressionMembers": _with_platform(READ),
    _JOURNEY + "RecordTouchpoint": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "ListTimeline": _with_platform(READ),
    _JOURNEY + "BatchGetProgress": _with_platform(READ),
    # Deals and tasks (docs/deals-and-tasks.md): changed by their owner or an admin (checked inside).
    _JOURNEY + "CreateDeal": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "QualifyDeal": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "MarkDealWon": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "GetDeal": _with_platform(READ),
    _JOURNEY + "BatchListDeals": _with_platform(READ),
    _JOURNEY + "SumDealRevenue": _with_platform(READ),
    _JOURNEY + "CreateTask": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "UpdateTask": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "CompleteTask": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "CancelTask": _with_platform(WORK_CUSTOMERS),
    _JOURNEY + "ListTasks": _with_platform(READ),
    _JOURNEY + "BatchListTasks": _with_platform(READ),
    # Journey definitions, the funnel and stale deals (issue 10): admins design journeys.
    _JOURNEY + "ListJourneys": _with_platform(READ),
    _JOURNEY + "GetJourney": _with_platform(READ),
    _JOURNEY + "DefineJourney": ADMIN_ONLY,
    _JOURNEY + "UpdateJourney": ADMIN_ONLY,
    _JOURNEY + "SetDefaultJourney": ADMIN_ONLY,
    _JOURNEY + "GetFunnel": _with_platform(READ),
    _JOURNEY + "GetFunnelOverTime": _with_platform(READ),
    _JOURNEY + "ListStaleDeals": _with_platform(READ),
    _JOURNEY + "BatchGetJourneyProgress": _with_platform(READ),
    _INTENT + "IngestSignals": _with_platform(WORK_CUSTOMERS),
    _INTENT + "GetScore": _with_platform(READ),
    _INTENT + "BatchGetScores": _with_platform(READ),
    _INTENT + "ListScoreHistory": _with_platform(READ),
    _INTENT + "GetIntentModel": _with_platform(READ),
    _INTENT + "ListIntentModelVersions": _with_platform(READ),
    _INTENT + "UpdateIntentModel": ADMIN_ONLY,
    _INTENT + "GetDataMigration": ADMIN_ONLY,
    _INTENT + "ListCallList": _with_platform(READ),
    _LEADS + "CreateCustomer": _with_platform(WORK_CUSTOMERS),
    _LEADS + "GetCustomer": _with_platform(READ),
    _LEADS + "BatchGetCustomers": _with_platform(READ),
    _LEADS + "ListCustomers": _with_platform(READ),
    _POOL + "DefinePool": _with_platform(ADMIN_ONLY),
    _POOL + "ListPools": _with_platform(READ),
    _POOL + "AddLeads": _with_platform(ADMIN_ONLY),
    _POOL + "ClaimLead": WORK_LEADS,
    _POOL + "ReleaseLead": _with_platform(WORK_LEADS),
    _POOL + "RecordFollowUp": WORK_LEADS,
    _POOL + "PromiseCallback": WORK_LEADS,
    _POOL + "ListPoolLeads": _with_platform(READ),
    _POOL + "ListMyLeads": _with_platform(WORK_LEADS),
    _POOL + "BatchGetLeadFacts": _with_platform(READ),
    _POOL + "ListMissedCallbacks": _with_platform(WORK_LEADS),
    # Issue 11 profiles: people who work customers change them; merging and channel costs are a
    # manager's (admin) decision; analytics and history are reads.
    _LEADS + "UpdateCustomer": _with_platform(WORK_CUSTOMERS),
    _LEADS + "SetCustomerStatus": _with_platform(WORK_CUSTOMERS),
    _LEADS + "ListProfileHistory": _with_platform(READ),
    _LEADS + "MergeCustomers": _with_platform(ADMIN_ONLY),
    _LEADS + "SetChannelCost": ADMIN_ONLY,
    _LEADS + "GetChannelAnalytics": _with_platform(READ),
    # Recovery search reads profiles and tags only; reps use it to find leads worth claiming.
    _RECOVERY + "RecoverLeads": _with_platform(READ),
}


def ordered(roles: Iterable[str]) -> list[str]:
    """Roles in the order of END_USER_ROLES, then platform, then any others by name (for messages)."""
    rank = {r: i for i, r in enumerate((*END_USER_ROLES, PLATFORM))}
    return sorted(set(roles), key=lambda r: (rank.get(r, len(rank)), r))


def allows(needed: frozenset[str], held: Iterable[str]) -> bool:
    """True when the caller holds at least one of the `needed` roles."""
    return not needed.isdisjoint(held)


def require_rpc_roles(method: str, call: CallContext) -> None:
    """Raise PermissionDenied unless `call` holds a role the RPC `method` needs; unknown RPCs are refused.

    The details name the RPC and the roles needed (ErrorInfo metadata `rpc`, `required_roles`), so a
    client or an operator reading the status knows what to ask for.
    """
    needed = RPC_ROLES.get(method)
    if needed is None:
        raise PermissionDenied(f"{method} has no role rule; refused", metadata={"rpc": method})
    if not allows(needed, call.roles):
        names = ", ".join(ordered(needed))
        held = ", ".join(ordered(call.roles)) or "none"
        raise PermissionDenied(
            f"{method.rsplit('/', 1)[-1]} needs one of the roles {names}; the caller has {held}",
            metadata={"rpc": method, "required_roles": ",".join(ordered(needed))},
        )


def acting_roles(call: CallContext) -> frozenset[str] | None:
    """The roles a use case acts with: None for the platform (the convention of the consumers), else
    the caller's roles, so per-tag and provenance rules apply to people only."""
    return None if PLATFORM in call.roles else call.roles


def is_platform(call: CallContext) -> bool:
    return PLATFORM in call.roles
