"""Extraction: one conversation and a tenant's lexicon in, heard tags, negated values and facts out. Pure.

Each turn is read once by the lexicon's automaton; every phrase heard becomes a *mention* (see
`resolve.py` for the confidence scheme and how mentions resolve to one value per tag or exclusive group):

- Speaker: the customer's sentences are evidence. A rep's last clause before a customer turn (with the
  clause before it when the last is a tag question: "预算二十万，对吧？") is evidence only through that
  turn: affirmed strongly ("对", "是的") it counts almost as the customer's own; an acceptance ("好的",
  "可以") counts little, and a backchannel ("嗯", "哦") counts little and only in answer to a question —
  after a sales pitch it means "I'm listening";
  a denial ("不是，…") turns the value around, unless the customer corrects one detail ("孩子初三吧？" →
  "不是初三，是高一"): then only the corrected tag is denied and the rest stands, weakly. An alternative
  question ("SUV还是轿车？") cannot be affirmed.
- Negation: an odd number of negators before the phrase in its clause (up to a contrast marker:
  "不是轿车而是SUV"), or a rejection closing the clause after it ("SUV我不太喜欢"), negates it; a negated
  question ("不是有SUV吗？") says nothing either way. Within one sentence an explicit negation outweighs
  a later plain mention ("不是轿车，是SUV，轿车后备箱太小了" rejects 轿车) unless that mention's clause
  turns around ("…，但是现在轿车也行"). Questions and hedges are read per clause: in
  "我想要SUV，有现车吗？" the SUV is stated, not asked.
- Number tags: their keywords are cues; the value is the amount said from the cue's clause to the end of
  its sentence (a range gives its upper bound), or the customer's answer when the rep asks with a cue
  ("预算大概多少？" → "二十万左右吧").
"""

from __future__ import annotations

from collections.abc import Callable

from services.tags.heard import text as t
from services.tags.heard.amounts import AmountMention, amount_facts, find_amounts, format_amount
from services.tags.heard.callbacks import callback_fact
from services.tags.heard.lexicon import Lexicon, PhraseMatch
from services.tags.heard.model import CUSTOMER, REP, Heard, Span, Transcript
from services.tags.heard.resolve import (
    AFFIRMED_PENALTY,
    BACKCHANNEL_PENALTY,
    BASE_CONFIDENCE,
    HEDGE_PENALTY,
    QUESTION_PENALTY,
    Mention,
    resolve,
    weighed,
)
from services.tags.heard.summary import summarize

Amounts = Callable[[int], list[AmountMention]]


def extract(transcript: Transcript, lexicon: Lexicon) -> Heard:
    """Everything heard in one conversation: at most one tag value per tag and per exclusive group, the
    values the customer contradicted, the call-back promise and money amounts, and a one-line summary."""
    turns = transcript.turns
    cache: dict[int, list[AmountMention]] = {}

    def amounts(index: int) -> list[AmountMention]:
        if index not in cache:
            cache[index] = find_amounts(turns[index].text)
        return cache[index]

    found = [lexicon.find(turn.text) for turn in turns]
    mentions: list[Mention] = []
    for index, turn in enumerate(turns):
        if turn.speaker == CUSTOMER:
            said = [
                m
                for match in found[index]
                for m in _customer_mentions(index, turn.text, match, lexicon, amounts)
            ]
            mentions.extend(_settled_within_sentences(turn.text, said))
        elif turn.speaker == REP and index + 1 < len(turns) and turns[index + 1].speaker == CUSTOMER:
            corrected = {lexicon.slot(match.phrase.tag_key) for match in found[index + 1]}
            mentions.extend(_answered_mentions(transcript, index, found[index], corrected, lexicon, amounts))
    heard, negated, notes = resolve(mentions, lexicon)
    facts = list(amount_facts(transcript))
    callback = callback_fact(transcript)
    if callback is not None:
        facts.append(callback)
    return Heard(
        tags=tuple(heard),
        negated=tuple(negated),
        facts=tuple(facts),
        summary=summarize(transcript, heard, facts, lexicon.definitions),
        notes=(*lexicon.notes, *notes),
    )


