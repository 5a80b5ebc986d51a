"""From mentions to heard tags: the confidence scheme and the one-value-per-slot resolution. Pure.

A *mention* is one statement about one tag value, already attributed and weighed by `extract.py`.

Confidence of a mention (the threshold that applies a tag is 0.85 by default):
- by the phrase heard: keyword or an enum value said literally 0.90, synonym 0.88, pattern 0.87 —
  a plain customer statement is applied;
- the customer hedges ("可能", "考虑", "也许"…) −0.25, or asks ("你们有SUV吗") −0.30: it lands as a
  pending suggestion;
- a rep's statement counts only through the customer's next turn: strongly affirmed ("对", "是的",
  "没错") or denied ("不是") −0.02, with the denial turning the value around; a backchannel ("嗯", "好",
  "行" — on a call often only "I'm listening") −0.30;
- a *clear* mention is a customer's plain statement or a rep's statement strongly affirmed or denied.

Resolution:
- per value: the latest clear mention decides whether the value is heard or negated (the later statement
  wins); with no clear mention, the latest mention does. The outcome's confidence is the best of the
  mentions agreeing with it, +0.03 for each further sentence that agrees (at most three), capped at 0.99;
  its evidence is the decisive mention's sentence;
- per slot (an exclusive group, or one enum or number tag): one heard value — the one with the latest
  clear statement ("之前还在对比，现在越快越好" → the later clause), ties within one clause broken by
  confidence; with no clear statement, the most confident. Negated values are all reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.tags.heard.lexicon import Lexicon
from services.tags.heard.model import HeardTag, Span

BASE_CONFIDENCE = {"keyword": 0.90, "value": 0.90, "synonym": 0.88, "pattern": 0.87}
HEDGE_PENALTY = 0.25
QUESTION_PENALTY = 0.30
AFFIRMED_PENALTY = 0.02  # a rep's statement the customer strongly affirms or denies
BACKCHANNEL_PENALTY = 0.30
REPEAT_BONUS = 0.03
REPEATS_COUNTED = 3
CAP = 0.99
FLOOR = 0.30


@dataclass(frozen=True, kw_only=True)
class Mention:
    """One statement about one tag value. `order` sorts statements by when the customer made them:
    (turn, 0 for a rep statement the turn answered or 1 for the customer's own words, position);
    `clause` is where the statement's clause starts (0 for a rep statement), to tell ties apart."""

    tag_key: str
    value: str
    negated: bool
    confidence: float
    clear: bool
    order: tuple[int, int, int]
    evidence: Span
    reason: str
    clause: int = 0

    @property
    def sentence(self) -> tuple[int, int]:
        return self.evidence.turn_index, self.evidence.start


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    tag: HeardTag
    last_clear: tuple[int, int, int] | None  # clause order of its latest clear mention
    order: tuple[int, int, int]


def weighed(base: float, *penalties: float) -> float:
    """A mention's confidence: its phrase's base less its penalties, never below the floor."""
    return round(max(FLOOR, base - sum(penalties)), 4)


def resolve(
    mentions: Iterable[Mention], lexicon: Lexicon
) -> tuple[list[HeardTag], list[HeardTag], list[str]]:
    """Heard tags (one per slot), negated values, and notes on values that lost their slot."""
    by_value: dict[tuple[str, str], list[Mention]] = {}
    for mention in mentions:
        by_value.setdefault((mention.tag_key, mention.value), []).append(mention)
    by_slot: dict[str, list[_Outcome]] = {}
    negated: list[_Outcome] = []
    for (tag_key, _), said in by_value.items():
        outcome = _value_outcome(sorted(said, key=lambda m: m.order))
        if outcome.tag.negated:
            negated.append(outcome)
        else:
            by_slot.setdefault(lexicon.slot(tag_key), []).append(outcome)
    heard: list[_Outcome] = []
    notes: list[str] = []
    for slot, outcomes in by_slot.items():
        winner = max(outcomes, key=_slot_rank)
        heard.append(winner)
        for loser in outcomes:
            if loser is not winner:
                notes.append(f"{slot}: {_label(winner.tag)} over {_label(loser.tag)}")
    return _in_order(heard), _in_order(negated), notes


def _value_outcome(said: list[Mention]) -> _Outcome:
    clear = [m for m in said if m.clear]
    decisive = (clear or said)[-1]
    agreeing = [m for m in said if m.negated == decisive.negated]
    sentences = {m.sentence for m in agreeing}
    bonus = REPEAT_BONUS * min(len(sentences) - 1, REPEATS_COUNTED)
    confidence = round(min(CAP, max(m.confidence for m in agreeing) + bonus), 4)
    reason = decisive.reason + (f"; {len(sentences)} sentences agree" if len(sentences) > 1 else "")
    last_clear = [m for m in agreeing if m.clear]
    return _Outcome(
        tag=HeardTag(
            tag_key=decisive.tag_key,
            value=decisive.value,
            confidence=confidence,
            evidence=decisive.evidence,
            reason=reason,
            negated=decisive.negated,
        ),
        last_clear=_clause_order(last_clear[-1]) if last_clear else None,
        order=decisive.order,
    )


def _clause_order(mention: Mention) -> tuple[int, int, int]:
    turn, phase, _ = mention.order
    return turn, phase, mention.clause


def _slot_rank(outcome: _Outcome) -> tuple[bool, tuple[int, int, int], float, tuple[int, int, int]]:
    if outcome.last_clear is None:
        return False, (0, 0, 0), outcome.tag.confidence, outcome.order
    return True, outcome.last_clear, outcome.tag.confidence, outcome.order


def _label(tag: HeardTag) -> str:
    return f"{tag.tag_key}={tag.value}" if tag.value else tag.tag_key


def _in_order(outcomes: list[_Outcome]) -> list[HeardTag]:
    """In the order the decisive statements were made."""
    return [outcome.tag for outcome in sorted(outcomes, key=lambda o: (o.order, o.tag.tag_key))]
