"""How the gateway runs an operation: checks before execution, and one span and one count per operation.

Before strawberry executes anything, `LimitedSchema` refuses text that is not valid Unicode, parses
and validates the document through caches (the rules are built once per schema, so a repeated
document is parsed and validated once), and prices the operation with its variables
(`gateway.cost`): one that costs more than the maximum gets QUERY_TOO_COSTLY and calls nothing.
A valid document is handed to strawberry already parsed and validated.

This is done here rather than in strawberry schema extensions because every extension is
instantiated and asked for each hook on every operation; with none, a trivial query costs what
strawberry itself costs (bench/gateway.py measures it).

What a query or mutation costs per request, beyond resolving it, is kept small:
- a document sent without variables is prepared once: the Unicode check, parse, validation and
  cost of the same text give the same answer every time, so the whole `Prepared` is remembered
  (`PREPARED_CACHE_SIZE` documents of at most `PREPARED_CACHE_MAX_CHARS` characters);
- a prepared query or mutation goes straight to graphql-core's `execute` with strawberry's own
  execution context class: with no schema extensions and no custom directives (checked), strawberry's
  `Schema.execute` adds only its extension runner, a middleware manager and an execution context
  per request; anything else (subscriptions, extensions, a missing operation) takes strawberry's path;
- the operation's span is started once its name is known, with its attributes in one call and its
  start time taken before the checks, instead of renamed and annotated afterwards.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
)
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import (
    DEFAULT_ALLOWED_OPERATION_TYPES,
    execution_context_class_kwargs,
    validate_document,
)
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from common.telemetry import tracer
from gateway.cost import operation_cost, too_costly
from gateway.limits import check_request_text
from gateway.metrics import GatewayMetrics
from gateway.observability import OPERATION_NAME, log_errors, operation_attributes, record_operation

DOCUMENT_CACHE_SIZE = 256
PREPARED_CACHE_SIZE = 256
PREPARED_CACHE_MAX_CHARS = 16_384  # bounds the cache's memory: 256 x 16 KiB at most
_DIRECT_KINDS = {"query": OperationType.QUERY, "mutation": OperationType.MUTATION}
cached_parse = lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(parse)
cached_validate = lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(validate_document)
# The document `execute` parsed and validated, for `_create_execution_context` in the same task.
_PREPARED: ContextVar[DocumentNode | None] = ContextVar("gateway_prepared_document", default=None)


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """A document ready to execute (`refusal` None), or the errors that refuse it."""

    document: DocumentNode | None = None
    kind: str = "unknown"
    name: str | None = None  # the operation's name: the client's, else the document's single one
    refusal: list[GraphQLError] | None = None


@lru_cache(maxsize=1)
def _tracer() -> trace.Tracer:
    # Looking the tracer up costs more than starting a span; a proxy tracer follows a provider
    # installed later (tests install theirs first).
    return tracer()


class LimitedSchema(strawberry.federation.Schema):
    """The federation schema with the gateway's limits, cost check, tracing, metrics and error policy."""

    document_rules: tuple[type[ASTValidationRule], ...] = tuple(specified_rules)
    max_tokens: int | None = None
    max_cost: int | None = None
    metrics: GatewayMetrics | None = None
    _prepared: OrderedDict[tuple[str, str | None], Prepared] | None = None
    _direct: bool | None = None

    def prepare(
        self, query: str | None, variables: dict[str, Any] | None, operation_name: str | None
    ) -> Prepared:
        """Unicode check, cached parse and validation, then the cost: all before any resolver.

        Without variables the answer depends on the text alone, so a document that passed is
        remembered whole (refusals are not: their errors are handed out and annotated).
        """
        if variables or not isinstance(query, str) or len(query) > PREPARED_CACHE_MAX_CHARS:
            return self._prepare(query, variables, operation_name)
        if not (operation_name is None or isinstance(operation_name, str)):
            return self._prepare(query, variables, operation_name)
        if self._prepared is None:
            self._prepared = OrderedDict()
        key = (query, operation_name)
        prepared = self._prepared.get(key)
        if prepared is not None:
            self._prepared.move_to_end(key)
            return prepared
        prepared = self._prepare(query, variables, operation_name)
        if prepared.refusal is None and prepared.document is not None:
            self._prepared[key] = prepared
            if len(self._prepared) > PREPARED_CACHE_SIZE:
                self._prepared.popitem(last=False)
        return prepared

    def _prepare(
        self, query: str | None, variables: dict[str, Any] | None, operation_name: str | None
    ) -> Prepared:
        if error := check_request_text(query, variables, operation_name):
            return Prepared(refusal=[error])
        if not query:
            return Prepared()  # strawberry answers a missing query itself
        options = {"max_tokens": self.max_tokens} if self.max_tokens is not None else {}
        try:
            document = cached_parse(query, **options)
        except GraphQLError as error:
            return Prepared(refusal=[error])
        errors = cached_validate(self._schema, document, self.document_rules)
        if errors:
            return Prepared(refusal=list(errors))
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return Prepared(document=document)  # strawberry says which operation is missing
        kind = operation.operation.value
        name = operation_name or (operation.name.value if operation.name else None)
        if self.max_cost is not None:
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            cost = operation_cost(self._schema, operation, fragments, variables)
            if cost > self.max_cost:
                return Prepared(kind=kind, name=name, refusal=[too_costly(cost, self.max_cost)])
        return Prepared(document=document, kind=kind, name=name)

    def _create_execution_context(self, *args: Any, **kwargs: Any) -> ExecutionContext:
        context = super()._create_execution_context(*args, **kwargs)
        context.validation_rules = self.document_rules
        if self.max_tokens is not None:
            context.parse_options["max_tokens"] = self.max_tokens
        document = _PREPARED.get()
        if document is not None:
            context.graphql_document = document
            context.pre_execution_errors = []  # validated by `prepare`; strawberry skips it
        return context

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        started_ns = time.time_ns()
        started = time.perf_counter()
        start_operation = getattr(context_value, "start_operation", None)
        if callable(start_operation):
            start_operation()
        prepared = self.prepare(query, variable_values, operation_name)
        name = operation_name or prepared.name
        attributes = operation_attributes(name, prepared.kind, getattr(context_value, "principal", None))
        span = _tracer().start_span(
            f"graphql {attributes[OPERATION_NAME]}",
            kind=SpanKind.SERVER,
            attributes=attributes,
            start_time=started_ns,
        )
        # The span is current while resolvers run, so backend calls join the operation's trace.
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            result: ExecutionResult
            if prepared.refusal is not None:
                result = PreExecutionError(data=None, errors=prepared.refusal)
            elif (
                prepared.document is not None and prepared.kind in _DIRECT_KINDS and self._executes_directly()
            ):
                result = await self._execute_prepared(
                    prepared,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    allowed_operation_types,
                    operation_extensions,
                )
            else:
                token_prepared = _PREPARED.set(prepared.document)
                try:
                    result = await super().execute(
                        query,
                        variable_values,
                        context_value,
                        root_value,
                        operation_name,
                        allowed_operation_types,
                        operation_extensions,
                    )
                finally:
                    _PREPARED.reset(token_prepared)
            record_operation(
                span,
                self.metrics,
                result=result,
                name=name,
                kind=prepared.kind,
                seconds=time.perf_counter() - started,
            )
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            otel_context.detach(token)
            span.end()
        return result

    def _executes_directly(self) -> bool:
        """True when strawberry's `Schema.execute` would add nothing: no extensions, no directives."""
        if self._direct is None:
            self._direct = not self.extensions and not self.directives
        return self._direct

    async def _execute_prepared(
        self,
        prepared: Prepared,
        variable_values: dict[str, Any] | None,
        context_value: Any,
        root_value: Any,
        operation_name: str | None,
        allowed_operation_types: Iterable[OperationType] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        """A prepared query or mutation, executed as strawberry would, without its per-request scaffolding.

        The same graphql-core call strawberry makes (its execution context class, its awaitable
        check, an empty middleware), the same refusal of a type the transport does not allow (a
        mutation over GET), and the same error hook (`process_errors`).
        """
        kind = _DIRECT_KINDS[prepared.kind]
        allowed = (
            DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types
        )
        if kind not in allowed:
            raise InvalidOperationTypeError(kind)
        assert prepared.document is not None
        try:
            outcome = execute(
                self._schema,
                prepared.document,
                root_value=root_value,
                middleware=None,  # strawberry's manager is empty without extensions
                variable_values=variable_values,
                operation_name=operation_name,
                context_value=context_value,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                operation_extensions=operation_extensions,
                **execution_context_class_kwargs(self.execution_context_class),
            )
            if isawaitable(outcome):
                outcome = await outcome
        except Exception as exc:  # as strawberry: an error of the operation, not of the request
            error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            self.process_errors([error])
            return PreExecutionError(data=None, errors=[error])
        if outcome.errors:
            self.process_errors(outcome.errors)
        return ExecutionResult(data=outcome.data, errors=outcome.errors)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> Any:
        start_operation = getattr(context_value, "start_operation", None)
        if callable(start_operation):
            start_operation()
        prepared = self.prepare(query, variable_values, operation_name)
        if prepared.refusal is not None:
            return PreExecutionError(data=None, errors=prepared.refusal)
        token = _PREPARED.set(prepared.document)
        try:
            return await super().stream(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                operation_extensions,
                allowed_operation_types,
            )
        finally:
            _PREPARED.reset(token)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors)
