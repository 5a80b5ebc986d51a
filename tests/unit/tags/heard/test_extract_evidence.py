"""Evidence and confidence of what was heard: the exact sentence, and repeated mentions (extract.py)."""

from __future__ import annotations

from tests.unit.tags.heard.builders import conversation, hear, heard

THRESHOLD = 0.85


def test_the_evidence_is_the_sentence_holding_the_mention_quoted_exactly() -> None:
    result = hear("C: 你好。我家里两个孩子，想换台大点的车！周末有空。")
    text = conversation("C: 你好。我家里两个孩子，想换台大点的车！周末有空。").turns[0].text

    tag = heard(result, "family.has_kids")
    assert tag is not None
    span = tag.evidence
    assert (span.turn_index, span.quote) == (0, "我家里两个孩子，想换台大点的车")
    assert text[span.start : span.end] == span.quote


def test_an_affirmed_rep_statement_is_quoted_from_the_rep_turn() -> None:
    lines = ("C: 喂，你好。", "R: 好的王先生。您是给父母买车吧？", "C: 是的，他们年纪大了。")
    text = conversation(*lines).turns[1].text

    tag = heard(hear(*lines), "buyer.for_parents")
    assert tag is not None
    assert (tag.evidence.turn_index, tag.evidence.quote) == (1, "您是给父母买车吧")
    assert text[tag.evidence.start : tag.evidence.end] == tag.evidence.quote
    assert tag.reason == 'keyword "给父母", affirmed by the customer in turn 2'


def test_repeated_independent_mentions_raise_confidence() -> None:
    once = heard(hear("C: 我想要SUV。"), "pref.suv")
    thrice = heard(
        hear("C: 我想要SUV。", "R: 好的。", "C: SUV空间大。", "R: 是的。", "C: 反正就要SUV。"), "pref.suv"
    )

    assert once is not None and thrice is not None
    assert once.confidence < thrice.confidence <= 0.99
    assert thrice.reason.endswith("; 3 sentences agree")


def test_repeating_a_phrase_within_one_sentence_is_one_mention() -> None:
    once = heard(hear("C: 我想要SUV。"), "pref.suv")
    twice = heard(hear("C: SUV，我想要SUV。"), "pref.suv")

    assert once is not None and twice is not None
    assert twice.confidence == once.confidence


def test_confidence_is_capped_below_certainty() -> None:
    lines = [line for _ in range(8) for line in ("C: 反正就要SUV。", "R: 好的。")]

    tag = heard(hear(*lines), "pref.suv")

    assert tag is not None
    assert tag.confidence == 0.99


def test_hedged_repetition_stays_below_the_threshold() -> None:
    lines = [line for _ in range(8) for line in ("C: SUV可能也行。", "R: 好的。")]

    tag = heard(hear(*lines), "pref.suv")

    assert tag is not None
    assert tag.confidence < THRESHOLD


def test_facts_and_summary_come_with_the_tags() -> None:
    result = hear("C: 我想要SUV，预算二十万。", "R: 好的，明天下午三点给您回电话。", "C: 行。")

    facts = {fact.kind: fact.value for fact in result.facts}
    assert facts == {"budget": "200000", "callback_at": "2026-11-24T07:00:00Z"}
    assert result.summary == "客户提到：SUV；预算 20万；回电 11月24日 15:00"


def test_an_empty_conversation_hears_nothing() -> None:
    result = hear("C: 你好。", "R: 您好。")

    assert (result.tags, result.negated, result.facts, result.summary) == ((), (), (), "")
