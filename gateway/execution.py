"""How the gateway runs an operation: checks before execution, and one span and one count per operation.

Before strawberry executes anything, `LimitedSchema` refuses text that is not valid Unicode, parses
and validates the document through caches (the rules are built once per schema, so a repeated
document is parsed and validated once), and prices the operation with its variables
(`gateway.cost`): one that costs more than the maximum gets QUERY_TOO_COSTLY and calls nothing.
A valid document is handed to strawberry already parsed and validated.

This is done here rather than in strawberry schema extensions because every extension is
instantiated and asked for each hook on every operation; with none, a trivial query costs what
strawberry itself costs (bench/gateway.py measures it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    get_operation_ast,
    parse,
    specified_rules,
)
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from common.telemetry import tracer
from gateway.cost import operation_cost, too_costly
from gateway.limits import check_request_text
from gateway.metrics import GatewayMetrics
from gateway.observability import log_errors, record_operation

DOCUMENT_CACHE_SIZE = 256
cached_parse = lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(parse)
cached_validate = lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(validate_document)
# The document `execute` parsed and validated, for `_create_execution_context` in the same task.
_PREPARED: ContextVar[DocumentNode | None] = ContextVar("gateway_prepared_document", default=None)


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """A document ready to execute (`refusal` None), or the errors that refuse it."""

    document: DocumentNode | None = None
    kind: str = "unknown"
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

    def prepare(
        self, query: str | None, variables: dict[str, Any] | None, operation_name: str | None
    ) -> Prepared:
        """Unicode check, cached parse and validation, then the cost: all before any resolver."""
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
        if self.max_cost is not None:
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            cost = operation_cost(self._schema, operation, fragments, variables)
            if cost > self.max_cost:
                return Prepared(kind=kind, refusal=[too_costly(cost, self.max_cost)])
        return Prepared(document=document, kind=kind)

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
        started = time.perf_counter()
        start_operation = getattr(context_value, "start_operation", None)
        if callable(start_operation):
            start_operation()
        with _tracer().start_as_current_span("graphql", kind=SpanKind.SERVER) as span:
            prepared = self.prepare(query, variable_values, operation_name)
            if prepared.refusal is not None:
                result: ExecutionResult = PreExecutionError(data=None, errors=prepared.refusal)
            else:
                token = _PREPARED.set(prepared.document)
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
                    _PREPARED.reset(token)
            record_operation(
                span,
                self.metrics,
                result=result,
                name=operation_name or _single_operation_name(prepared.document),
                kind=prepared.kind,
                principal=getattr(context_value, "principal", None),
                seconds=time.perf_counter() - started,
            )
        return result

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


def _single_operation_name(document: DocumentNode | None) -> str | None:
    if document is None:
        return None
    operation = get_operation_ast(document)
    return operation.name.value if operation is not None and operation.name else None