def _customer_mentions(
    index: int, text: str, match: PhraseMatch, lexicon: Lexicon, amounts: Amounts
) -> list[Mention]:
    """The customer's own words: plain, hedged, or asked."""
    phrase = match.phrase
    asked = t.clause_asks(text, match.start)
    negated, how = _polarity(text, match)
    if asked and negated:
        return []
    hedge = t.hedge_around(text, match.start, match.end)
    base = BASE_CONFIDENCE[phrase.kind]
    penalties = (HEDGE_PENALTY if hedge else 0.0, QUESTION_PENALTY if asked else 0.0)
    reason = phrase.reason + how + (f"; hedged: {hedge}" if hedge else "") + ("; asked" if asked else "")
    said = [(phrase.value, negated, match.start)]
    if lexicon.definitions[phrase.tag_key].value_type == "number":
        if negated:
            return []  # "没有预算": a cue denied names no amount
        said = _amounts_after(text, match.start, amounts(index))
    return [
        Mention(
            tag_key=phrase.tag_key,
            value=value,
            negated=value_negated,
            confidence=weighed(base, *penalties),
            clear=not hedge and not asked,
            order=(index, 1, at),
            evidence=_sentence(index, text, at),
            reason=reason,
            clause=t.clause_bounds(text, at)[0],
        )
        for value, value_negated, at in said
    ]


def _answered_mentions(
    transcript: Transcript,
    index: int,
    found: list[PhraseMatch],
    corrected: set[str],
    lexicon: Lexicon,
    amounts: Amounts,
) -> list[Mention]:
    """A rep's last statement, as far as the customer's next turn affirms or denies it, and the customer's
    amount answering a rep's question with a number cue. `corrected`: the slots the reply names."""
    text = transcript.turns[index].text
    reply_index = index + 1
    reply = transcript.turns[reply_index].text
    start, end = t.last_statement(text)
    if start == end or "还是" in text[start:end]:
        return []  # "SUV还是轿车？" — a "对" cannot pick one
    asks = t.clause_asks(text, end - 1) or text[start:end].endswith("吧")  # "您是想要SUV吧"
    agreement = t.affirmation(reply)
    if agreement == "backchannel" and not asks:
        agreement = ""  # "嗯" after a sales pitch: listening, not agreeing
    verdicts = {
        "strong": f"affirmed by the customer in turn {reply_index}",
        "accept": f"only accepted by the customer in turn {reply_index}",
        "backchannel": f"only a backchannel from the customer in turn {reply_index}",
    }
    denied = t.denies(reply)
    stated = [match for match in found if start <= match.start < end]
    # "孩子初三吧？" → "不是初三，是高一": the denial is about the grade; the child stands.
    partial = denied and any(lexicon.slot(m.phrase.tag_key) in corrected for m in stated)
    mentions: list[Mention] = []
    for match in stated:
        phrase = match.phrase
        is_number = lexicon.definitions[phrase.tag_key].value_type == "number"
        if is_number and (agreement or denied or asks):
            mentions.extend(_answer_amounts(transcript, reply_index, match, amounts))
        if not (agreement or denied):
            continue
        if is_number:
            said = _amounts_after(text, match.start, amounts(index))
        else:
            negated, _ = _polarity(text, match)
            said = [(phrase.value, negated, match.start)]
        turned = denied and (not partial or lexicon.slot(phrase.tag_key) in corrected)
        if turned:
            verdict = f"denied by the customer in turn {reply_index}"
        elif denied:
            verdict = f"not disputed when the customer corrected turn {index}"
        else:
            verdict = verdicts[agreement]
        clear = turned or (agreement == "strong" and not denied)
        mentions.extend(
            Mention(
                tag_key=phrase.tag_key,
                value=value,
                negated=value_negated != turned,
                confidence=weighed(
                    BASE_CONFIDENCE[phrase.kind], AFFIRMED_PENALTY if clear else BACKCHANNEL_PENALTY
                ),
                clear=clear,
                order=(reply_index, 0, at),
                evidence=_sentence(index, text, at),
                reason=f"{phrase.reason}, {verdict}",
            )
            for value, value_negated, at in said
        )
    return mentions


