"""Who is calling, for which tenant: read from gRPC metadata once per call and held in a contextvar."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass, field

TENANT_KEY = "x-tenant-id"
CALLER_KEY = "x-caller-id"
ROLES_KEY = "x-caller-roles"
TOKEN_KEY = "x-internal-token"


@dataclass(frozen=True, kw_only=True)
class CallContext:
    """The tenant and caller of the current request; every store call is scoped by `tenant`."""

    tenant: str
    caller: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)

    def outgoing_metadata(self, token: str) -> tuple[tuple[str, str], ...]:
        """Metadata that carries this context to a peer service."""
        return (
            (TENANT_KEY, self.tenant),
            (CALLER_KEY, self.caller),
            (ROLES_KEY, ",".join(sorted(self.roles))),
            (TOKEN_KEY, token),
        )

    @classmethod
    def from_metadata(cls, metadata: Iterable[tuple[str, str | bytes]]) -> CallContext:
        values = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in metadata}
        roles = frozenset(r for r in values.get(ROLES_KEY, "").split(",") if r)
        return cls(tenant=values.get(TENANT_KEY, ""), caller=values.get(CALLER_KEY, ""), roles=roles)


_current: contextvars.ContextVar[CallContext] = contextvars.ContextVar("crm_call_context")


def current_call() -> CallContext:
    """The CallContext of the RPC being served; set by the server interceptor."""
    return _current.get()


def set_current_call(ctx: CallContext) -> contextvars.Token[CallContext]:
    return _current.set(ctx)
