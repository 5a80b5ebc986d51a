"""One value per exclusive group and per enum or number tag (services/tags/heard/resolve.py)."""

from __future__ import annotations

from services.tags.heard.model import Heard
from tests.unit.tags.heard.builders import hear, heard, negated

THRESHOLD = 0.85


def values(result: Heard, *keys: str) -> list[tuple[str, str]]:
    return [(tag.tag_key, tag.value) for tag in result.tags if tag.tag_key in keys]


INTENT = ("intent.low", "intent.medium", "intent.high")


def test_intent_levels_in_one_exclusive_group_resolve_to_the_last_clear_statement() -> None:
    result = hear(
        "C: 我一开始就是随便问问。",
        "R: 那现在呢？",
        "C: 现在还在看，对比一下别家。",
        "R: 我们这周有活动。",
        "C: 那我准备下单了。",
    )

    assert values(result, *INTENT) == [("intent.high", "")]
    assert "group:意向: intent.high over intent.low" in result.notes


def test_a_later_hedged_statement_does_not_displace_a_clear_one() -> None:
    result = hear("C: 我要SUV。", "R: 轿车也可以看看。", "C: 轿车可能也考虑吧。")

    assert values(result, "pref.suv", "pref.sedan") == [("pref.suv", "")]


def test_with_no_clear_statement_the_most_confident_value_wins() -> None:
    result = hear("C: 你们有轿车吗？", "R: 有的。", "C: SUV可能也行。")

    tag = heard(result, "pref.suv")
    assert values(result, "pref.suv", "pref.sedan") == [("pref.suv", "")]
    assert tag is not None and tag.confidence < THRESHOLD


def test_two_values_in_one_sentence_are_settled_by_confidence() -> None:
    result = hear("C: 越野车或者轿车都可以。")

    assert values(result, "pref.suv", "pref.sedan") == [("pref.sedan", "")]


def test_a_negated_value_of_the_group_is_still_reported() -> None:
    result = hear("C: 不要轿车，要SUV。")

    assert values(result, "pref.suv", "pref.sedan") == [("pref.suv", "")]
    assert negated(result, "pref.sedan") is not None


def test_tags_outside_an_exclusive_group_are_heard_side_by_side() -> None:
    result = hear("C: 想要新能源的SUV，孩子坐着舒服。")

    assert values(result, "pref.suv", "pref.ev", "family.has_kids") == [
        ("pref.ev", ""),
        ("pref.suv", ""),
        ("family.has_kids", ""),
    ]


def test_an_enum_resolves_to_one_value_through_its_value_hints() -> None:
    result = hear("C: 本来想买凯美瑞。", "R: 现在呢？", "C: 现在更想要Model Y。")

    tag = heard(result, "car.brand")
    assert tag is not None
    assert (tag.value, tag.evidence.quote, tag.reason) == ("特斯拉", "现在更想要Model Y", 'keyword "Model Y"')
    assert [t.tag_key for t in result.tags].count("car.brand") == 1


def test_an_enum_value_said_literally_is_heard() -> None:
    tag = heard(hear("C: 我比较信得过丰田。"), "car.brand")

    assert tag is not None
    assert (tag.value, tag.reason) == ("丰田", 'value "丰田"')


def test_a_number_tag_takes_the_amount_said_with_its_cue() -> None:
    tag = heard(hear("C: 预算二十万左右吧。"), "budget")

    assert tag is not None
    assert (tag.value, tag.reason) == ("200000", 'keyword "预算"')
    assert tag.confidence >= THRESHOLD


def test_a_number_tag_takes_the_upper_bound_of_a_range() -> None:
    tag = heard(hear("C: 预算二三十万吧。"), "budget")

    assert tag is not None
    assert tag.value == "300000"


def test_a_number_tag_takes_the_corrected_amount_and_rejects_the_first() -> None:
    result = hear("C: 预算不是二十万，是三十万。")

    tag, wrong = heard(result, "budget"), negated(result, "budget")
    assert tag is not None and wrong is not None
    assert (tag.value, wrong.value) == ("300000", "200000")


def test_a_number_tag_takes_the_customer_answer_to_the_rep_question() -> None:
    tag = heard(hear("R: 您预算大概多少呢？", "C: 二十万左右吧。"), "budget")

    assert tag is not None
    assert (tag.value, tag.evidence.turn_index, tag.evidence.quote) == ("200000", 1, "二十万左右吧")
    assert tag.reason == 'keyword "预算" asked by the rep in turn 0'


def test_a_number_cue_without_an_amount_is_not_heard() -> None:
    assert heard(hear("C: 预算还没定。"), "budget") is None


def test_the_last_amount_said_plainly_wins() -> None:
    tag = heard(hear("C: 预算二十万。", "R: 这个价位选择不多。", "C: 那预算就三十万吧。"), "budget")

    assert tag is not None
    assert (tag.value, tag.evidence.turn_index) == ("300000", 2)
