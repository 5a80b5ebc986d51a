"""A seeded generator of trees the parser can build (canonical trees) over the test library.

hypothesis is not a dev dependency here, so property tests draw from `random.Random(seed)`.
"""

from __future__ import annotations

import random
from datetime import date

from services.tags.model import SOURCES
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
    Predicate,
    Range,
)
from tests.unit.tags.segments.library import DEFINITIONS

DAY_MS = 86_400_000
TEXTS = ("上海浦东", "New York", 'say "hi"', "back\\slash", "AND", "or", "x-1", "（全角）", "a,b")
BASE_DAY = date(2026, 1, 1).toordinal()
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def _number(rng: random.Random) -> float:
    return rng.choice([float(rng.randint(-5, 20)), round(rng.uniform(-1000, 1000), 3), 1e20, 0.1])


def _point(rng: random.Random, value_type: str) -> float:
    return float(BASE_DAY + rng.randint(-40, 40)) if value_type == "date" else _number(rng)


def _ms(rng: random.Random) -> int:
    if rng.random() < 0.5:
        return BASE_MS + rng.randint(-30, 30) * DAY_MS
    return BASE_MS + rng.randint(-30 * DAY_MS, 30 * DAY_MS)


def predicate(rng: random.Random) -> Node:
    definition = rng.choice(DEFINITIONS)
    tag, kind = definition.key, definition.value_type
    roll = rng.random()
    if roll < 0.15:
        return Has(tag)
    if roll < 0.25:
        return BySource(tag, tuple(rng.sample(SOURCES, rng.randint(1, 3))))
    if roll < 0.35:
        after = _ms(rng) if rng.random() < 0.5 else None
        before = after + rng.randint(1, 40) * DAY_MS if after is not None and rng.random() < 0.5 else None
        days = rng.randint(1, 90) if rng.random() < 0.5 or (after is None and before is None) else None
        return AssignedWithin(tag, after_ms=after, before_ms=before, last_days=days)
    if kind == "flag":
        return Has(tag)
    negate = rng.random() < 0.25
    if kind in ("number", "date"):
        points = sorted({_point(rng, kind) for _ in range(rng.randint(1, 4))})
        shape = rng.randrange(4)
        node: Predicate | Node
        if negate or shape == 0:
            node = Range(tag, points[0], points[0])
            if len(points) > 1 and rng.random() < 0.5:
                node = Or(tuple(Range(tag, p, p) for p in points))
        elif shape == 1:
            node = Range(tag, points[0], points[-1])
        elif shape == 2:
            node = Range(tag, low=points[0], low_inclusive=rng.random() < 0.5)
        else:
            node = Range(tag, high=points[0], high_inclusive=rng.random() < 0.5)
    else:
        pool = definition.allowed_values or TEXTS
        values = tuple(rng.sample(pool, rng.randint(1, min(3, len(pool)))))
        node = Equals(tag, values[0]) if rng.random() < 0.5 else In(tag, values)
    return And((Has(tag), Not(node))) if negate else node


def tree(rng: random.Random, depth: int = 4) -> Node:
    roll = rng.random()
    if depth == 0 or roll < 0.35:
        return predicate(rng)
    if roll < 0.5:
        return Not(tree(rng, depth - 1))
    children = tuple(tree(rng, depth - 1) for _ in range(rng.randint(2, 3)))
    return And(children) if roll < 0.75 else Or(children)
