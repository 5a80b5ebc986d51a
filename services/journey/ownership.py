"""Who may work which deals and tasks: their owner, or a manager.

Sales people (`sales`, `sdr`, and every other non-admin role that may change customers) work their
own deals and tasks: they create them for themselves, change only their own and list only their
own tasks. `admin` (the tenant's managers) and the platform (the services' own callers) work all
of them and may give a deal or task to someone else. Deals are read by every reader of the tenant
(a team sees its pipeline); the role table (`common.roles.RPC_ROLES`) decides who may call at all.
"""

from __future__ import annotations

from common.context import CallContext
from common.errors import InvalidArgument, PermissionDenied
from common.roles import ADMIN, is_platform


def manages_all(call: CallContext) -> bool:
    """True for admins and the platform: they work everyone's deals and tasks."""
    return is_platform(call) or ADMIN in call.roles


def require_owner_or_manager(call: CallContext, owner_id: str, *, what: str, field: str) -> None:
    """Raise PermissionDenied unless the caller owns `what` or manages all (nothing is written)."""
    if manages_all(call) or (call.caller and call.caller == owner_id):
        return
    raise PermissionDenied(
        f"{what} belongs to {owner_id}; only its owner or an admin may change it",
        field=field,
        metadata={"owner_id": owner_id},
    )


def owner_for(call: CallContext, requested: str, *, field: str) -> str:
    """The owner of a new deal or task: the caller unless a manager names someone else."""
    wanted = requested.strip()
    if not wanted or wanted == call.caller:
        if not call.caller:
            raise InvalidArgument(f"{field}: an owner is required (the call names no caller)", field=field)
        return call.caller
    if manages_all(call):
        return wanted
    raise PermissionDenied(
        f"{field}: only an admin may give work to someone else ({wanted})",
        field=field,
        metadata={"owner_id": wanted},
    )
