"""GraphQL errors with a stable `extensions.code`, and the mapping from backend gRPC statuses.

Clients branch on `extensions.code`, never on messages: BAD_USER_INPUT (with `fields`), NOT_FOUND,
CONFLICT (with `existingCustomerId` for a duplicate, or `retryable: true` when concurrent writers
kept changing the record), FORBIDDEN, UNAUTHENTICATED, SERVICE_UNAVAILABLE (with `service`),
DEADLINE_EXCEEDED (with `budgetSeconds`), QUERY_TOO_COSTLY (with `cost` and `maximumCost`, see
`gateway.cost`) and INTERNAL, whose message is deliberately generic so no internals leak.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc
from graphql import GraphQLError

from common.grpc_client import error_metadata, field_violations

log = logging.getLogger(__name__)

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
CONFLICT = "CONFLICT"
FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL = "INTERNAL"
DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
INTERNAL_MESSAGE = "internal error"
# ErrorInfo metadata keys under which a service may name the record a duplicate collides with.
_EXISTING_ID_KEYS = ("existing_customer_id", "customer_id", "existing_id")


class GatewayError(GraphQLError):
    """A GraphQL error whose extensions carry `code` and any structured detail."""

    def __init__(self, message: str, *, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **extensions})

    @property
    def code(self) -> str:
        return str((self.extensions or {}).get("code", INTERNAL))


def bad_user_input(message: str, *, fields: list[dict[str, str]] | None = None) -> GatewayError:
    if fields:
        return GatewayError(message, code=BAD_USER_INPUT, fields=fields)
    return GatewayError(message, code=BAD_USER_INPUT)


def not_found(message: str) -> GatewayError:
    return GatewayError(message, code=NOT_FOUND)


def unauthenticated(message: str) -> GatewayError:
    return GatewayError(message, code=UNAUTHENTICATED)


def service_unavailable(service: str) -> GatewayError:
    return GatewayError(
        f"the {service} service is unavailable; try again shortly", code=SERVICE_UNAVAILABLE, service=service
    )


def deadline_exceeded(budget_seconds: float | None) -> GatewayError:
    """The operation's time budget ran out before this part could be fetched."""
    extra = {"budgetSeconds": round(budget_seconds, 3)} if budget_seconds is not None else {}
    return GatewayError(
        "the operation ran out of its time budget before this part could be fetched",
        code=DEADLINE_EXCEEDED,
        **extra,
    )


def internal() -> GatewayError:
    return GatewayError(INTERNAL_MESSAGE, code=INTERNAL)


def from_rpc_error(err: grpc.aio.AioRpcError, *, service: str) -> GatewayError:
    """Translate a failed backend call into the GraphQL error a client should see."""
    code = err.code()
    message = err.details() or code.name.lower()
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        fields = [{"field": f, "message": d} for f, d in field_violations(err)]
        error = bad_user_input(message, fields=fields)
        position = _text_position(error_metadata(err))
        if position and error.extensions is not None:
            # Where typed text went wrong (a segment expression): 1-based line and column, 0-based offset.
            error.extensions.update(position)
        return error
    if code == grpc.StatusCode.NOT_FOUND:
        return not_found(message)
    if code == grpc.StatusCode.ALREADY_EXISTS:
        info = error_metadata(err)
        existing = next((info[k] for k in _EXISTING_ID_KEYS if info.get(k)), "")
        extra: dict[str, Any] = {"existingCustomerId": existing} if existing else {}
        return GatewayError(message, code=CONFLICT, **extra, **_fields_of(err))
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        # The request is well formed but the record's state forbids it (a merged tag, a transition).
        # `why` (a lost claim of a pool lead: already_claimed, limit_reached, …) becomes `reason`.
        why = error_metadata(err).get("why")
        return GatewayError(message, code=CONFLICT, **({"reason": why} if why else {}), **_fields_of(err))
    if code == grpc.StatusCode.ABORTED:
        # Optimistic concurrency gave up under contention; nothing changed and the same call may be retried.
        return GatewayError(message, code=CONFLICT, retryable=True)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return GatewayError(message, code=FORBIDDEN)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        # A peer refusing the gateway is a deployment fault, not the end user's; say so generically.
        log.error("%s rejected the gateway's credentials: %s", service, message)
        return unauthenticated("the gateway could not authenticate to a backend service")
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return service_unavailable(service)
    log.error("%s failed with %s: %s", service, code.name, message)
    return internal()


def _fields_of(err: grpc.aio.AioRpcError) -> dict[str, Any]:
    fields = [{"field": f, "message": d} for f, d in field_violations(err)]
    return {"fields": fields} if fields else {}


def _text_position(info: dict[str, str]) -> dict[str, int]:
    position: dict[str, int] = {}
    for key in ("line", "column", "offset"):
        if info.get(key, "").isdigit():
            position[key] = int(info[key])
    return position


def error_code(error: GraphQLError) -> str | None:
    """The `extensions.code` of an error, if it has one."""
    code = (error.extensions or {}).get("code")
    return str(code) if code else None
