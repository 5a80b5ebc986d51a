"""Unit tests of money amounts and budgets (services/tags/heard/amounts.py), one per convention."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.tags.heard.amounts import amount_facts, find_amounts, format_amount
from services.tags.heard.model import AMOUNT, BUDGET, CUSTOMER, REP, Transcript, Turn

STARTED = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def conversation(*turns: tuple[str, str]) -> Transcript:
    return Transcript(
        turns=tuple(Turn(speaker=speaker, text=text) for speaker, text in turns),
        started_at=STARTED,
        time_zone="Asia/Shanghai",
    )


def heard(*turns: tuple[str, str]) -> set[tuple[str, str, str]]:
    return {(f.kind, f.value, f.qualifier) for f in amount_facts(conversation(*turns))}


@pytest.mark.parametrize(
    ("said", "amount"),
    [
        ("二十万", 200000),
        ("3.5万", 35000),
        ("一百五十万", 1500000),
        ("两千五", 2500),
        ("一万五", 15000),
        ("两万五千", 25000),
        ("30万", 300000),
        ("30w", 300000),
        ("1.2万元", 12000),
        ("8千", 8000),
        ("8k", 8000),
        ("五百块", 500),
        ("三点五万", 35000),
        ("1万5", 15000),
        ("200,000元", 200000),
        ("一万五千块钱", 15000),
    ],
)
def test_numerals_with_a_money_unit_or_magnitude_are_normalised(said: str, amount: float) -> None:
    [mention] = find_amounts(f"落地价{said}，您看看")
    assert (mention.text, mention.amount, mention.amount_max, mention.qualifier) == (said, amount, None, "")


@pytest.mark.parametrize(
    ("said", "amount", "qualifier"),
    [
        ("十来万", 100000, "about"),
        ("二十万左右", 200000, "about"),
        ("大概二十万", 200000, "about"),
        ("二十多万", 200000, "about"),
        ("最多二十万", 200000, "at_most"),
        ("不超过二十万", 200000, "at_most"),
        ("二十万以内", 200000, "at_most"),
        ("十五万之内", 150000, "at_most"),
        ("至少十万", 100000, "at_least"),
        ("起码十万", 100000, "at_least"),
        ("十万以上", 100000, "at_least"),
    ],
)
def test_hedging_and_bounding_words_set_the_qualifier(said: str, amount: float, qualifier: str) -> None:
    [mention] = find_amounts(said)
    assert (mention.amount, mention.qualifier) == (amount, qualifier)


@pytest.mark.parametrize(
    ("said", "low", "high"),
    [
        ("20到30万", 200000, 300000),
        ("二十万到三十万", 200000, 300000),
        ("二三十万", 200000, 300000),
        ("20-30万", 200000, 300000),
        ("十二三万", 120000, 130000),
        ("三五千块钱", 3000, 5000),
        ("5千到1万", 5000, 10000),
    ],
)
def test_ranges_give_both_bounds(said: str, low: float, high: float) -> None:
    [mention] = find_amounts(said)
    assert (mention.amount, mention.amount_max, mention.qualifier) == (low, high, "range")


@pytest.mark.parametrize(
    "said",
    [
        "明天下午三点给我打电话",
        "家里两个孩子",
        "一共5个人坐",
        "这是第二次来看车了",
        "这车开了五万公里",
        "首付三成就行",
        "能便宜百分之二十吗",
        "下午3:30再聊",
        "25号提车",
        "这个价一般般",
        "2026-11-23去店里",
    ],
)
def test_numbers_that_are_not_money_are_not_amounts(said: str) -> None:
    assert find_amounts(said) == []


def test_a_bare_number_is_money_only_in_a_money_context() -> None:
    assert [m.amount for m in find_amounts("预算200000，月供3000，报价单写的¥15000")] == [200000, 3000, 15000]
    assert find_amounts("我住在3000号院旁边") == []


def test_a_numeral_running_into_the_next_word_is_read_up_to_where_it_makes_sense() -> None:
    [mention] = find_amounts("一对一是两百五一节课")
    assert (mention.text, mention.amount) == ("两百五", 250)


def test_offsets_point_at_the_amount_as_said() -> None:
    text = "我们预算大概二十万左右吧"
    [mention] = find_amounts(text)
    assert text[mention.start : mention.end] == mention.text == "二十万"


@pytest.mark.parametrize(("value", "formatted"), [(200000.0, "200000"), (3500.5, "3500.5"), (0.25, "0.25")])
def test_amounts_format_without_trailing_zeros(value: float, formatted: str) -> None:
    assert format_amount(value) == formatted


def test_a_customer_amount_in_a_budget_context_is_a_budget() -> None:
    assert heard((CUSTOMER, "我预算二十万左右，最多不超过二十五万")) == {
        (BUDGET, "200000", "about"),
        (BUDGET, "250000", "at_most"),
    }


def test_the_customers_answer_to_a_budget_question_is_a_budget() -> None:
    assert heard((REP, "您预算大概多少？"), (CUSTOMER, "二十万左右吧")) == {(BUDGET, "200000", "about")}


def test_a_rep_budget_statement_affirmed_by_the_customer_is_a_budget() -> None:
    facts = amount_facts(conversation((REP, "您预算是二十万左右对吧？"), (CUSTOMER, "对")))
    assert [(f.kind, f.value, f.evidence.turn_index) for f in facts] == [(BUDGET, "200000", 0)]
    assert facts[0].confidence < 0.9  # only affirmed, not said by the customer


def test_a_rep_budget_guess_the_customer_corrects_is_no_fact() -> None:
    assert heard((REP, "您预算是二十万对吧"), (CUSTOMER, "不是，三十万")) == {(BUDGET, "300000", "")}


def test_a_rep_echo_of_the_budget_adds_no_amount() -> None:
    assert heard(
        (CUSTOMER, "预算最多二十五万"),
        (REP, "好的，二十五万以内的话我们有好几款合适的"),
        (CUSTOMER, "你发我看看"),
    ) == {(BUDGET, "250000", "at_most")}


def test_rep_quotes_and_competitor_prices_are_amounts() -> None:
    assert heard(
        (REP, "这款落地十八万，首付最低五万，月供三千左右"),
        (CUSTOMER, "嗯，别家才卖十六万"),
    ) == {
        (AMOUNT, "180000", ""),
        (AMOUNT, "50000", "at_least"),
        (AMOUNT, "3000", "about"),
        (AMOUNT, "160000", ""),
    }


def test_negation_with_contrast_keeps_only_the_corrected_budget() -> None:
    assert heard((CUSTOMER, "预算不是二十万，是三十万")) == {(BUDGET, "300000", "")}


def test_a_range_budget_is_written_min_dash_max() -> None:
    [fact] = amount_facts(conversation((CUSTOMER, "预算二三十万吧")))
    assert (fact.value, fact.amount, fact.amount_max, fact.qualifier) == (
        "200000-300000",
        200000,
        300000,
        "range",
    )


def test_an_amount_over_budget_is_not_the_budget() -> None:
    assert heard((CUSTOMER, "二十万超出预算了")) == {(AMOUNT, "200000", "")}


def test_a_hedged_budget_has_lower_confidence() -> None:
    [plain] = amount_facts(conversation((CUSTOMER, "预算二十万")))
    [hedged] = amount_facts(conversation((CUSTOMER, "预算可能二十万吧，还在考虑")))
    assert plain.confidence == pytest.approx(0.9)
    assert hedged.confidence < plain.confidence


def test_evidence_is_the_sentence_holding_the_amount() -> None:
    text = "您好。我们预算大概二十万左右吧！还想看看SUV"
    [fact] = amount_facts(conversation((REP, "请问有什么需要？"), (CUSTOMER, text)))
    evidence = fact.evidence
    assert (evidence.turn_index, evidence.quote) == (1, "我们预算大概二十万左右吧")
    assert text[evidence.start : evidence.end] == evidence.quote


def test_the_same_budget_said_twice_is_one_fact() -> None:
    facts = amount_facts(
        conversation((CUSTOMER, "预算二十万"), (REP, "好的"), (CUSTOMER, "对，预算就二十万"))
    )
    assert [(f.kind, f.value) for f in facts] == [(BUDGET, "200000")]
