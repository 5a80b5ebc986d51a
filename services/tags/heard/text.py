"""Chinese conversational text: sentences, clauses, negation scope, hedges, affirmations. Pure functions.

Offsets are Python string indexes into one turn's text. A *sentence* ends at 。！？；!?; or a line break;
a *clause* also ends at a comma or colon. Negation scopes over the rest of its clause, up to a contrast
marker ("不是X而是Y", "不太喜欢X，但是Y"), so the clause is the unit most rules work on.
"""

from __future__ import annotations

import re

SENTENCE_ENDS = "。！？；!?;\n"
CLAUSE_ENDS = SENTENCE_ENDS + "，,、：:…"

# Longest first, so 不是 wins over 不 at the same position.
NEGATORS = (
    "并不是",
    "并非",
    "不是",
    "并不",
    "不太",
    "不怎么",
    "不大",
    "没有",
    "不想",
    "不要",
    "没",
    "不",
    "别",
    "未",
)
# Words that contain a negator but do not negate (不错 is praise, 没问题 is yes, 是不是 asks).
NOT_NEGATIONS = (
    "不错",
    "不少",
    "不仅",
    "不光",
    "不过",
    "不然",
    "差不多",
    "不得不",
    "不管",
    "不论",
    "不停",
    "忍不住",
    "了不起",
    "没问题",
    "没错",
    "没准",
    "不一定",
    "说不定",
    "有没有",
    "是不是",
    "要不要",
    "能不能",
    "会不会",
    "好不好",
    "行不行",
    "对不对",
    "可不可以",
    "买不买",
)
# A contrast ends the scope of a negation: "不是轿车，而是SUV", "不太喜欢白色，但是黑色可以".
CONTRASTS = ("而是", "但是", "可是", "不过", "只是", "倒是")
HEDGES = (
    "可能",
    "也许",
    "或许",
    "考虑",
    "看看",
    "再说",
    "不一定",
    "说不定",
    "还没定",
    "没想好",
    "犹豫",
    "随便问问",
    "了解一下",
    "打听",
)
AFFIRMATIONS = (
    "是的",
    "是啊",
    "对的",
    "对对",
    "没错",
    "确实",
    "就是",
    "可以",
    "好的",
    "嗯",
    "对",
    "是",
    "行",
    "没问题",
)
DENIALS = ("不是", "不对", "没有", "不行", "不用", "算了", "不", "没")


def _bounds(text: str, index: int, ends: str) -> tuple[int, int]:
    start = index
    while start > 0 and text[start - 1] not in ends:
        start -= 1
    end = index
    while end < len(text) and text[end] not in ends:
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_bounds(text: str, index: int) -> tuple[int, int]:
    """[start, end) of the sentence holding `index`, without its end mark or surrounding blanks."""
    return _bounds(text, index, SENTENCE_ENDS)


def clause_bounds(text: str, index: int) -> tuple[int, int]:
    """[start, end) of the clause holding `index`, without its end mark or surrounding blanks."""
    return _bounds(text, index, CLAUSE_ENDS)


def spans(text: str, ends: str = SENTENCE_ENDS) -> list[tuple[int, int]]:
    """The non-empty sentences (or, with CLAUSE_ENDS, clauses) of `text` in order."""
    found: list[tuple[int, int]] = []
    for match in re.finditer(f"[^{re.escape(ends)}]+", text):
        start, end = _bounds(text, match.start(), ends)
        if end > start:
            found.append((start, end))
    return found


def _masked(text: str) -> str:
    """`text` with every non-negating word that contains a negator blanked out (same length)."""
    for word in NOT_NEGATIONS:
        text = text.replace(word, "\0" * len(word))
    return text


def negators_before(text: str, index: int) -> list[tuple[int, str]]:
    """The negators in scope at `index`: in its clause, before it, with no contrast marker in between."""
    start, end = clause_bounds(text, index)
    window = _masked(text[start : max(end, index)])[: index - start]
    for marker in CONTRASTS:
        cut = window.rfind(marker)
        if cut >= 0:
            window = "\0" * (cut + len(marker)) + window[cut + len(marker) :]
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(window):
        word = next((n for n in NEGATORS if window.startswith(n, i)), None)
        if word is None:
            i += 1
            continue
        found.append((start + i, word))
        i += len(word)
    return found


def is_negated(text: str, index: int) -> bool:
    """True when an odd number of negators scope over `index` ("不是不喜欢" is a yes)."""
    return len(negators_before(text, index)) % 2 == 1


def hedge_in(text: str, start: int, end: int) -> str:
    """The first hedge word ("可能", "考虑"…) inside [start, end), or ""."""
    window = text[start:end]
    return next((h for h in HEDGES if h in window), "")


def is_question(text: str, start: int, end: int) -> bool:
    """True when the sentence holding [start, end) asks rather than states."""
    s, e = sentence_bounds(text, start)
    following = text[e : e + 1]
    sentence = text[s:e]
    return following in ("？", "?") or sentence.endswith(("吗", "么", "呢")) or "是不是" in sentence


def _opening(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        return ""
    start, end = clause_bounds(stripped, 0)
    return stripped[start:end]


def affirms(reply: str) -> bool:
    """True when a reply opens by agreeing ("对，就是二十万", "嗯", "是的"), not by denying."""
    opening = _opening(reply)
    if not opening or opening.startswith(DENIALS):
        return False
    return opening.startswith(AFFIRMATIONS)


def denies(reply: str) -> bool:
    """True when a reply opens by disagreeing ("不是", "不行，后天吧", "没有")."""
    opening = _opening(reply)
    return bool(opening) and opening.startswith(DENIALS) and not opening.startswith(NOT_NEGATIONS)
