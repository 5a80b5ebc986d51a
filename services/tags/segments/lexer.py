"""Tokens of the segment text, each with its character offset (see docs/segments.md "The text syntax").

A *word* is a run of letters (any script, so CJK), digits and `_ . -`: `已成交-定制衣柜`,
`intent.level`, `2026-01-01` and `-3.5` are one word each. Anything else is quoted: `"…"`, `'…'` or
`“…”` (backslash escapes `\\"` and `\\\\` inside straight quotes). Full-width `（ ） ，` and
`≥ ≤ ≠` are accepted as their ASCII forms, because Chinese input methods produce them.
Keywords are words too; the parser decides (a quoted string is never a keyword).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.tags.segments.errors import SegmentSyntaxError, where

WORD = "word"
STRING = "string"
LPAREN = "("
RPAREN = ")"
COMMA = ","
OP = "op"
END = "end"

_WORD_PUNCTUATION = frozenset("_.-")
_SINGLE = {"(": LPAREN, "（": LPAREN, ")": RPAREN, "）": RPAREN, ",": COMMA, "，": COMMA}
_OPERATORS = {
    ">=": ">=",
    "<=": "<=",
    "!=": "!=",
    "<>": "!=",
    "==": "=",
    "=": "=",
    ">": ">",
    "<": "<",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
}
_QUOTES = {'"': '"', "'": "'", "“": "”"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # a word as typed, a string's content, an operator's ASCII form
    offset: int
    end: int

    def describe(self) -> str:
        """How an error message names what it found."""
        if self.kind == END:
            return "end of input"
        if self.kind == STRING:
            return f'"{self.text}"'
        return f"'{self.text}'"


def is_word_char(char: str) -> bool:
    return char.isalnum() or char in _WORD_PUNCTUATION


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an END token; raises SegmentSyntaxError on a stray character."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif is_word_char(char):
            start = i
            while i < n and is_word_char(text[i]):
                i += 1
            tokens.append(Token(WORD, text[start:i], start, i))
        elif char in _SINGLE:
            tokens.append(Token(_SINGLE[char], char, i, i + 1))
            i += 1
        elif char in _QUOTES:
            token = _string(text, i, _QUOTES[char])
            tokens.append(token)
            i = token.end
        else:
            two = text[i : i + 2]
            op = two if two in _OPERATORS else char if char in _OPERATORS else None
            if op is None:
                raise SegmentSyntaxError(
                    f"unexpected character {char!r} at {where(text, i)}; quote names and values that "
                    'contain it ("…")',
                    text=text,
                    offset=i,
                    found=repr(char),
                )
            tokens.append(Token(OP, _OPERATORS[op], i, i + len(op)))
            i += len(op)
    tokens.append(Token(END, "", n, n))
    return tokens


def _string(text: str, start: int, closing: str) -> Token:
    chars: list[str] = []
    i = start + 1
    straight = closing in "\"'"
    while i < len(text):
        char = text[i]
        if straight and char == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
            continue
        if char == closing:
            return Token(STRING, "".join(chars), start, i + 1)
        chars.append(char)
        i += 1
    raise SegmentSyntaxError(
        f"unterminated quoted string starting at {where(text, start)}; close it with {closing}",
        text=text,
        offset=start,
        found="end of input",
        expected=closing,
    )
