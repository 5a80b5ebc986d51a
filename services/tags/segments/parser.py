"""The segment text → expression tree (grammar and meaning: docs/segments.md "The text syntax").

    expression := or
    or         := and { OR and }
    and        := unary { AND unary }
    unary      := NOT unary | "(" expression ")" | condition
    condition  := name [ ("=" | "!=" | ">" | ">=" | "<" | "<=") value
                       | [NOT] IN "(" value { "," value } ")"
                       | BETWEEN value AND value
                       | FROM ( source | "(" source { "," source } ")" )
                       | ASSIGNED { WITHIN n DAYS | AFTER time | BEFORE time } ]

Keywords are case-insensitive whole words; 且 / 或 / 非 stand for AND / OR / NOT. Names resolve through
the caller's `resolve` (key first, then display name: `names.TagNames`). Grammar errors raise at once;
unknown and ambiguous names are collected and named together; then the first value error raises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from common.errors import InvalidArgument
from services.tags.assignments.values import check_value
from services.tags.model import SOURCES, TagDef
from services.tags.segments import lexer
from services.tags.segments.conditions import build_condition
from services.tags.segments.errors import SegmentSyntaxError, where
from services.tags.segments.expression import And as AndNode
from services.tags.segments.expression import Node, Not
from services.tags.segments.expression import Or as OrNode
from services.tags.segments.lexer import Token
from services.tags.segments.names import AmbiguousName, TagNames

MAX_TEXT = 4000
MAX_DEPTH = 32
MAX_CONDITIONS = 64

Resolve = Callable[[str], TagDef | None]
Suggest = Callable[[str], list[str]]

KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "BETWEEN", "FROM", "ASSIGNED", "WITHIN", "AFTER", "BEFORE"})
KEYWORDS_CJK = {"且": "AND", "或": "OR", "非": "NOT"}
_CONDITIONS = "=, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, FROM, ASSIGNED"


def keyword_of(word: str) -> str | None:
    """The keyword a bare word is (AND, OR, …), or None; names that collide must be quoted."""
    upper = word.upper()
    return upper if upper in KEYWORDS else KEYWORDS_CJK.get(word)


def parse(text: str, resolve: Resolve, *, suggest: Suggest | None = None, field: str = "text") -> Node:
    """The tree of `text`; raises SegmentSyntaxError (an InvalidArgument naming `field`).

    `resolve(name)` returns the tag a key or display name refers to, None when unknown, or raises
    `names.AmbiguousName`; `suggest(name)` offers "did you mean" candidates for unknown names.
    """
    if len(text) > MAX_TEXT:
        raise SegmentSyntaxError(
            f"segment text has {len(text)} characters; at most {MAX_TEXT} are allowed",
            text=text,
            offset=MAX_TEXT,
            field=field,
        )
    return Parser(text, resolve, suggest, field).run()


def parse_segment(text: str, names: TagNames, *, field: str = "text") -> Node:
    """`parse` against a tenant's library (keys first, then display names, with suggestions)."""
    return parse(text, names.resolve, suggest=names.suggest, field=field)


