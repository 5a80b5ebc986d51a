"""The call-back a conversation agreed on: "我明天下午三点给您回电话", "您什么时候方便？" → "后天上午吧".

A time expression counts when its sentence carries a call-back cue (打给我, 回电, 联系, 再聊, 约…, 电话…),
said by either speaker, or when it answers the other speaker's call-back question. Refused times ("明天不行",
"明天下午有个会", "不是明天") never count; a refusal of the other speaker's proposal cancels it, and a
counter-offer replaces it. When several call-backs are agreed, the last one in the conversation wins. A time
with no cue and no question ("我明天下午有个会") is not a call-back.
"""

from __future__ import annotations

import re
from datetime import UTC

from services.tags.heard import text as zh
from services.tags.heard.model import CALLBACK_AT, HeardFact, Span, Transcript
from services.tags.heard.times import TimeMention, find_times

__all__ = ["TimeMention", "callback_fact", "find_times"]

_CUE = re.compile(
    r"打给|给(?:我|您|你)打|打电话|致电|去电|打过来|打回|回电|回个电话|回拨|联系|再打|再聊|找我|找您|来电|"
    r"(?<![大节制])约(?!束)|电话"
)
# A call-back question without a cue word: "您什么时候方便？", "几点有空？"; a visit ("什么时候方便来试驾？")
# is not a call-back.
_WHEN_QUESTION = re.compile(r"(?:什么时候|啥时候|什么时间|几点|哪天|哪个时间).{0,6}(?:方便|有空|合适|可以)")
_VISIT = re.compile(r"来|到店|试驾|看车|见面|过来")
# Said right after a time, these refuse it: "明天不行", "明天下午有个会", "明天不用打了".
_REFUSAL_AFTER = re.compile(
    r"[^，,。！？；!?;\n]{0,6}?(?:(?<!行)不行|(?<!方)不方便|没空|没时间|不在|有事|出差|有(?:个|一个)?会|开会|(?<![不帮])忙|"
    r"(?<!可)不可以|来不及|不用|别(?!忘)|不要(?!忘)|(?<!能)不能)"
)
# Words that contain a negator but propose or deny nothing ("不如明天下午", "要不后天吧", "特别").
_PROPOSALS = re.compile(r"不如|要不|不然|不好意思|不过|别(?:家|的|人|处)|(?:区|特|分|级|类|告|识|差)别")

CUE_CONFIDENCE = 0.9
ANSWER_CONFIDENCE = 0.85
VAGUE_PENALTY = 0.05  # only a day or a day part was said
HEDGE_PENALTY = 0.2


def _usable(text: str, mentions: list[TimeMention]) -> list[TimeMention]:
    """The times the speaker does not turn down ("明天不行", "明天下午有个会", "不是明天" are turned down)."""
    unproposed = _PROPOSALS.sub(lambda m: "\x01" * len(m.group(0)), text)
    return [
        m
        for m in mentions
        if not _REFUSAL_AFTER.match(text, m.end) and not zh.is_negated(unproposed, m.start)
    ]


def _asks_when(text: str) -> bool:
    """True when a turn asks for a call-back time: a question with a cue or "什么时候方便"."""
    return any(
        zh.is_question(text, start, end)
        and bool(
            _CUE.search(text, start, end)
            or (_WHEN_QUESTION.search(text, start, end) and not _VISIT.search(text, start, end))
        )
        for start, end in zh.spans(text)
    )


def _pick(text: str, usable: list[TimeMention], start: int, end: int) -> TimeMention | None:
    """The time a sentence settles on: the last usable one, preferring those sharing a clause with a cue."""
    usable = [m for m in usable if start <= m.start < end]
    with_cue = [m for m in usable if _CUE.search(text, *zh.clause_bounds(text, m.start))]
    candidates = with_cue or usable
    return candidates[-1] if candidates else None


def _fact(text: str, mention: TimeMention, turn_index: int, confidence: float) -> HeardFact:
    start, end = zh.sentence_bounds(text, mention.start)
    if mention.qualifier in ("day", "day_part"):
        confidence -= VAGUE_PENALTY
    if zh.hedge_in(text, start, end):
        confidence -= HEDGE_PENALTY
    at = mention.at.astimezone(UTC)
    return HeardFact(
        kind=CALLBACK_AT,
        value=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        text=mention.text,
        qualifier=mention.qualifier,
        confidence=round(confidence, 2),
        evidence=Span(turn_index=turn_index, start=start, end=end, quote=text[start:end]),
        at=at,
    )


def callback_fact(transcript: Transcript) -> HeardFact | None:
    """The call-back promise a conversation agreed on, or None.

    Each time is resolved against the moment its turn was spoken (start + offset) in the conversation's
    time zone; `value` is ISO-8601 UTC ("2026-11-24T07:00:00Z"), `at` the same instant, and the evidence the
    sentence holding the time expression. The last agreed call-back wins; a refusal cancels the proposal
    it answers.
    """
    agreed: HeardFact | None = None
    agreed_before: HeardFact | None = None  # what stood before the latest proposal, should it be refused
    previous_text, previous_speaker = "", ""
    for index, turn in enumerate(transcript.turns):
        text = turn.text
        replying = previous_speaker not in ("", turn.speaker)
        answering = replying and _asks_when(previous_text)
        previous_text, previous_speaker = text, turn.speaker
        mentions = find_times(text, spoken_at=transcript.spoken_at(index), time_zone=transcript.time_zone)
        usable = _usable(text, mentions) if mentions else []
        proposed_just_before = replying and agreed is not None and agreed.evidence.turn_index == index - 1
        if proposed_just_before and (zh.denies(text) or len(usable) < len(mentions)):
            # The other speaker turned that proposal down: what stood before it stands again, and a time
            # in this reply is a counter-offer ("明天下午三点给您打。" → "不行，周五吧").
            agreed, answering = agreed_before, True
        proposal = _proposal(text, usable, index, answering=answering) if usable else None
        if proposal is not None:
            agreed_before, agreed = agreed, proposal
    return agreed


def _proposal(text: str, usable: list[TimeMention], index: int, *, answering: bool) -> HeardFact | None:
    """The call-back one turn settles on: the last sentence with a cue and a usable time, or, when the turn
    answers a call-back question, its first sentence with a usable time."""
    proposal: HeardFact | None = None
    answered = False
    for start, end in zh.spans(text):
        has_cue = bool(_CUE.search(text, start, end))
        if not has_cue and (not answering or answered):
            continue
        chosen = _pick(text, usable, start, end)
        if chosen is not None:
            proposal = _fact(text, chosen, index, CUE_CONFIDENCE if has_cue else ANSWER_CONFIDENCE)
            answered = True
    return proposal
