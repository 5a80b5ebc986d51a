"""One condition of the segment text (`name`, `name op value`, `name IN (…)`, …) → its tree.

What each form means is fixed here, once, for the matcher and the index alike:
- `t` is Has(t); `t = v` is Equals, or for number/date tags the point Range [v, v];
- `t != v` and `t NOT IN (…)` are "has a value, and it is not …": And(Has(t), Not(…)) — a customer
  without the tag is in neither `t = v` nor `t != v`;
- `>`, `>=`, `<`, `<=` and `BETWEEN a AND b` (both ends included) are Ranges on number/date tags
  (a number may carry 万 or 亿: `10万` is 100000);
  `t IN (…)` is In for enum/text tags and an Or of point Ranges for number/date tags;
- `t FROM s` / `FROM (s1, s2)` is BySource; `t ASSIGNED WITHIN n DAYS / AFTER x / BEFORE y` is one
  AssignedWithin: assigned at or after x, strictly before y, and in the last n days.
Unknown tags yield a placeholder (the parser reports them all); values are checked against the tag.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from services.tags.model import TagDef
from services.tags.segments import lexer
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
    range_point,
)
from services.tags.segments.lexer import Token

if TYPE_CHECKING:
    from services.tags.segments.parser import Parser

_CHINESE_AMOUNT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([万亿])$")
_UNITS = {"万": 10_000, "亿": 100_000_000}
MAX_VALUES = 100
MAX_DAYS = 36500
_RANGE_TYPES = ("number", "date")
_VALUE_TYPES = ("enum", "text", "number", "date")


def build_condition(p: Parser, name: Token, definition: TagDef | None) -> Node:
    """Read what follows the tag name (if anything) and return the condition's tree."""
    tag = definition.key if definition else name.text
    token = p.peek()
    keyword = p.keyword()
    if token.kind == lexer.OP:
        return _comparison(p, tag, definition)
    if keyword == "IN":
        p.advance()
        return _in_list(p, tag, definition, token)
    if keyword == "NOT" and p.keyword(1) == "IN":
        p.advance()
        p.advance()
        return And((Has(tag), Not(_in_list(p, tag, definition, token))))
    if keyword == "BETWEEN":
        return _between(p, tag, definition)
    if keyword == "FROM":
        return _from(p, tag)
    if keyword == "ASSIGNED":
        return _assigned(p, tag)
    return Has(tag)


def _allows(p: Parser, definition: TagDef | None, types: tuple[str, ...], op: Token) -> bool:
    """False (with a positioned problem) when the tag's value type does not take this operator."""
    if definition is None:
        return False
    kind = definition.value_type
    if kind in types:
        return True
    if kind == "flag":
        p.problem(f"{definition.key} is a flag tag: it has no value; name it alone to ask for it", op)
    else:
        needs = "a number or date tag" if types == _RANGE_TYPES else f"a tag of type {' or '.join(types)}"
        p.problem(f"'{op.text}' needs {needs}; {definition.key} is a {kind} tag", op)
    return False


def _point(p: Parser, token: Token, definition: TagDef) -> float | None:
    if definition.value_type == "number":
        scaled = _with_chinese_unit(token.text)
        if scaled is not None:
            return scaled
    return range_point(definition.value_type, token.text) if p.checked(token, definition) else None


def _with_chinese_unit(text: str) -> float | None:
    """`10万` → 100000, `1.5亿` → 150000000 (amounts are typed so); None for anything else."""
    match = _CHINESE_AMOUNT.match(text)
    if match is None:
        return None
    amount = float(Decimal(match[1]) * _UNITS[match[2]])
    return amount if math.isfinite(amount) else None  # an absurd amount is then refused as not finite


def _equal(p: Parser, tag: str, definition: TagDef, value: Token) -> Node | None:
    if definition.value_type in _RANGE_TYPES:
        point = _point(p, value, definition)
        return None if point is None else Range(tag, point, point)
    return Equals(tag, value.text) if p.checked(value, definition) else None


