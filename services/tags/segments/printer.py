"""Expression tree → canonical segment text, the inverse of the parser: parse(to_text(n)) == n.

Canonical means: keys (or display names when given and unambiguous), keywords upper-case, values
bare when they are plain words and quoted otherwise, and parentheses only where precedence
(NOT > AND > OR) needs them — a nested AND inside AND keeps its parentheses, because the tree keeps
it as typed. The shapes the parser builds for `!=`, `NOT IN` and `IN` on number/date tags print as
those operators again. A tree the parser cannot build (a range open on both sides, exclusive on
one of two bounds, an empty list) still prints legibly, but does not read back as the same tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

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
from services.tags.segments.lexer import is_word_char
from services.tags.segments.parser import keyword_of

_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_OR, _AND, _NOT, _ATOM = 1, 2, 3, 4


def to_text(
    node: Node,
    names: Mapping[str, str] | None = None,
    *,
    value_types: Mapping[str, str] | None = None,
) -> str:
    """The canonical text of `node`. `names` (key → display name) prints display names where they
    read back as the same tag; `value_types` (key → value type) prints date bounds as dates — without
    it a date tag's range prints its ordinal numbers, which do not parse back for a date tag."""
    return _Printer(_usable_names(names or {}), value_types or {}).node(node)


def _usable_names(names: Mapping[str, str]) -> dict[str, str]:
    """A display name is used only when no other tag has it and it is no tag's key (keys win)."""
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {
        key: name
        for key, name in names.items()
        if name and counts[name] == 1 and (name == key or name not in names)
    }


def quote(word: str) -> str:
    """A name or value as the lexer reads it back: bare if a plain non-keyword word, else quoted."""
    if word and all(is_word_char(c) for c in word) and keyword_of(word) is None:
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Printer:
    def __init__(self, names: dict[str, str], value_types: Mapping[str, str]) -> None:
        self.names = names
        self.value_types = value_types

    def node(self, node: Node) -> str:
        return self.shaped(node)[1]

    def shaped(self, node: Node) -> tuple[int, str]:
        """(precedence level, text) of a node."""
        special = self.operator_form(node)
        if special is not None:
            return _ATOM, special
        if isinstance(node, Or):
            return _OR, " OR ".join(self.child(c, _OR) for c in node.children)
        if isinstance(node, And):
            return _AND, " AND ".join(self.child(c, _AND) for c in node.children)
        if isinstance(node, Not):
            level, text = self.shaped(node.child)
            return _NOT, "NOT " + (text if level >= _NOT else f"({text})")
        return _ATOM, self.predicate(node)

    def child(self, node: Node, parent: int) -> str:
        level, text = self.shaped(node)
        return text if level > parent else f"({text})"

    def operator_form(self, node: Node) -> str | None:
        """`t != v`, `t NOT IN (…)` and `t IN (…)` of number/date tags, from the shapes they parse to."""
        if isinstance(node, Or):
            points = _point_list(node)
            if points is not None:
                return f"{self.tag(points[0])} IN ({self.values_of(points)})"
            return None
        if not (isinstance(node, And) and len(node.children) == 2):
            return None
        has, negated = node.children
        if not (isinstance(has, Has) and isinstance(negated, Not)):
            return None
        inner = negated.child
        if isinstance(inner, Equals) and inner.tag == has.tag:
            return f"{self.tag(has.tag)} != {quote(inner.value)}"
        if isinstance(inner, Range) and inner.tag == has.tag and _is_point(inner):
            return f"{self.tag(has.tag)} != {self.bound(has.tag, inner.low)}"
        if isinstance(inner, In) and inner.tag == has.tag and inner.values:
            return f"{self.tag(has.tag)} NOT IN ({', '.join(quote(v) for v in inner.values)})"
        points = _point_list(inner) if isinstance(inner, Or) else None
        if points is not None and points[0] == has.tag:
            return f"{self.tag(has.tag)} NOT IN ({self.values_of(points)})"
        return None

    def values_of(self, points: tuple[str, list[float]]) -> str:
        return ", ".join(self.bound(points[0], p) for p in points[1])

    def tag(self, key: str) -> str:
        return quote(self.names.get(key, key))

    def bound(self, key: str, point: float | None) -> str:
        assert point is not None
        if self.value_types.get(key) == "date":
            return date.fromordinal(int(point)).isoformat()
        return quote(_number(point))

    def predicate(self, node: Node) -> str:
        if isinstance(node, Has):
            return self.tag(node.tag)
        if isinstance(node, Equals):
            return f"{self.tag(node.tag)} = {quote(node.value)}"
        if isinstance(node, In):
            return f"{self.tag(node.tag)} IN ({', '.join(quote(v) for v in node.values)})"
        if isinstance(node, Range):
            return self.range(node)
        if isinstance(node, BySource):
            sources = node.sources
            listed = quote(sources[0]) if len(sources) == 1 else f"({', '.join(quote(s) for s in sources)})"
            return f"{self.tag(node.tag)} FROM {listed}"
        assert isinstance(node, AssignedWithin)
        clauses = []
        if node.last_days is not None:
            clauses.append(f"WITHIN {node.last_days} {'DAY' if node.last_days == 1 else 'DAYS'}")
        if node.after_ms is not None:
            clauses.append(f"AFTER {_instant(node.after_ms)}")
        if node.before_ms is not None:
            clauses.append(f"BEFORE {_instant(node.before_ms)}")
        return f"{self.tag(node.tag)} ASSIGNED {' '.join(clauses)}"

    def range(self, node: Range) -> str:
        tag = self.tag(node.tag)
        low, high = node.low, node.high
        if _is_point(node):
            return f"{tag} = {self.bound(node.tag, low)}"
        if low is not None and high is not None:
            if node.low_inclusive and node.high_inclusive:
                return f"{tag} BETWEEN {self.bound(node.tag, low)} AND {self.bound(node.tag, high)}"
            low_op, high_op = (">=" if node.low_inclusive else ">"), ("<=" if node.high_inclusive else "<")
            return f"({tag} {low_op} {self.bound(node.tag, low)} AND {tag} {high_op} {self.bound(node.tag, high)})"
        if low is not None:
            return f"{tag} {'>=' if node.low_inclusive else '>'} {self.bound(node.tag, low)}"
        if high is not None:
            return f"{tag} {'<=' if node.high_inclusive else '<'} {self.bound(node.tag, high)}"
        return tag


def _is_point(node: Range) -> bool:
    return node.low is not None and node.low == node.high and node.low_inclusive and node.high_inclusive


def _point_list(node: Or) -> tuple[str, list[float]] | None:
    """(tag, points) when every child is a point Range of one tag (what `IN` parses to), else None."""
    children = node.children
    if len(children) < 2 or not all(isinstance(c, Range) and _is_point(c) for c in children):
        return None
    ranges = [c for c in children if isinstance(c, Range)]
    tags = {r.tag for r in ranges}
    points = [r.low for r in ranges if r.low is not None]
    if len(tags) != 1 or len(set(points)) != len(points):
        return None
    return ranges[0].tag, points


def _number(value: float) -> str:
    """Shortest text that reads back as the same float (`100000`, `0.1`, `1e+20`)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _instant(ms: int) -> str:
    """A whole UTC day as `2026-01-01`, any other instant as a quoted `…T…Z` time."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    if ms % _DAY_MS == 0:
        return moment.date().isoformat()
    spec = "milliseconds" if ms % 1000 else "seconds"
    return quote(moment.isoformat(timespec=spec).replace("+00:00", "Z"))