class Parser:
    """One recursive-descent pass over the tokens; `conditions.build_condition` reads each condition."""

    def __init__(self, text: str, resolve: Resolve, suggest: Suggest | None, field: str) -> None:
        self.text = text
        self.resolve = resolve
        self.suggest = suggest
        self.field = field
        try:
            self.tokens = lexer.tokenize(text)
        except SegmentSyntaxError as error:
            error.field = field
            raise
        self.i = 0
        self.depth = 0
        self.conditions = 0
        self.bad_names: list[tuple[Token, str]] = []  # (token, "unknown" or an ambiguity note)
        self.problems: list[SegmentSyntaxError] = []

    # -- plumbing
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def keyword(self, ahead: int = 0) -> str | None:
        token = self.peek(ahead)
        return keyword_of(token.text) if token.kind == lexer.WORD else None

    def error(self, message: str, token: Token, *, found: str = "", expected: str = "") -> SegmentSyntaxError:
        return SegmentSyntaxError(
            f"{message} at {where(self.text, token.offset)}",
            text=self.text,
            offset=token.offset,
            found=found,
            expected=expected,
            field=self.field,
        )

    def expected(self, what: str, token: Token | None = None) -> SegmentSyntaxError:
        """`expected ')' or AND/OR at column 17, found end of input`."""
        token = token or self.peek()
        found = token.describe()
        return SegmentSyntaxError(
            f"expected {what} at {where(self.text, token.offset)}, found {found}",
            text=self.text,
            offset=token.offset,
            found=found,
            expected=what,
            field=self.field,
        )

    def problem(self, message: str, token: Token) -> None:
        self.problems.append(self.error(message, token))

    def expect(self, kind: str, what: str) -> Token:
        if self.peek().kind != kind:
            raise self.expected(what)
        return self.advance()

    # -- grammar
    def run(self) -> Node:
        if self.peek().kind == lexer.END:
            raise self.expected("a condition (a tag name, NOT or '(')")
        node = self.or_expression()
        if self.peek().kind == lexer.RPAREN:
            raise self.error("unbalanced ')': there is no '(' before it", self.peek(), found="')'")
        if self.peek().kind != lexer.END:
            raise self.after_condition("AND/OR or end of input", "AND/OR, {} or end of input")
        self.finish()
        return node

    def after_condition(self, base: str, with_comparison: str) -> SegmentSyntaxError:
        """What may follow a condition; after a bare name a comparison could have come too."""
        token = self.peek()
        if self.keyword() == "NOT":
            return self.expected(f"{base} (for a negation write AND NOT / OR NOT; for a list, NOT IN)")
        if token.kind in (lexer.WORD, lexer.STRING):
            previous = self.tokens[self.i - 1]
            if previous.kind in (lexer.WORD, lexer.STRING) and keyword_of(previous.text) is None:
                return self.expected(with_comparison.format(f"a comparison ({_CONDITIONS})"))
        return self.expected(base)

    def or_expression(self) -> Node:
        children = [self.and_expression()]
        while self.keyword() == "OR":
            self.advance()
            children.append(self.and_expression())
        return children[0] if len(children) == 1 else OrNode(tuple(children))

    def and_expression(self) -> Node:
        children = [self.unary()]
        while self.keyword() == "AND":
            self.advance()
            children.append(self.unary())
        return children[0] if len(children) == 1 else AndNode(tuple(children))

    def unary(self) -> Node:
        token = self.peek()
        if self.keyword() == "NOT" or token.kind == lexer.LPAREN:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"nesting is deeper than {MAX_DEPTH} levels of NOT and parentheses", token)
            self.advance()
            if token.kind == lexer.LPAREN:
                node: Node = self.or_expression()
                if self.peek().kind != lexer.RPAREN:
                    raise self.after_condition("')' or AND/OR", "')', AND/OR or {}")
                self.advance()
            else:
                node = Not(self.unary())
            self.depth -= 1
            return node
        if token.kind == lexer.STRING or (token.kind == lexer.WORD and self.keyword() is None):
            return self.condition()
        raise self.expected("a condition (a tag name, NOT or '(')")

    def condition(self) -> Node:
        name = self.advance()
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise self.error(
                f"a segment may hold at most {MAX_CONDITIONS} conditions; this is one more", name
            )
        return build_condition(self, name, self.lookup(name))

    def lookup(self, token: Token) -> TagDef | None:
        if not token.text.strip():
            raise self.error("a tag name cannot be empty", token, found=token.describe())
        try:
            definition = self.resolve(token.text)
        except AmbiguousName as ambiguous:
            self.bad_names.append((token, f"is the display name of {', '.join(ambiguous.keys)}; use a key"))
            return None
        if definition is None:
            self.bad_names.append((token, "unknown"))
        return definition

    # -- values
    def value(self, what: str = "a value") -> Token:
        token = self.peek()
        if token.kind == lexer.STRING or (token.kind == lexer.WORD and self.keyword() is None):
            return self.advance()
        raise self.expected(what + (" (quote a value that is a keyword)" if self.keyword() else ""))

    def checked(self, token: Token, definition: TagDef) -> bool:
        """True when the value suits the tag (else a positioned problem is recorded)."""
        try:
            check_value(definition, token.text, field=self.field)
        except InvalidArgument as error:
            self.problem(error.message, token)
            return False
        return True

    def instant_ms(self, token: Token) -> int | None:
        """A date (00:00 UTC that day) or an ISO-8601 time (no offset: UTC) as epoch milliseconds."""
        text = token.text
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            else:
                moment = datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
        except ValueError:
            self.problem(f"{text!r} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)", token)
            return None
        return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _MS

    def source(self, token: Token) -> str:
        source = token.text.lower()
        if source not in SOURCES:
            self.problem(f"unknown source {token.text!r} (sources: {', '.join(SOURCES)})", token)
        return source

    # -- the end
    def finish(self) -> None:
        if self.bad_names:
            self.raise_names()
        if self.problems:
            raise self.problems[0]

    def raise_names(self) -> None:
        parts: list[str] = []
        unknown: list[str] = []
        seen: set[str] = set()
        for token, note in self.bad_names:
            if token.text in seen:
                continue
            seen.add(token.text)
            at = where(self.text, token.offset)
            if note != "unknown":
                parts.append(f"{token.text} at {at} {note}")
                continue
            unknown.append(token.text)
            hint = self.suggest(token.text) if self.suggest else []
            parts.append(f"{token.text} at {at}" + (f" (did you mean {' or '.join(hint)}?)" if hint else ""))
        label = "unknown tag: " if len(unknown) == 1 else "unknown tags: " if unknown else ""
        first = self.bad_names[0][0]
        raise SegmentSyntaxError(
            label + "; ".join(parts),
            text=self.text,
            offset=first.offset,
            found=first.text,
            unknown=tuple(unknown),
            field=self.field,
        )


_MS = datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
