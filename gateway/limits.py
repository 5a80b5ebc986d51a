"""Document limits built once per schema: depth, aliases and tokens, plus the Unicode check.

strawberry's limiter extensions build a new validator class on every request, so the validation
cache (keyed by the rule classes) never hits and each request pays for a fresh class. Here the
rules are graphql-core validation rules created once in `document_rules` and handed to every
execution context, so `ValidationCache` hits for a repeated document.

The depth rule counts introspection fields too (strawberry's skips them): our own schema has no
cycles, so the only way to nest without end is through `__type { fields { type { fields … } } }`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    specified_rules,
)
from strawberry.extensions.max_aliases import create_validator as create_alias_validator

from gateway.errors import BAD_USER_INPUT, GatewayError


def depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """A rule refusing operations nested deeper than `max_depth` field levels (fragments followed)."""

    class MaxDepthRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                depth = selection_depth(definition.selection_set, fragments, frozenset())
                if depth > max_depth:
                    name = definition.name.value if definition.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth} (it has {depth})",
                            definition,
                        )
                    )

    return MaxDepthRule


def selection_depth(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    visiting: frozenset[str],
) -> int:
    """Field levels below `selection_set`: `{ a { b } }` is 2; a fragment cycle counts once."""
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            depth = 1 + selection_depth(selection.selection_set, fragments, visiting)
        elif isinstance(selection, InlineFragmentNode):
            depth = selection_depth(selection.selection_set, fragments, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:
                continue  # unknown or cyclic: other rules report it
            depth = selection_depth(fragment.selection_set, fragments, visiting | {name})
        else:
            continue
        deepest = max(deepest, depth)
    return deepest


def document_rules(*, max_depth: int, max_aliases: int) -> tuple[type[ASTValidationRule], ...]:
    """The validation rules of every operation: the spec's, then depth and aliases. Build once."""
    return (*specified_rules, depth_rule(max_depth), create_alias_validator(max_aliases))


def first_invalid_string(value: Any, *, where: str) -> str | None:
    """Where (`variables.input.name`) the first string that is not valid Unicode sits, else None.

    JSON may carry lone UTF-16 surrogates (`"\\ud800"`), which Python keeps in `str` but no UTF-8
    encoder (protobuf, logs) accepts; they are refused at the door instead of failing inside.
    """
    if isinstance(value, str):
        if value.isascii():
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = first_invalid_string(key, where=where) or first_invalid_string(
                item, where=f"{where}.{key}"
            )
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_invalid_string(item, where=f"{where}[{index}]")
            if found:
                return found
    return None


def invalid_unicode_error(where: str) -> GatewayError:
    """BAD_USER_INPUT naming the part of the request that is not valid Unicode."""
    message = f"{where} contains text that is not valid Unicode (a lone UTF-16 surrogate)"
    return GatewayError(message, code=BAD_USER_INPUT, fields=[{"field": where, "message": message}])


def check_request_text(
    query: str | None, variables: Mapping[str, Any] | None, operation_name: str | None
) -> GatewayError | None:
    """BAD_USER_INPUT if the query, the operation name or any variable is not valid Unicode."""
    where = (
        first_invalid_string(query, where="query")
        or first_invalid_string(operation_name, where="operationName")
        or first_invalid_string(dict(variables) if variables else None, where="variables")
    )
    return invalid_unicode_error(where) if where else None
