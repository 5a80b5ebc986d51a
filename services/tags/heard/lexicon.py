"""The phrases a tenant's tag library listens for, compiled into one Aho-Corasick automaton.

Hints are data, not code: each hearable definition contributes its keywords and synonyms (flag tags;
for number tags they are cues, and the value is the amount said next to them), its value hints (enum
tags: `hints.values[i]` → that value) and, for enum tags with hints, each allowed value said literally.
Patterns ("给*父母") are literal parts with `*` gaps of up to 8 characters of the same clause: their first
part goes into the automaton as an anchor and the whole pattern is checked at that anchor with a regex
built from escaped literals, so tenant text never runs as a regular expression.

Phrases match as written — no word segmentation, which would merge 高端车 into one token and hide the
tenant's keyword 车 — but ASCII (and full-width ASCII) letters match case-insensitively. When one match
lies inside a longer one ("理想" inside "理想L6", "小学" inside "对口小学"), the longer, more specific
phrase wins; matches that merely overlap are both kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick_rs

from services.tags.heard.text import CLAUSE_ENDS
from services.tags.model import TagDef

HEARABLE_TYPES = ("flag", "enum", "number")
PATTERN_GAP = 8  # characters one `*` may stand for (tags.proto ExtractionHints)

# Same-length folding, so offsets into the folded text are offsets into the original.
_FOLD = str.maketrans(
    {
        **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
        **{chr(c): chr(c - 0xFEE0 + 32) for c in range(ord("Ａ"), ord("Ｚ") + 1)},
        **{chr(c): chr(c - 0xFEE0) for c in range(ord("ａ"), ord("ｚ") + 1)},
        **{chr(c): chr(c - 0xFEE0) for c in range(ord("０"), ord("９") + 1)},
    }
)
_GAP = f"[^{re.escape(CLAUSE_ENDS)}]{{0,{PATTERN_GAP}}}?"


def fold(text: str) -> str:
    """`text` with ASCII and full-width letters and digits in lowercase ASCII; same length, same offsets."""
    return text.translate(_FOLD)


@dataclass(frozen=True, kw_only=True)
class Phrase:
    """One thing a definition listens for. `kind` is keyword | synonym | pattern | value (the allowed
    value itself); `value` is the enum value it means ("" for flag tags and number cues)."""

    tag_key: str
    value: str
    kind: str
    text: str  # as the tenant wrote it

    @property
    def reason(self) -> str:
        return f'{self.kind} "{self.text}"'


@dataclass(frozen=True, kw_only=True)
class PhraseMatch:
    """A phrase heard at characters [start, end) of a turn's text."""

    phrase: Phrase
    start: int
    end: int


@dataclass(frozen=True)
class _Pattern:
    phrase: Phrase
    parts: tuple[str, ...]  # folded literal parts

    def match_end(self, folded: str, start: int) -> int | None:
        """Where the pattern ends when it matches at `start`, else None."""
        match = _pattern_regex(self.parts).match(folded, start)
        return match.end() if match else None


@lru_cache(maxsize=4096)
def _pattern_regex(parts: tuple[str, ...]) -> re.Pattern[str]:
    # Compiled on first use, not at build: compiling hundreds of regexes would make building slow, and
    # most patterns' anchors are never heard.
    return re.compile(_GAP.join(re.escape(part) for part in parts))


@dataclass
class _Entry:
    phrases: list[Phrase] = field(default_factory=list)
    patterns: list[_Pattern] = field(default_factory=list)


