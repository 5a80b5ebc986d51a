"""The error a segment's text gets when it cannot be read: where, what was found, what was expected.

It is an `InvalidArgument`, so the gRPC interceptor maps it (INVALID_ARGUMENT, a BadRequest naming
the field) and the gateway shows BAD_USER_INPUT; the position also travels in the ErrorInfo
metadata (`line`, `column`, `offset`) so a front end can underline the spot.
"""

from __future__ import annotations

from common.errors import InvalidArgument


def position_of(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset; columns count characters (一 is one column)."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def where(text: str, offset: int) -> str:
    """`column 17`, or `line 2, column 5` when the text has several lines."""
    line, column = position_of(text, offset)
    return f"line {line}, column {column}" if "\n" in text else f"column {column}"


class SegmentSyntaxError(InvalidArgument):
    """A segment text that does not parse or names what the library does not hold.

    `offset` is the 0-based character offset of the first problem, `line`/`column` its 1-based
    position; `found`/`expected` are set for grammar errors, `unknown` lists every unknown name.
    """

    reason = "SEGMENT_SYNTAX"

    def __init__(
        self,
        message: str,
        *,
        text: str,
        offset: int,
        found: str = "",
        expected: str = "",
        unknown: tuple[str, ...] = (),
        field: str | None = "text",
    ) -> None:
        line, column = position_of(text, offset)
        super().__init__(
            message,
            field=field,
            metadata={"line": str(line), "column": str(column), "offset": str(offset)},
        )
        self.offset = offset
        self.line = line
        self.column = column
        self.found = found
        self.expected = expected
        self.unknown = unknown

    def pointer(self, text: str) -> str:
        """The offending line with a caret under the problem (for logs and command-line tools)."""
        start = text.rfind("\n", 0, self.offset) + 1
        end = text.find("\n", self.offset)
        line = text[start : end if end >= 0 else len(text)]
        return f"{line}\n{' ' * (self.column - 1)}^"
