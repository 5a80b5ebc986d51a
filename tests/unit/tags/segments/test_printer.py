"""Unit tests of the canonical printer (services/tags/segments/printer.py): it reads back as the tree."""

from __future__ import annotations

import random

import pytest

from services.tags.segments.expression import And, Has, Not, Or, Range, predicates
from services.tags.segments.parser import parse_segment
from services.tags.segments.printer import to_text
from tests.unit.tags.segments.generate import tree
from tests.unit.tags.segments.library import NAMES

TYPES = NAMES.value_types()
DISPLAY = NAMES.display_names()


@pytest.mark.parametrize(
    "text",
    [
        "deal.cabinet AND NOT deal.rebuy",
        "intent.high AND budget >= 100000 AND region IN (上海, 杭州)",
        "intent.high OR style.minimal AND NOT deal.rebuy",
        "(intent.high OR style.minimal) AND deal.rebuy",
        "(intent.high AND style.minimal) AND deal.rebuy",
        "NOT NOT (intent.high OR deal.rebuy)",
        "region != 上海 AND budget NOT IN (1, 2.5) AND budget IN (3, 4)",
        "signed BETWEEN 2026-01-01 AND 2026-01-31 OR signed < 2025-06-01",
        'city = "New York" OR city IN ("AND", "say \\"hi\\"")',
        "intent.high FROM (manual, rule) AND intent.high ASSIGNED WITHIN 7 DAYS AFTER 2026-01-01",
        'intent.high ASSIGNED BEFORE "2026-01-01T08:30:00Z"',
        '"and" AND vip',
    ],
)
def test_canonical_text_prints_as_typed(text: str) -> None:
    assert to_text(parse_segment(text, NAMES), value_types=TYPES) == text


def test_display_names_are_used_where_they_read_back_as_the_same_tag() -> None:
    node = parse_segment("deal.cabinet AND NOT deal.rebuy AND vip AND car.suv AND budget > 1", NAMES)
    # vip's display name is the key "budget", and two tags share "SUV": those print as keys
    assert (
        to_text(node, DISPLAY, value_types=TYPES)
        == "已成交-定制衣柜 AND NOT 已复购 AND vip AND car.suv AND 预算 > 1"
    )


def test_spellings_converge_on_one_canonical_text() -> None:
    typed = "高意向 且 非 (已复购 or 极简风) and 预算 ≥ 10 and 区域 in （上海，“杭州”）"
    assert to_text(parse_segment(typed, NAMES)) == (
        "intent.high AND NOT (deal.rebuy OR style.minimal) AND budget >= 10 AND region IN (上海, 杭州)"
    )


@pytest.mark.parametrize("display", [False, True])
def test_generated_trees_read_back_as_themselves(display: bool) -> None:
    rng = random.Random(20261127)
    for _ in range(800):
        node = tree(rng)
        if len(predicates(node)) > 60:
            continue
        text = to_text(node, DISPLAY if display else None, value_types=TYPES)
        assert parse_segment(text, NAMES) == node, text


def test_trees_the_parser_does_not_build_still_print_legibly() -> None:
    assert to_text(Range("budget", 1.0, 5.0, low_inclusive=False)) == "(budget > 1 AND budget <= 5)"
    assert to_text(And((Has("a"), Not(Or((Has("b"), Has("c"))))))) == "a AND NOT (b OR c)"