def _comparison(p: Parser, tag: str, definition: TagDef | None) -> Node:
    op = p.advance()
    value = p.value()
    equality = op.text in ("=", "!=")
    if not _allows(p, definition, _VALUE_TYPES if equality else _RANGE_TYPES, op):
        return Has(tag)
    assert definition is not None
    if equality:
        node = _equal(p, tag, definition, value)
        if node is None:
            return Has(tag)
        return node if op.text == "=" else And((Has(tag), Not(node)))
    point = _point(p, value, definition)
    if point is None:
        return Has(tag)
    if op.text.startswith(">"):
        return Range(tag, low=point, low_inclusive=op.text == ">=")
    return Range(tag, high=point, high_inclusive=op.text == "<=")


def _values(p: Parser) -> list[Token]:
    p.expect(lexer.LPAREN, "'(' and a list of values")
    values = [p.value()]
    while p.peek().kind == lexer.COMMA:
        p.advance()
        values.append(p.value())
    if len(values) > MAX_VALUES:
        raise p.error(f"a list may hold at most {MAX_VALUES} values; this has {len(values)}", values[0])
    p.expect(lexer.RPAREN, "',' or ')'")
    return values


def _in_list(p: Parser, tag: str, definition: TagDef | None, op: Token) -> Node:
    values = _values(p)
    if not _allows(p, definition, _VALUE_TYPES, op):
        return Has(tag)
    assert definition is not None
    if definition.value_type in _RANGE_TYPES:
        points = list(dict.fromkeys(pt for v in values if (pt := _point(p, v, definition)) is not None))
        ranges = tuple(Range(tag, pt, pt) for pt in points)
        return ranges[0] if len(ranges) == 1 else Or(ranges) if ranges else Has(tag)
    kept = [v.text for v in values if p.checked(v, definition)]
    return In(tag, tuple(dict.fromkeys(kept)))


def _between(p: Parser, tag: str, definition: TagDef | None) -> Node:
    op = p.advance()
    low = p.value("the low end of the range")
    if p.keyword() != "AND":
        raise p.expected("AND and the high end of the range")
    p.advance()
    high = p.value("the high end of the range")
    if not _allows(p, definition, _RANGE_TYPES, op):
        return Has(tag)
    assert definition is not None
    low_point, high_point = _point(p, low, definition), _point(p, high, definition)
    if low_point is None or high_point is None:
        return Has(tag)
    if low_point > high_point:
        p.problem(f"empty range: {low.text} is above {high.text}", low)
    return Range(tag, low_point, high_point)


def _from(p: Parser, tag: str) -> Node:
    p.advance()
    if p.peek().kind == lexer.LPAREN:
        tokens = _values(p)
    else:
        tokens = [p.value("a source (manual, rule, conversation, …)")]
    return BySource(tag, tuple(dict.fromkeys(p.source(t) for t in tokens)))


def _assigned(p: Parser, tag: str) -> Node:
    p.advance()
    bounds: dict[str, int | None] = {}
    while p.keyword() in ("WITHIN", "AFTER", "BEFORE"):
        clause = p.advance()
        word = clause.text.upper()
        if word in bounds:
            p.problem(f"ASSIGNED {word} is given twice", clause)
        if word == "WITHIN":
            bounds[word] = _days(p)
        else:
            bounds[word] = p.instant_ms(p.value("a date (YYYY-MM-DD) or time"))
    if not bounds:
        raise p.expected("WITHIN n DAYS, AFTER a date or BEFORE a date")
    after, before = bounds.get("AFTER"), bounds.get("BEFORE")
    if after is not None and before is not None and after >= before:
        p.problem("empty window: AFTER must be earlier than BEFORE", p.tokens[p.i - 1])
    return AssignedWithin(tag, after_ms=after, before_ms=before, last_days=bounds.get("WITHIN"))


def _days(p: Parser) -> int | None:
    token = p.value("a number of days")
    if p.keyword() is None and p.peek().text.upper() in ("DAYS", "DAY"):
        p.advance()
    else:
        raise p.expected("DAYS")
    if not token.text.isdigit() or not 1 <= int(token.text) <= MAX_DAYS:
        p.problem(f"WITHIN needs a whole number of days from 1 to {MAX_DAYS}, got {token.text!r}", token)
        return None
    return int(token.text)
