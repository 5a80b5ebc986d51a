"""Roles per GraphQL operation, checked before a resolver makes any backend call.

`OPERATION_ROLES` is the gateway's one table (root field -> roles, from the role sets of
`common.roles`); every root field carries `requires("<Type>.<field>")`, a strawberry permission
that answers FORBIDDEN naming the roles needed. The services check the same rules again per RPC
(defence in depth), and per tag or per provenance where a role alone does not decide.

The reserved `platform` role belongs to internal callers only. A token that carries it is refused
as a whole at the door (`reserved_role_refusal`, HTTP 403 / WebSocket rejection, FORBIDDEN): such a
token means a misconfigured issuer or a forgery, and a loud refusal finds both. As a second line,
the principal whose roles the gateway forwards to the services never holds a reserved role
(`forwardable`), so no end user's call can reach a service as the platform.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from common.roles import (
    ADMIN_ONLY,
    EDIT_LIBRARY,
    EDIT_SEGMENTS,
    READ,
    RESERVED_ROLES,
    WORK_CUSTOMERS,
    WORK_LEADS,
    allows,
    ordered,
)
from gateway.auth import Principal
from gateway.errors import FORBIDDEN, GatewayError

# Any authenticated caller: the federation SDL holds no tenant data.
AUTHENTICATED: frozenset[str] = frozenset()

OPERATION_ROLES: dict[str, frozenset[str]] = {
    "Query._entities": READ,
    "Query._service": AUTHENTICATED,
    "Query.conversation": READ,
    "Query.conversationSuggestions": READ,
    "Query.tagPrecision": READ,
    "Query.conversationSettings": READ,
    "Query.customer": READ,
    "Query.customers": READ,
    "Query.tagLibrary": READ,
    "Query.tagDefinitions": READ,
    "Query.tag": READ,
    "Query.deadTags": READ,
    "Query.tagMerge": READ,
    "Mutation.updateTag": EDIT_LIBRARY,
    "Mutation.renameTag": EDIT_LIBRARY,
    "Mutation.deprecateTag": EDIT_LIBRARY,
    "Mutation.archiveTag": EDIT_LIBRARY,
    "Mutation.restoreTag": EDIT_LIBRARY,
    "Mutation.archiveTags": EDIT_LIBRARY,
    "Mutation.mergeTags": EDIT_LIBRARY,
    "Mutation.removeTag": WORK_CUSTOMERS,
    "Mutation.ingestConversation": WORK_CUSTOMERS,
    "Mutation.reviewSuggestion": WORK_CUSTOMERS,
    "Mutation.reextractConversation": WORK_CUSTOMERS | EDIT_LIBRARY,
    "Mutation.updateConversationSettings": ADMIN_ONLY,
    "Mutation.createCustomer": WORK_CUSTOMERS,
    "Mutation.defineTag": EDIT_LIBRARY,
    "Mutation.assignTags": WORK_CUSTOMERS,
    "Mutation.recordTouchpoint": WORK_CUSTOMERS,
    "Mutation.ingestSignals": WORK_CUSTOMERS,
    "Query.segmentPreview": READ,
    "Query.segments": READ,
    "Query.segment": READ,
    "Query.explainSegment": READ,
    "Mutation.createSegment": EDIT_SEGMENTS,
    "Mutation.updateSegment": EDIT_SEGMENTS,
    "Mutation.deleteSegment": EDIT_SEGMENTS,
    "Subscription.segmentMembership": READ,
    "Subscription.suggestionAdded": READ,
    "Subscription.customerEvents": READ,
    "Query.intentModel": READ,
    "Query.intentModelVersions": READ,
    "Mutation.updateIntentModel": ADMIN_ONLY,
    "Query.intentDataMigration": ADMIN_ONLY,
    "Query.callList": READ,
    "Subscription.intentSurges": READ,
    "Query.pools": READ,
    "Query.pool": READ,
    "Query.myLeads": WORK_LEADS,
    "Query.missedCallbacks": WORK_LEADS,
    "Mutation.definePool": ADMIN_ONLY,
    "Mutation.addLeadsToPool": ADMIN_ONLY,
    "Mutation.claimLead": WORK_LEADS,
    "Mutation.releaseLead": WORK_LEADS,
    "Mutation.recordFollowUp": WORK_LEADS,
    "Mutation.promiseCallback": WORK_LEADS,
    "Subscription.callbacksDue": READ,
    "Subscription.leadsReleased": READ,
    # Issue 11 profiles: people who work customers change them; merges and channel costs are the
    # manager's (admin); analytics are reads.
    "Mutation.updateCustomer": WORK_CUSTOMERS,
    "Mutation.setCustomerStatus": WORK_CUSTOMERS,
    "Mutation.mergeCustomers": ADMIN_ONLY,
    "Mutation.setChannelCost": ADMIN_ONLY,
    "Query.channelAnalytics": READ,
    "Query.recoverLeads": READ,
    # Deals and tasks (docs/deals-and-tasks.md); owner-or-admin is checked by the journey service.
    "Query.deal": READ,
    "Query.tasks": READ,
    "Query.dealRevenue": READ,
    "Mutation.createDeal": WORK_CUSTOMERS,
    "Mutation.qualifyDeal": WORK_CUSTOMERS,
    "Mutation.markDealSigned": WORK_CUSTOMERS,
    "Mutation.markDealPaid": WORK_CUSTOMERS,
    "Mutation.createTask": WORK_CUSTOMERS,
    "Mutation.updateTask": WORK_CUSTOMERS,
    "Mutation.completeTask": WORK_CUSTOMERS,
    "Mutation.cancelTask": WORK_CUSTOMERS,
    "Subscription.taskReminders": READ,
    # Journey definitions, the funnel and stale deals (issue 10): admins design journeys.
    "Query.journeys": READ,
    "Query.journey": READ,
    "Query.funnel": READ,
    "Query.funnelOverTime": READ,
    "Query.staleDeals": READ,
    "Mutation.defineJourney": ADMIN_ONLY,
    "Mutation.updateJourney": ADMIN_ONLY,
    "Mutation.setDefaultJourney": ADMIN_ONLY,
}


def forbidden(operation: str, needed: frozenset[str], held: frozenset[str]) -> GatewayError:
    """FORBIDDEN naming the operation, the roles it needs (also as `requiredRoles`) and those held."""
    names = ordered(needed)
    field = operation.split(".", 1)[-1]
    have = ", ".join(ordered(held)) or "none"
    return GatewayError(
        f"{field} needs one of the roles {', '.join(names)}; you have {have}",
        code=FORBIDDEN,
        requiredRoles=names,
    )


def check_operation(operation: str, principal: Principal) -> None:
    """Raise FORBIDDEN unless `principal` may run `operation`; an operation without a row is refused."""
    needed = OPERATION_ROLES.get(operation)
    if needed is None:
        raise GatewayError(f"{operation} has no role rule; refused", code=FORBIDDEN)
    if needed and not allows(needed, principal.roles - RESERVED_ROLES):
        raise forbidden(operation, needed, principal.roles)


class RequireRoles(BasePermission):
    """The strawberry permission of one root field, looked up by its `<Type>.<field>` name."""

    def __init__(self, operation: str) -> None:
        if operation not in OPERATION_ROLES:
            raise KeyError(f"{operation} has no row in OPERATION_ROLES")
        self.operation = operation

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # Raises rather than returns False, so the message can name what the caller holds.
        check_operation(self.operation, info.context.authenticated())
        return True


def requires(operation: str) -> list[FieldExtension]:
    """Field extensions that guard a root field; `use_directives=False` keeps the printed SDL clean."""
    return [PermissionExtension([RequireRoles(operation)], use_directives=False)]


def reserved_role_refusal(principal: Principal) -> str | None:
    """Why a verified token must still be refused (it claims a reserved role), or None if it may pass."""
    claimed = principal.roles & RESERVED_ROLES
    if not claimed:
        return None
    return (
        f"tokens may not carry the reserved role {', '.join(sorted(claimed))}: it belongs to internal "
        "callers, never to a person"
    )


def forwardable(principal: Principal) -> Principal:
    """The principal as forwarded to the services: never with a reserved role."""
    if principal.roles.isdisjoint(RESERVED_ROLES):
        return principal
    return replace(principal, roles=principal.roles - RESERVED_ROLES)
