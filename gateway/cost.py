"""What an operation will cost, computed from its document and variables before any resolver runs.

The price list (docs/gateway.md explains it for clients):
- every object the response may hold costs 1 (a customer, an edge, a tag, a history entry, …);
  scalars are free;
- a field whose resolver makes its own backend call each time it resolves (`RPC_FIELDS`: a
  customer's `tagHistory`, a journey's `timeline`, the root lookups and every mutation) costs
  `RPC_COST` more, per parent: inside `customers(first: 100)` a `tagHistory` is 100 calls;
- a list with a `first` argument (the variable's value, else its default) returns up to that many
  items; a connection's `first` multiplies its `edges`/`entries`; `_entities` multiplies by the
  number of representations; other lists come inside their parent's reply and count as one item.
Batched parts of a customer (profile, tags, intent, journey, conversations) are objects like any
other: their DataLoader makes one call per page, not per customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    value_from_ast_untyped,
)

from gateway.errors import GatewayError

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
RPC_COST = 20
OBJECT_COST = 1
# Fields that make one backend call per parent object (not batched by a DataLoader).
RPC_FIELDS = frozenset(
    {
        "Customer.tagHistory",
        "Customer.segmentHistory",
        "Segment.members",
        "Query.segmentPreview",
        "Query.segments",
        "Query.segment",
        "Query.explainSegment",
        "JourneySummary.timeline",
        "Query.customer",
        "Query.customers",
        "Query.conversation",
        "Query.conversationSuggestions",
        "Query.tagPrecision",
        "Query.conversationSettings",
        "Query.callList",
        "Query.recoverLeads",
    }
)


class _Pricing:
    """One walk over one operation; `variables` are the raw request variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables)

    def selection(
        self, parent: GraphQLObjectType | None, selection_set: SelectionSetNode, page: int | None
    ) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, page)
            elif isinstance(node, InlineFragmentNode):
                total += self.selection(self._narrow(parent, node), node.selection_set, page)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    total += self.selection(self._narrow(parent, fragment), fragment.selection_set, page)
        return total

    def field(self, parent: GraphQLObjectType | None, node: FieldNode, page: int | None) -> int:
        name = node.name.value
        if parent is None or name.startswith("__"):
            return 0  # introspection and fields of abstract parents priced through their fragments
        definition = parent.fields.get(name)
        if definition is None:
            return 0
        inner = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        named = get_named_type(definition.type)
        first = self._first(definition, node)
        if isinstance(inner, GraphQLList):
            items = first or page or self._representations(name, node) or 1
            child_page = None
        else:
            items = 1
            child_page = first
        per_item = 0
        if is_composite_type(named):
            per_item = OBJECT_COST
            if node.selection_set is not None:
                child_type = named if isinstance(named, GraphQLObjectType) else None
                per_item += self.selection(child_type, node.selection_set, child_page)
        own = RPC_COST if f"{parent.name}.{name}" in RPC_FIELDS or parent is self.schema.mutation_type else 0
        return own + items * per_item

    def _narrow(
        self, parent: GraphQLObjectType | None, node: InlineFragmentNode | FragmentDefinitionNode
    ) -> GraphQLObjectType | None:
        if node.type_condition is None:
            return parent
        narrowed = self.schema.get_type(node.type_condition.name.value)
        return narrowed if isinstance(narrowed, GraphQLObjectType) else None

    def _argument(self, node: FieldNode, name: str) -> tuple[bool, Any]:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return True, self._value(argument.value)
        return False, None

    def _value(self, value: ValueNode) -> Any:
        if isinstance(value, VariableNode):
            return self.variables.get(value.name.value)
        return value_from_ast_untyped(value, self.variables)

    def _first(self, definition: GraphQLField, node: FieldNode) -> int | None:
        argument = definition.args.get("first")
        if argument is None:
            return None
        given, value = self._argument(node, "first")
        if not given or value is None:
            value = argument.default_value
        # Anything but a positive int is refused by the resolver; price it as one page of one.
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1

    def _representations(self, name: str, node: FieldNode) -> int:
        if name != "_entities":
            return 0
        _, value = self._argument(node, "representations")
        return len(value) if isinstance(value, list) else 0


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    """The cost of `operation` (already validated) with the request's raw `variables`."""
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if values.get(name) is None and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    root = schema.get_root_type(operation.operation)
    return _Pricing(schema, fragments, values).selection(root, operation.selection_set, None)


def too_costly(cost: int, maximum: int) -> GatewayError:
    """The error a client gets instead of any backend call when `cost` exceeds `maximum`."""
    return GatewayError(
        f"this operation would cost {cost}, more than the maximum of {maximum}; "
        "ask for fewer items (smaller `first`), fewer aliases, or per-customer lists on fewer customers",
        code=QUERY_TOO_COSTLY,
        cost=cost,
        maximumCost=maximum,
    )
