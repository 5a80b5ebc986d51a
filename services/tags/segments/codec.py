"""The stored form of an expression tree: plain dicts MongoDB keeps as they are.

A saved segment keeps its tree next to its canonical text, so evaluating it (on every tag write,
see `membership.py`) never parses: the text is for people, the tree for machines. Each node is a
dict with `op` and the fields of its dataclass; tuples become lists. Unknown ops are refused, so a
document written by a later release fails loudly instead of matching wrongly.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.tags.segments.expression import (
    And,
    AssignedWithin,
    BySource,
    Equals,
    Has,
    In,
    Node,
    Not,
    Or,
    Range,
)

_PREDICATES: dict[str, type] = {
    "has": Has,
    "equals": Equals,
    "in": In,
    "range": Range,
    "by_source": BySource,
    "assigned_within": AssignedWithin,
}
_NAMES = {cls: name for name, cls in _PREDICATES.items()}


def kind(node: Node) -> str:
    """The node's kind as people and protos name it: and | or | not | has | equals | in | …"""
    if isinstance(node, And):
        return "and"
    if isinstance(node, Or):
        return "or"
    if isinstance(node, Not):
        return "not"
    return _NAMES[type(node)]


def to_doc(node: Node) -> dict[str, Any]:
    """The tree as nested dicts (the inverse of `from_doc`)."""
    if isinstance(node, (And, Or)):
        return {"op": kind(node), "children": [to_doc(c) for c in node.children]}
    if isinstance(node, Not):
        return {"op": "not", "child": to_doc(node.child)}
    fields = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(node).items()}
    return {"op": kind(node), **fields}


def from_doc(doc: dict[str, Any]) -> Node:
    """The tree a stored dict describes; ValueError for anything this release does not know."""
    op = doc.get("op")
    if op == "and":
        return And(tuple(from_doc(c) for c in doc["children"]))
    if op == "or":
        return Or(tuple(from_doc(c) for c in doc["children"]))
    if op == "not":
        return Not(from_doc(doc["child"]))
    cls = _PREDICATES.get(str(op))
    if cls is None:
        raise ValueError(f"unknown segment node {op!r}")
    fields = {k: (tuple(v) if isinstance(v, list) else v) for k, v in doc.items() if k != "op"}
    node: Node = cls(**fields)
    return node
