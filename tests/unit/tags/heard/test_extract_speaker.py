"""Speaker attribution: the customer's words are evidence; a rep's only when the customer's next turn agrees."""

from __future__ import annotations

from tests.unit.tags.heard.builders import flag, hear, heard, negated

THRESHOLD = 0.85


def test_a_plain_customer_statement_is_heard_above_the_threshold() -> None:
    result = hear("R: 您好，想了解哪款车？", "C: 我想要一台SUV。")

    tag = heard(result, "pref.suv")
    assert tag is not None
    assert tag.confidence >= THRESHOLD
    assert (tag.evidence.turn_index, tag.evidence.quote, tag.reason) == (1, "我想要一台SUV", 'keyword "SUV"')


def test_what_the_rep_says_is_not_evidence_about_the_customer() -> None:
    result = hear("R: 我们这款SUV卖得很好，孩子坐着也舒服。", "C: 我主要想问问价格。")

    assert result.tags == ()
    assert result.negated == ()


def test_a_rep_statement_with_no_customer_reply_is_not_evidence() -> None:
    result = hear("C: 你好。", "R: 那我给您介绍一下我们的SUV。")

    assert heard(result, "pref.suv") is None


def test_a_rep_question_the_customer_strongly_affirms_counts_for_the_customer() -> None:
    result = hear("R: 您是想看SUV吗？", "C: 对的，周末想去店里看看。")

    tag = heard(result, "pref.suv")
    assert tag is not None
    assert tag.confidence >= THRESHOLD
    assert (tag.evidence.turn_index, tag.evidence.quote) == (0, "您是想看SUV吗")
    assert tag.reason == 'keyword "SUV", affirmed by the customer in turn 1'


def test_a_backchannel_is_weaker_than_a_strong_affirmation() -> None:
    strong = heard(hear("R: 您是想看SUV吧？", "C: 是的"), "pref.suv")
    backchannel = heard(hear("R: 您是想看SUV吧？", "C: 嗯"), "pref.suv")

    assert strong is not None and backchannel is not None
    assert backchannel.confidence < THRESHOLD <= strong.confidence
    assert backchannel.reason == 'keyword "SUV", only a backchannel from the customer in turn 1'


def test_a_filler_before_a_strong_affirmation_keeps_it_strong() -> None:
    tag = heard(hear("R: 您是想看SUV吧？", "C: 嗯，对，空间大一点的"), "pref.suv")

    assert tag is not None
    assert tag.confidence >= THRESHOLD


def test_a_customer_denial_negates_the_rep_statement() -> None:
    result = hear("R: 您家里有孩子吗？", "C: 没有，就我们两口子。")

    tag = negated(result, "family.has_kids")
    assert tag is not None
    assert heard(result, "family.has_kids") is None
    assert tag.confidence >= THRESHOLD
    assert tag.reason == 'keyword "孩子", denied by the customer in turn 1'


def test_denying_a_negated_rep_statement_makes_the_value_heard() -> None:
    result = hear("R: 您暂时不考虑SUV对吧？", "C: 不是，SUV我也考虑的。")

    assert heard(result, "pref.suv") is not None
    assert negated(result, "pref.suv") is None


def test_affirming_a_negated_rep_statement_negates_the_value() -> None:
    result = hear("R: 您不想要轿车，是吧？", "C: 对。")

    assert negated(result, "pref.sedan") is not None


def test_a_question_back_is_not_an_affirmation() -> None:
    result = hear("R: 您是想看SUV吧？", "C: 是吗？我还没想好。")

    assert heard(result, "pref.suv") is None


def test_an_alternative_question_cannot_be_affirmed() -> None:
    result = hear("R: 您要SUV还是轿车？", "C: 对。")

    assert result.tags == ()


def test_only_the_rep_statement_right_before_the_reply_is_affirmed() -> None:
    result = hear("R: 我们也有轿车。您是给父母买吧？", "C: 是的。")

    assert heard(result, "buyer.for_parents") is not None
    assert heard(result, "pref.sedan") is None


def test_a_tag_question_after_the_statement_affirms_the_statement() -> None:
    result = hear("R: 您是想看SUV。对吧？", "C: 对。")

    tag = heard(result, "pref.suv")
    assert tag is not None
    assert tag.evidence.quote == "您是想看SUV"


def test_a_backchannel_during_a_sales_pitch_is_not_agreement() -> None:
    result = hear("R: 我们这款SUV现在卖得特别好，很多家庭都选它。", "C: 嗯")

    assert heard(result, "pref.suv") is None


def test_accepting_a_proposal_counts_but_below_the_threshold() -> None:
    wechat = flag("contact.wechat_ok", keywords=("加您微信",))

    tag = heard(hear("R: 我等下加您微信把配置表发您", "C: 好的", library=(wechat,)), "contact.wechat_ok")

    assert tag is not None
    assert tag.confidence < THRESHOLD
    assert tag.reason == 'keyword "加您微信", only accepted by the customer in turn 1'


def test_the_question_in_the_rep_turn_is_what_the_customer_affirms() -> None:
    asked_first = hear("R: 您是想要七座的SUV吧，方便一家人出行", "C: 对")
    asked_last = hear("R: 好的，那我按轿车给您报价，另外您家里有孩子对吧", "C: 对，两个")

    assert heard(asked_first, "pref.suv") is not None
    assert heard(asked_last, "family.has_kids") is not None
    assert heard(asked_last, "pref.sedan") is None


def test_a_correction_denies_only_the_detail_it_corrects() -> None:
    result = hear("R: 您是给孩子买SUV吧？", "C: 不是，要轿车。")

    assert negated(result, "pref.suv") is not None
    assert heard(result, "pref.sedan") is not None
    kids = heard(result, "family.has_kids")
    assert kids is not None
    assert kids.confidence < THRESHOLD
    assert kids.reason == 'keyword "孩子", not disputed when the customer corrected turn 0'
