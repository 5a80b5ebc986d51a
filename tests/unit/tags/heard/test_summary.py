"""The one-line Chinese summary of a conversation (services/tags/heard/summary.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.tags.heard.model import BUDGET, CALLBACK_AT, HeardFact, HeardTag, Span
from services.tags.heard.summary import summarize
from tests.unit.tags.heard.builders import BRAND, EV, SUV, conversation
from tests.unit.tags.heard.builders import BUDGET as BUDGET_TAG

DEFINITIONS = {d.key: d for d in (SUV, EV, BRAND, BUDGET_TAG)}
SPAN = Span(turn_index=0, start=0, end=1, quote="x")
TRANSCRIPT = conversation("C: x")  # time zone Asia/Shanghai


def tag(key: str, value: str = "", *, negated: bool = False) -> HeardTag:
    return HeardTag(tag_key=key, value=value, confidence=0.9, evidence=SPAN, negated=negated)


def callback(at: datetime, qualifier: str = "at") -> HeardFact:
    return HeardFact(
        kind=CALLBACK_AT, value="", text="", qualifier=qualifier, confidence=0.9, evidence=SPAN, at=at
    )


def budget(amount: float, amount_max: float | None = None, qualifier: str = "") -> HeardFact:
    return HeardFact(
        kind=BUDGET,
        value="",
        text="",
        qualifier=qualifier,
        confidence=0.9,
        evidence=SPAN,
        amount=amount,
        amount_max=amount_max,
    )


def test_tags_budget_and_call_back_make_one_line_in_the_conversation_time_zone() -> None:
    line = summarize(
        TRANSCRIPT,
        [tag("pref.suv"), tag("pref.ev")],
        [budget(200000), callback(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))],
        DEFINITIONS,
    )

    assert line == "客户提到：SUV、新能源；预算 20万；回电 11月24日 15:00"


def test_enum_values_follow_their_tag_name_and_number_tags_show_their_amount() -> None:
    line = summarize(
        TRANSCRIPT, [tag("car.brand", "丰田"), tag("budget", "35000")], [budget(35000)], DEFINITIONS
    )

    assert line == "客户提到：意向品牌 丰田；预算 3.5万"


def test_negated_values_are_left_out() -> None:
    assert summarize(TRANSCRIPT, [tag("pref.suv", negated=True)], [], DEFINITIONS) == ""


def test_budget_bounds_and_ranges_are_spelled_out() -> None:
    assert summarize(TRANSCRIPT, [], [budget(200000, 300000, "range")], DEFINITIONS) == "预算 20万-30万"
    assert summarize(TRANSCRIPT, [], [budget(35000, qualifier="at_most")], DEFINITIONS) == "预算 3.5万以内"
    assert summarize(TRANSCRIPT, [], [budget(2500, qualifier="about")], DEFINITIONS) == "预算 约2500元"


def test_call_back_qualifiers_show_as_said() -> None:
    evening = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai

    assert summarize(TRANSCRIPT, [], [callback(evening, "after")], DEFINITIONS) == "回电 11月24日 20:00以后"
    assert summarize(TRANSCRIPT, [], [callback(evening, "day_part")], DEFINITIONS) == "回电 11月24日 晚上"
    assert summarize(TRANSCRIPT, [], [callback(evening, "day")], DEFINITIONS) == "回电 11月24日"


def test_a_tag_missing_from_the_library_shows_its_key() -> None:
    assert summarize(TRANSCRIPT, [tag("gone.tag")], [], DEFINITIONS) == "客户提到：gone.tag"
