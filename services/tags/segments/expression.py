"""The segment expression tree: and / or / not over predicates on one tag each.

This is the contract between the text form (the parser and printer), the per-customer matcher and
explain, the index evaluator and the saved segments: all of them take and return these nodes. Tags
are named by key here (the parser resolves display names to keys), so a stored tree survives a
rename of the display name.

Values are the strings the tags service stores (`services/tags/assignments/values.py`): flag `""`,
enum one of the allowed values, number a plain decimal, date `YYYY-MM-DD`, text anything. A range's
bounds are floats: a number tag's value itself, a date tag's `date.toordinal()` (`range_point`).
Times of `AssignedWithin` are epoch milliseconds; `last_days` is relative to the evaluation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Has:
    """The customer has an active (unexpired) value of the tag."""

    tag: str


@dataclass(frozen=True)
class Equals:
    """The customer's active value of the tag is `value`."""

    tag: str
    value: str


@dataclass(frozen=True)
class In:
    """The customer's active value of the tag is one of `values`."""

    tag: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Range:
    """A number or date tag's active value lies between the bounds (None: unbounded on that side)."""

    tag: str
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True)
class BySource:
    """The customer's active value of the tag was assigned by one of `sources` (manual, rule, …)."""

    tag: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AssignedWithin:
    """The active value was assigned in [after_ms, before_ms), or within the last `last_days` days."""

    tag: str
    after_ms: int | None = None
    before_ms: int | None = None
    last_days: int | None = None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Predicate = Has | Equals | In | Range | BySource | AssignedWithin
Node = And | Or | Not | Predicate


def range_point(value_type: str, value: str) -> float:
    """Where a stored number or date value sits on a range's axis (dates as proleptic ordinals)."""
    if value_type == "date":
        return float(date.fromisoformat(value).toordinal())
    return float(value)


def predicates(node: Node) -> list[Predicate]:
    """Every predicate of the tree, left to right."""
    if isinstance(node, (And, Or)):
        return [p for child in node.children for p in predicates(child)]
    if isinstance(node, Not):
        return predicates(node.child)
    return [node]


def tag_keys(node: Node) -> set[str]:
    """The keys of every tag the tree names (what "referenced by segments" reports)."""
    return {p.tag for p in predicates(node)}
