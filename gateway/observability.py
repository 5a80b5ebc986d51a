"""One schema extension per operation: a trace span, metrics, the cost limit and the error policy.

The span (`graphql <operation>`) is current while resolvers run, so backend calls (and the NATS
publishes and consumers behind them) join the operation's trace. Errors leave with a stable
`extensions.code`; anything unexpected is logged and replaced by a generic INTERNAL error, so
clients never see stack traces or internal messages. The operation's cost (`gateway.cost`) is
checked after validation and before execution, so a refused operation calls no backend.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from graphql import FragmentDefinitionNode, GraphQLError, get_operation_ast
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from common.telemetry import tracer
from gateway.cost import operation_cost, too_costly
from gateway.errors import INTERNAL, INTERNAL_MESSAGE, SERVICE_UNAVAILABLE, error_code
from gateway.metrics import GatewayMetrics

log = logging.getLogger(__name__)
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


class OperationObserver(SchemaExtension):
    """Trace, time and count each operation; normalise its errors. Built per request via `factory`."""

    def __init__(self, *, metrics: GatewayMetrics | None, max_cost: int | None = None) -> None:
        super().__init__()
        self._metrics = metrics
        self._max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        """Refuse an operation that would cost more than the maximum before any resolver runs."""
        ctx = self.execution_context
        document = ctx.graphql_document
        if self._max_cost is not None and document is not None:
            operation = get_operation_ast(document, ctx.operation_name)
            if operation is not None:
                fragments = {
                    d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
                }
                cost = operation_cost(ctx.schema._schema, operation, fragments, ctx.variables)
                if cost > self._max_cost:
                    raise too_costly(cost, self._max_cost)
        yield

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        start_operation = getattr(self.execution_context.context, "start_operation", None)
        if callable(start_operation):
            start_operation()
        with tracer().start_as_current_span("graphql", kind=SpanKind.SERVER) as span:
            escaped: list[GraphQLError] = []
            try:
                yield
            except GraphQLError as err:
                # Some failures (e.g. the token limit while parsing) leave the operation as an
                # exception that strawberry turns into the response error as is: label it in place.
                escaped = [err]
                raise
            finally:
                self._finish(span, started=started, escaped=escaped)

    def _finish(self, span: Span, *, started: float, escaped: list[GraphQLError]) -> None:
        ctx = self.execution_context
        kind = _operation_kind(ctx)
        name = ctx.operation_name or "anonymous"
        span.update_name(f"graphql {name}")
        span.set_attribute("graphql.operation.name", name)
        span.set_attribute("graphql.operation.type", kind)
        principal = getattr(ctx.context, "principal", None)
        if principal is not None:
            span.set_attribute("crm.tenant.id", principal.tenant)
        result = ctx.result
        if escaped:
            errors = classify_errors(escaped)
        elif result is not None:
            errors = classify_errors(list(result.errors or []))
            result.errors = errors or None
        else:
            # Validation failures end the operation before a result exists; their error objects
            # are the ones the response will carry, so labelling them in place works.
            errors = classify_errors(list(ctx.pre_execution_errors or []))
        if errors:
            span.set_status(Status(StatusCode.ERROR, errors[0].message))
        if self._metrics is not None:
            for error in errors:
                self._metrics.errors.labels(error_code(error) or INTERNAL).inc()
            self._metrics.observe_operation(
                operation=ctx.operation_name, kind=kind, ok=not errors, seconds=time.perf_counter() - started
            )


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


def _operation_kind(ctx: ExecutionContext) -> str:
    try:
        return ctx.operation_type.value
    except Exception:  # no document (parse failed) or an unknown operation name
        return "unknown"


def current_trace_id() -> str:
    """Hex trace id of the current span ('' outside one); handy in logs and tests."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