class Lexicon:
    """The hearable part of one tenant's library: definitions by key and one automaton over all phrases."""

    def __init__(
        self, *, definitions: Mapping[str, TagDef], entries: Mapping[str, _Entry], notes: tuple[str, ...]
    ) -> None:
        self.definitions = dict(definitions)
        self.notes = notes
        self._texts = list(entries)
        self._entries = [entries[text] for text in self._texts]
        self._automaton = ahocorasick_rs.AhoCorasick(self._texts)

    @classmethod
    def build(cls, definitions: Iterable[TagDef]) -> Lexicon:
        """Compile the hearable definitions (active, not system, flag/enum/number, with hints) into one
        automaton; definitions without hints are simply not listened for."""
        hearable: dict[str, TagDef] = {}
        entries: dict[str, _Entry] = {}
        notes: list[str] = []
        seen: set[tuple[str, str, str]] = set()

        def add(phrase: Phrase) -> None:
            folded = fold(phrase.text.strip())
            if not folded or (phrase.tag_key, phrase.value, folded) in seen:
                return
            seen.add((phrase.tag_key, phrase.value, folded))
            if phrase.kind != "pattern":
                entries.setdefault(folded, _Entry()).phrases.append(phrase)
                return
            parts = [part.strip() for part in folded.split("*")]
            if not all(parts):
                notes.append(
                    f"{phrase.tag_key}: pattern {phrase.text!r} ignored: a `*` needs text on both sides"
                )
                return
            entries.setdefault(parts[0], _Entry()).patterns.append(_Pattern(phrase, tuple(parts)))

        for definition in definitions:
            if not _is_hearable(definition):
                continue
            hearable[definition.key] = definition
            for phrase, note in _phrases(definition):
                if phrase is not None:
                    add(phrase)
                if note:
                    notes.append(note)
        return cls(definitions=hearable, entries=entries, notes=tuple(notes))

    def __len__(self) -> int:
        return sum(len(entry.phrases) + len(entry.patterns) for entry in self._entries)

    def slot(self, tag_key: str) -> str:
        """What resolves to one value: an exclusive group ("group:意向") or the tag itself ("tag:budget")."""
        definition = self.definitions[tag_key]
        return f"group:{definition.group}" if definition.exclusive else f"tag:{tag_key}"

    def find(self, text: str) -> list[PhraseMatch]:
        """Every phrase heard in `text` (one automaton pass), in order of position, with matches inside a
        longer match dropped."""
        folded = fold(text)
        spans: dict[tuple[int, int], list[Phrase]] = {}
        for index, start, end in self._automaton.find_matches_as_indexes(folded, overlapping=True):
            entry = self._entries[index]
            for phrase in entry.phrases:
                if _whole(folded, start, end):
                    spans.setdefault((start, end), []).append(phrase)
            for pattern in entry.patterns:
                pattern_end = pattern.match_end(folded, start)
                if pattern_end is not None and _whole(folded, start, pattern_end):
                    spans.setdefault((start, pattern_end), []).append(pattern.phrase)
        found: list[PhraseMatch] = []
        reach = -1
        for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
            if end <= reach:
                continue  # inside a longer match that starts at or before it
            reach = end
            found.extend(PhraseMatch(phrase=p, start=start, end=end) for p in spans[(start, end)])
        return found


def _is_hearable(definition: TagDef) -> bool:
    return (
        definition.status == "active"
        and definition.category != "system"
        and definition.value_type in HEARABLE_TYPES
        and not definition.hints.is_empty()
    )


def _phrases(definition: TagDef) -> Iterable[tuple[Phrase | None, str]]:
    key, hints = definition.key, definition.hints
    if definition.value_type == "enum":
        if hints.keywords or hints.synonyms or hints.patterns:
            yield (
                None,
                f"{key}: keywords, synonyms and patterns of an enum tag name no value; use value hints",
            )
        for value in definition.allowed_values:
            yield Phrase(tag_key=key, value=value, kind="value", text=value), ""
        for value_hints in hints.values:
            if value_hints.value not in definition.allowed_values:
                yield None, f"{key}: hints for {value_hints.value!r}, which is not an allowed value"
                continue
            for text in value_hints.keywords:
                yield Phrase(tag_key=key, value=value_hints.value, kind="keyword", text=text), ""
            for text in value_hints.patterns:
                yield Phrase(tag_key=key, value=value_hints.value, kind="pattern", text=text), ""
        return
    for kind, texts in (
        ("keyword", hints.keywords),
        ("synonym", hints.synonyms),
        ("pattern", hints.patterns),
    ):
        for text in texts:
            yield Phrase(tag_key=key, value="", kind=kind, text=text), ""


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _whole(folded: str, start: int, end: int) -> bool:
    """ASCII phrases match whole words: "demo" is not heard in "demonstration", "2室" not in "12室"."""
    if _is_word_char(folded[start]) and start > 0 and _is_word_char(folded[start - 1]):
        return False
    return not (_is_word_char(folded[end - 1]) and end < len(folded) and _is_word_char(folded[end]))
