"""The error examples in docs/segments.md are what the parser really says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.tags.segments.errors import SegmentSyntaxError
from services.tags.segments.parser import parse_segment
from tests.unit.tags.segments.library import NAMES

DOC = Path(__file__).parents[4] / "docs" / "segments.md"
_ROW = re.compile(r"^\| `(?P<text>[^`]+)` \| `(?P<message>.+)` \|$")


def documented_errors() -> list[tuple[str, str]]:
    section = DOC.read_text(encoding="utf-8").split("### Errors", 1)[1].split("###", 1)[0]
    return [(m["text"], m["message"]) for line in section.splitlines() if (m := _ROW.match(line))]


def test_the_page_documents_errors() -> None:
    assert len(documented_errors()) >= 10


@pytest.mark.parametrize(("text", "message"), documented_errors())
def test_documented_error_messages_are_real(text: str, message: str) -> None:
    with pytest.raises(SegmentSyntaxError) as caught:
        parse_segment(text, NAMES)
    head, _, tail = message.partition("…")
    actual = caught.value.message
    assert actual.startswith(head) and actual.endswith(tail), actual
