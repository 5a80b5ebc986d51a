"""Per operation: the span's name and attributes, metrics, and the error policy.

The span (`graphql <operation>`, opened by `gateway.execution`) is current while resolvers run, so
backend calls (and the NATS publishes and consumers behind them) join the operation's trace. Errors
leave with a stable `extensions.code`; anything unexpected is logged and replaced by a generic
INTERNAL error, so clients never see stack traces or internal messages.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode
from strawberry.types import ExecutionResult

from gateway.errors import INTERNAL, INTERNAL_MESSAGE, SERVICE_UNAVAILABLE, error_code
from gateway.metrics import GatewayMetrics

log = logging.getLogger(__name__)
ANONYMOUS = "anonymous"
OPERATION_NAME = "graphql.operation.name"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def classify_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Give every error a code; mask the ones that did not come from a deliberate GraphQL error."""
    out: list[GraphQLError] = []
    for error in errors:
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            out.append(
                GraphQLError(
                    INTERNAL_MESSAGE,
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": INTERNAL},
                )
            )
            continue
        if error_code(error) is None:
            code = PARSE_FAILED if error.message.startswith("Syntax Error") else VALIDATION_FAILED
            error.extensions = {**(error.extensions or {}), "code": code}
        out.append(error)
    return out


def operation_attributes(name: str | None, kind: str, principal: Any) -> dict[str, str]:
    """The attributes of an operation's span, given when it starts (one call, no lock per attribute)."""
    label = name if isinstance(name, str) and name else ANONYMOUS if not name else str(name)
    attributes = {OPERATION_NAME: label, "graphql.operation.type": kind}
    if principal is not None:
        attributes["crm.tenant.id"] = principal.tenant
    return attributes


def record_operation(
    span: Span,
    metrics: GatewayMetrics | None,
    *,
    result: ExecutionResult,
    name: str | None,
    kind: str,
    seconds: float,
) -> None:
    """Label the operation's errors (masking unexpected ones), mark its span, count and time it."""
    if result.errors:
        errors = classify_errors(list(result.errors))
        result.errors = errors or None
        span.set_status(Status(StatusCode.ERROR, errors[0].message))
        if metrics is not None:
            for error in errors:
                metrics.errors.labels(error_code(error) or INTERNAL).inc()
    if metrics is not None:
        metrics.observe_operation(operation=name, kind=kind, ok=not result.errors, seconds=seconds)


def log_errors(errors: list[GraphQLError]) -> None:
    """Log what operators must look at: unexpected exceptions (with traceback) and backend outages.

    Bad input, NOT_FOUND and the like are answers, not faults: they are counted in metrics only.
    """
    for error in errors:
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            log.error("unexpected error at %s", error.path, exc_info=original)
        elif error_code(error) in (SERVICE_UNAVAILABLE, INTERNAL):
            log.warning("%s at %s: %s", error_code(error), error.path, error.message)


def current_trace_id() -> str:
    """Hex trace id of the current span ('' outside one); handy in logs and tests."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
