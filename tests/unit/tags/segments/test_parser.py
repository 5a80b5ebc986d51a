"""Unit tests of the segment text parser (services/tags/segments/parser.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.errors import InvalidArgument
from services.tags.segments.errors import SegmentSyntaxError
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
from services.tags.segments.parser import MAX_CONDITIONS, MAX_DEPTH, MAX_TEXT, parse, parse_segment
from tests.unit.tags.segments.library import NAMES


def p(text: str) -> Node:
    return parse_segment(text, NAMES)


def error_of(text: str) -> SegmentSyntaxError:
    with pytest.raises(SegmentSyntaxError) as caught:
        p(text)
    return caught.value


def ms(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000)


def test_issue_examples_parse_by_display_name() -> None:
    assert p("已成交-定制衣柜 AND NOT 已复购") == And((Has("deal.cabinet"), Not(Has("deal.rebuy"))))
    assert p('高意向 AND budget >= 100000 AND region IN ("上海","杭州")') == And(
        (Has("intent.high"), Range("budget", low=100000.0), In("region", ("上海", "杭州")))
    )
    assert p("极简风 AND 高意向") == And((Has("style.minimal"), Has("intent.high")))


def test_precedence_is_not_then_and_then_or() -> None:
    assert p("高意向 OR 极简风 AND NOT 已复购") == Or(
        (Has("intent.high"), And((Has("style.minimal"), Not(Has("deal.rebuy")))))
    )
    assert p("(高意向 OR 极简风) AND 已复购") == And(
        (Or((Has("intent.high"), Has("style.minimal"))), Has("deal.rebuy"))
    )


def test_keywords_in_any_case_and_in_chinese_are_the_same() -> None:
    expected = p("高意向 AND NOT 已复购 OR 极简风")
    assert p("高意向 and not 已复购 or 极简风") == expected
    assert p("高意向 且 非 已复购 或 极简风") == expected


def test_chinese_keyword_is_a_whole_word_so_names_may_start_with_it() -> None:
    with pytest.raises(SegmentSyntaxError, match="unknown tag: 非会员"):
        p("非会员")


def test_full_width_punctuation_from_chinese_input_methods_is_accepted() -> None:
    assert p("区域 IN （上海，杭州） AND 预算 ≥ 5") == p("区域 IN (上海, 杭州) AND 预算 >= 5")
    assert p("区域 IN (“上海”)") == In("region", ("上海",))


def test_hyphen_is_part_of_a_name_and_spaces_need_quotes() -> None:
    assert p("已成交-定制衣柜") == Has("deal.cabinet")
    assert p('"已成交-定制衣柜"') == Has("deal.cabinet")


def test_every_comparison_on_number_tags_is_a_range() -> None:
    assert p("budget = 5") == Range("budget", 5.0, 5.0)
    assert p("budget > 5") == Range("budget", low=5.0, low_inclusive=False)
    assert p("budget >= 5") == Range("budget", low=5.0)
    assert p("budget < -2.5") == Range("budget", high=-2.5, high_inclusive=False)
    assert p("budget <= 1e3") == Range("budget", high=1000.0)
    assert p("budget BETWEEN 1 AND 9") == Range("budget", 1.0, 9.0)
    assert p("budget IN (1, 2, 2)") == Or((Range("budget", 1.0, 1.0), Range("budget", 2.0, 2.0)))


def test_amounts_may_be_typed_with_wan_and_yi() -> None:
    assert p("预算 ≥ 10万") == Range("budget", low=100000.0)
    assert p("预算 BETWEEN 1.5万 AND 0.02亿") == Range("budget", 15000.0, 2000000.0)


def test_date_tags_compare_as_days() -> None:
    day = datetime(2026, 1, 1).toordinal()
    assert p("签约日 >= 2026-01-01") == Range("signed", low=float(day))
    assert p("签约日 BETWEEN 2026-01-01 AND 2026-01-31") == Range("signed", float(day), float(day + 30))


def test_not_equal_and_not_in_mean_has_a_value_that_is_not() -> None:
    assert p("region != 上海") == And((Has("region"), Not(Equals("region", "上海"))))
    assert p("region NOT IN (上海, 杭州)") == And((Has("region"), Not(In("region", ("上海", "杭州")))))
    assert p("budget != 5") == And((Has("budget"), Not(Range("budget", 5.0, 5.0))))


def test_text_and_enum_equality() -> None:
    assert p("城市 = 'New York'") == Equals("city", "New York")
    assert p("意向等级 = high") == Equals("intent.level", "high")


def test_provenance_and_assignment_time() -> None:
    assert p("高意向 FROM conversation") == BySource("intent.high", ("conversation",))
    assert p("高意向 FROM (Manual, rule)") == BySource("intent.high", ("manual", "rule"))
    assert p("高意向 ASSIGNED WITHIN 7 DAYS") == AssignedWithin("intent.high", last_days=7)
    assert p("高意向 ASSIGNED AFTER 2026-01-01 BEFORE 2026-02-01") == AssignedWithin(
        "intent.high", after_ms=ms("2026-01-01"), before_ms=ms("2026-02-01")
    )
    assert p('高意向 ASSIGNED BEFORE "2026-01-01T08:00:00+08:00"') == AssignedWithin(
        "intent.high", before_ms=ms("2026-01-01")
    )


def test_key_wins_over_a_display_name_and_a_keyword_name_is_quoted() -> None:
    assert p("budget > 1") == Range("budget", low=1.0, low_inclusive=False)  # not vip, whose name is "budget"
    assert p('"and"') == Has("and")
    assert p("关键字") == Has("and")


def test_syntax_error_points_at_the_column_and_says_what_was_expected() -> None:
    error = error_of("(高意向 AND 极简风")
    assert error.message == "expected ')' or AND/OR at column 13, found end of input"
    assert (error.line, error.column, error.offset) == (1, 13, 12)
    assert error.metadata == {"line": "1", "column": "13", "offset": "12"}
    assert isinstance(error, InvalidArgument) and error.field == "text"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("高意向 AND", "expected a condition (a tag name, NOT or '(') at column 8, found end of input"),
        ("AND 高意向", "expected a condition (a tag name, NOT or '(') at column 1, found 'AND'"),
        (
            "高意向 极简风",
            "expected AND/OR, a comparison (=, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, FROM, ASSIGNED)",
        ),
        ("高意向 NOT 极简风", "for a negation write AND NOT"),
        ("高意向)", "unbalanced ')': there is no '(' before it at column 4"),
        ("region IN (上海", "expected ',' or ')' at column 14, found end of input"),
        ("budget BETWEEN 1 OR 2", "expected AND and the high end of the range at column 18, found 'OR'"),
        ('城市 = "abc', "unterminated quoted string starting at column 6"),
        ("高意向 & 极简风", "unexpected character '&' at column 5"),
        ("region = AND", "expected a value (quote a value that is a keyword) at column 10"),
        ("", "expected a condition"),
        ('"" AND 高意向', "a tag name cannot be empty at column 1"),
        ("高意向 ASSIGNED 7", "expected WITHIN n DAYS, AFTER a date or BEFORE a date at column 14"),
    ],
)
def test_grammar_errors(text: str, message: str) -> None:
    assert message in error_of(text).message


def test_position_on_a_later_line() -> None:
    error = error_of("高意向\nAND (极简风 OR")
    assert (error.line, error.column) == (2, 12)
    assert "line 2, column 12" in error.message
    assert error.pointer("高意向\nAND (极简风 OR") == "AND (极简风 OR\n           ^"


def test_unknown_tags_are_named_together_with_suggestions() -> None:
    error = error_of("已复够 AND (高意巷 OR nothing_like_it) AND 已复够")
    assert error.message == (
        "unknown tags: 已复够 at column 1 (did you mean 已复购?); 高意巷 at column 10 (did you mean 高意向?); "
        "nothing_like_it at column 17"
    )
    assert error.unknown == ("已复够", "高意巷", "nothing_like_it")
    assert error.column == 1


def test_an_enum_value_alone_is_not_a_tag_but_is_suggested() -> None:
    error = error_of("high")
    assert "did you mean intent.level = high?" in error.message


def test_a_shared_display_name_must_be_replaced_by_a_key() -> None:
    error = error_of("SUV AND 高意向")
    assert error.message == "SUV at column 1 is the display name of car.suv, interest.suv; use a key"


def test_unknown_tags_are_reported_without_a_resolver_for_suggestions() -> None:
    with pytest.raises(SegmentSyntaxError, match=r"unknown tag: x at column 1$"):
        parse("x", lambda name: None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("region = 广州", "'广州' is not an allowed value of region (上海, 杭州, 北京) at column 10"),
        ("region IN (上海, 广州)", "'广州' is not an allowed value of region"),
        ("budget >= 十万", "budget needs a finite number, got '十万' at column 11"),
        ("签约日 > 2026-13-01", "signed needs a date as YYYY-MM-DD, got '2026-13-01' at column 7"),
        ("区域 > 上海", "'>' needs a number or date tag; region is a enum tag at column 4"),
        ("高意向 = 1", "intent.high is a flag tag: it has no value; name it alone to ask for it at column 5"),
        ("budget BETWEEN 9 AND 1", "empty range: 9 is above 1 at column 16"),
        ("高意向 FROM wechat", "unknown source 'wechat' (sources: manual, rule"),
        ("高意向 ASSIGNED WITHIN 0 DAYS", "WITHIN needs a whole number of days from 1 to 36500, got '0'"),
        (
            "高意向 ASSIGNED AFTER 2026-02-01 BEFORE 2026-01-01",
            "empty window: AFTER must be earlier than BEFORE",
        ),
        ("高意向 ASSIGNED AFTER yesterday", "'yesterday' is not a date (YYYY-MM-DD) or time"),
        ("高意向 ASSIGNED WITHIN 1 DAYS WITHIN 2 DAYS", "ASSIGNED WITHIN is given twice"),
    ],
)
def test_value_errors_name_the_position(text: str, message: str) -> None:
    assert message in error_of(text).message


def test_unknown_tags_are_reported_before_value_errors() -> None:
    assert error_of("region = 广州 AND 已复够").message.startswith("unknown tag: 已复够")


def test_limits_are_refused_clearly() -> None:
    assert f"at most {MAX_TEXT} are allowed" in error_of("高意向 OR " * 600 + "高意向").message
    deep = "(" * (MAX_DEPTH + 1) + "高意向" + ")" * (MAX_DEPTH + 1)
    assert f"nesting is deeper than {MAX_DEPTH}" in error_of(deep).message
    assert p("(" * MAX_DEPTH + "高意向" + ")" * MAX_DEPTH) == Has("intent.high")
    assert f"deeper than {MAX_DEPTH}" in error_of("NOT " * 40 + "高意向").message
    many = " OR ".join(["高意向"] * (MAX_CONDITIONS + 1))
    error = error_of(many)
    assert f"at most {MAX_CONDITIONS} conditions" in error.message
    assert error.offset == many.rindex("高意向")