def _settled_within_sentences(text: str, said: list[Mention]) -> list[Mention]:
    """The customer's mentions of one turn, less the plain mentions that follow a clear negation of the
    same value in the same sentence without turning around ("不是轿车，是SUV，轿车后备箱太小了")."""
    denied: dict[tuple[str, str, int], tuple[int, int, int]] = {}
    for m in said:
        if m.negated and m.clear:
            denied.setdefault((m.tag_key, m.value, m.evidence.start), m.order)
    if not denied:
        return said
    kept = []
    for mention in said:
        negated_at = denied.get((mention.tag_key, mention.value, mention.evidence.start))
        if (
            not mention.negated
            and negated_at is not None
            and negated_at < mention.order
            and not text[mention.clause :].startswith(t.TURNAROUNDS)
        ):
            continue
        kept.append(mention)
    return kept


def _answer_amounts(
    transcript: Transcript, reply_index: int, cue: PhraseMatch, amounts: Amounts
) -> list[Mention]:
    """The amounts of the first sentence of the customer's reply that has one ("二十万左右吧")."""
    reply = transcript.turns[reply_index].text
    found = amounts(reply_index)
    if not found:
        return []
    first = found[0]
    said = _amounts_after(reply, first.start, found)
    hedge = t.hedge_around(reply, first.start, first.end)
    return [
        Mention(
            tag_key=cue.phrase.tag_key,
            value=value,
            negated=negated,
            confidence=weighed(BASE_CONFIDENCE[cue.phrase.kind], HEDGE_PENALTY if hedge else 0.0),
            clear=not hedge,
            order=(reply_index, 1, at),
            evidence=_sentence(reply_index, reply, at),
            reason=f"{cue.phrase.reason} asked by the rep in turn {reply_index - 1}"
            + (f"; hedged: {hedge}" if hedge else ""),
            clause=t.clause_bounds(reply, at)[0],
        )
        for value, negated, at in said
    ]


def _amounts_after(text: str, cue_at: int, found: list[AmountMention]) -> list[tuple[str, bool, int]]:
    """(value, negated, position) of the amounts from the cue's clause on, in its sentence: the negated
    ones up to the first amount said plainly ("预算不是二十万，是三十万" → 200000 negated, 300000)."""
    clause_start = t.clause_bounds(text, cue_at)[0]
    sentence_end = t.sentence_bounds(text, cue_at)[1]
    said: list[tuple[str, bool, int]] = []
    for amount in found:
        if not clause_start <= amount.start < sentence_end:
            continue
        upper = amount.amount_max if amount.amount_max is not None else amount.amount
        # "不超过二十万" / "不到二十万" bound the amount; their 不 does not deny it.
        negated = amount.qualifier not in ("at_most", "at_least") and t.is_negated(text, amount.start)
        said.append((format_amount(upper), negated, amount.start))
        if not negated:
            break
    return said


def _polarity(text: str, match: PhraseMatch) -> tuple[bool, str]:
    """Whether the phrase is negated, and how, for the reason ('; negated: 不是')."""
    before = [word for _, word in t.negators_before(text, match.start)]
    after = t.rejected_after(text, match.end)
    negated = (len(before) % 2 == 1) != after
    if not negated:
        return False, ""
    return True, "; negated: " + ("".join(before) if len(before) % 2 else "rejected after it")


def _sentence(turn_index: int, text: str, at: int) -> Span:
    start, end = t.sentence_bounds(text, at)
    return Span(turn_index=turn_index, start=start, end=end, quote=text[start:end])
