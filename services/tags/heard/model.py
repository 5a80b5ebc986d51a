"""What conversation extraction reads and what it reports: plain records, no I/O.

Extraction ("heard" tags) turns one speaker-labelled conversation and the tenant's tag library into
tag candidates, contradicted values and structured facts (call-back promises, budgets, amounts), each
with a confidence and the evidence that justifies it. The service decides what to apply and what to ask
a person about; this package only listens.

Character offsets are Python string indexes (code points) into one turn's text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CUSTOMER = "customer"
REP = "rep"
SPEAKERS = (CUSTOMER, REP)

# Fact kinds.
CALLBACK_AT = "callback_at"
BUDGET = "budget"
AMOUNT = "amount"


@dataclass(frozen=True, kw_only=True)
class Turn:
    """One speaker's turn: who spoke ("customer" | "rep"), what was said, and when if known."""

    speaker: str
    text: str
    offset_ms: int = 0  # after the conversation's start; 0: unknown


@dataclass(frozen=True, kw_only=True)
class Transcript:
    """The part of a conversation extraction reads: turns, when it started, and where (time zone)."""

    turns: tuple[Turn, ...]
    started_at: datetime  # aware
    time_zone: str  # IANA name; relative times ("明天下午三点") resolve in it

    def spoken_at(self, turn_index: int) -> datetime:
        """When a turn was spoken: the start plus its offset (the start when the offset is unknown)."""
        from datetime import timedelta

        return self.started_at + timedelta(milliseconds=self.turns[turn_index].offset_ms)


@dataclass(frozen=True, kw_only=True)
class Span:
    """Characters [start, end) of one turn; `quote` is exactly that text (the sentence carrying the evidence)."""

    turn_index: int
    start: int
    end: int
    quote: str


@dataclass(frozen=True, kw_only=True)
class HeardTag:
    """A tag value the conversation supports (or, when `negated`, contradicts).

    `reason` says how it was heard, for the person who reviews it: 'keyword "预算"',
    'affirmed by the customer in turn 4', 'hedged: 可能'.
    """

    tag_key: str
    value: str  # "" for flag tags; the allowed value for enums; the number as a decimal string for numbers
    confidence: float  # 0..1
    evidence: Span
    reason: str = ""
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class HeardFact:
    """A structured fact: a call-back promise, a budget or another money amount.

    `value` is normalised: ISO-8601 UTC for callback_at ("2026-11-24T07:00:00Z"); a decimal number for
    amounts ("200000", "3500.5"), or "min-max" for a range. See `tags.proto` HeardFact for qualifiers.
    """

    kind: str  # CALLBACK_AT | BUDGET | AMOUNT
    value: str
    text: str  # the expression as said
    qualifier: str
    confidence: float
    evidence: Span
    at: datetime | None = None  # callback_at only (aware, UTC)
    amount: float | None = None  # amounts only (lower bound of a range)
    amount_max: float | None = None  # ranges only


@dataclass(frozen=True, kw_only=True)
class Heard:
    """Everything extraction heard in one conversation."""

    tags: tuple[HeardTag, ...] = ()  # at most one value per tag and per exclusive group
    negated: tuple[HeardTag, ...] = ()  # values the customer contradicted ("不是X")
    facts: tuple[HeardFact, ...] = ()
    summary: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. which hints were ignored, for debugging
