"""Negation, contrast, hedges and questions in the customer's words (services/tags/heard/extract.py)."""

from __future__ import annotations

from tests.unit.tags.heard.builders import LIBRARY, flag, hear, heard, negated

THRESHOLD = 0.85


def test_a_negated_preference_is_rejected_not_heard() -> None:
    result = hear("C: 我不是很喜欢SUV。")

    tag = negated(result, "pref.suv")
    assert tag is not None
    assert heard(result, "pref.suv") is None
    assert tag.evidence.quote == "我不是很喜欢SUV"
    assert tag.reason == 'keyword "SUV"; negated: 不是'


def test_not_x_but_y_across_a_comma_hears_y_and_rejects_x() -> None:
    result = hear("C: 不是轿车，是SUV。")

    assert heard(result, "pref.suv") is not None
    assert negated(result, "pref.sedan") is not None
    assert heard(result, "pref.sedan") is None


def test_a_contrast_marker_ends_the_negation_inside_one_clause() -> None:
    result = hear("C: 不是轿车而是SUV")

    assert heard(result, "pref.suv") is not None
    assert negated(result, "pref.sedan") is not None


def test_double_negation_is_positive() -> None:
    tag = heard(hear("C: 我也不是不喜欢SUV"), "pref.suv")

    assert tag is not None
    assert tag.confidence >= THRESHOLD


def test_a_rejection_after_the_object_negates_it() -> None:
    result = hear("C: 我喜欢SUV，轿车就算了。")

    assert heard(result, "pref.suv") is not None
    tag = negated(result, "pref.sedan")
    assert tag is not None
    assert tag.reason == 'keyword "轿车"; negated: rejected after it'


def test_praise_containing_a_negator_is_not_a_negation() -> None:
    assert heard(hear("C: SUV不错，空间大。"), "pref.suv") is not None


def test_a_negation_in_another_clause_does_not_reach_the_phrase() -> None:
    assert heard(hear("C: 我不着急买，不过SUV挺喜欢的"), "pref.suv") is not None


def test_a_negated_keyword_of_one_tag_does_not_negate_the_next_clause() -> None:
    result = hear("C: 我不是随便问问，准备下单了。")

    assert negated(result, "intent.low") is not None
    tag = heard(result, "intent.high")
    assert tag is not None
    assert tag.confidence >= THRESHOLD


def test_the_later_statement_wins_when_a_value_is_both_heard_and_negated() -> None:
    changed_mind = hear("C: 一开始我不喜欢SUV。", "R: 那您试驾以后呢？", "C: 试驾以后，我挺喜欢SUV的。")
    turned_away = hear("C: 我挺喜欢SUV的。", "R: 那您试驾以后呢？", "C: 试驾以后，我不想要SUV了。")

    heard_tag = heard(changed_mind, "pref.suv")
    assert heard_tag is not None and negated(changed_mind, "pref.suv") is None
    assert heard_tag.evidence.turn_index == 2
    negated_tag = negated(turned_away, "pref.suv")
    assert negated_tag is not None and heard(turned_away, "pref.suv") is None
    assert negated_tag.evidence.turn_index == 2


def test_a_hedge_lowers_confidence_below_the_threshold() -> None:
    tag = heard(hear("C: 我可能会考虑SUV吧。"), "pref.suv")

    assert tag is not None
    assert tag.confidence < THRESHOLD
    assert tag.reason == 'keyword "SUV"; hedged: 可能'


def test_a_negated_hedge_is_a_firm_no() -> None:
    tag = negated(hear("C: 我不考虑SUV。"), "pref.suv")

    assert tag is not None
    assert tag.confidence >= THRESHOLD


def test_a_hedge_word_inside_the_tenant_keyword_does_not_hedge_it() -> None:
    tag = heard(hear("C: 我就随便问问。"), "intent.low")

    assert tag is not None
    assert tag.confidence >= THRESHOLD


def test_a_customer_question_lowers_confidence_below_the_threshold() -> None:
    for said in ("C: 你们有SUV吗", "C: 你们有没有SUV"):
        tag = heard(hear(said), "pref.suv")
        assert tag is not None
        assert tag.confidence < THRESHOLD
        assert tag.reason.endswith("; asked")


def test_a_negated_question_says_nothing_either_way() -> None:
    result = hear("C: 你们不是有SUV吗？")

    assert (heard(result, "pref.suv"), negated(result, "pref.suv")) == (None, None)


def test_synonyms_and_patterns_said_plainly_are_applied_slightly_below_keywords() -> None:
    keyword = heard(hear("C: 想要SUV。"), "pref.suv")
    synonym = heard(hear("C: 想要越野车。"), "pref.suv")
    pattern = heard(hear("C: 是给我父母买的。"), "buyer.for_parents")

    assert keyword is not None and synonym is not None and pattern is not None
    assert THRESHOLD <= pattern.confidence < synonym.confidence < keyword.confidence


def test_hints_drive_extraction_without_code_changes() -> None:
    said = "C: 平时喜欢自驾去露营。"
    assert hear(said).tags == ()

    camping = flag("hobby.camping", keywords=("露营",), display_name="露营")
    tag = heard(hear(said, library=(*LIBRARY, camping)), "hobby.camping")

    assert tag is not None
    assert tag.confidence >= THRESHOLD


def test_a_negation_outweighs_a_later_plain_mention_in_the_same_sentence() -> None:
    result = hear("C: 不是轿车，是SUV，家里人多，轿车后备箱太小了。")

    assert negated(result, "pref.sedan") is not None
    assert heard(result, "pref.suv") is not None


def test_a_turnaround_in_the_same_sentence_wins_over_the_negation() -> None:
    result = hear("C: 我以前不喜欢SUV，但是现在挺喜欢SUV的。")

    assert heard(result, "pref.suv") is not None
    assert negated(result, "pref.suv") is None


def test_a_statement_before_a_question_in_the_same_sentence_stays_a_statement() -> None:
    tag = heard(hear("C: 我想要SUV，你们有现车吗？"), "pref.suv")

    assert tag is not None
    assert tag.confidence >= THRESHOLD
