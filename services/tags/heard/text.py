"""Chinese conversational text: sentences, clauses, negation scope, hedges, affirmations. Pure functions.

Offsets are Python string indexes into one turn's text. A *sentence* ends at 。！？；!?; or a line break;
a *clause* also ends at a comma or colon. Negation scopes over the rest of its clause, up to a contrast
marker ("不是X而是Y", "不太喜欢X，但是Y"), so the clause is the unit most rules work on. Chinese also
rejects after the object ("SUV我不太喜欢", "轿车就算了"): `rejected_after` reads that order.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

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
    "没关系",
    "没想好",
    "没定",
    "没决定",
    "不要太",
    "不知道",
    "不确定",
    "不是说",  # "不是说比亚迪不好" sets up a point; it denies nothing
    "并非说",
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
    "不知道",
    "不确定",
    "随便问问",
    "了解一下",
    "打听",
)
# A strong affirmation agrees with what was said; an acceptance (好的, 可以, 行) takes up a proposal but
# confirms little; a backchannel (嗯, 哦) on a call often only means "I'm listening".
STRONG_AFFIRMATIONS = ("是的", "是啊", "是滴", "对的", "对对", "对啊", "没错", "确实", "就是", "对", "是")
ACCEPTANCES = ("好的", "好嘞", "好啊", "好", "可以", "行", "没问题", "ok", "OK", "Ok")
BACKCHANNELS = ("嗯", "恩", "噢", "哦")
AFFIRMATIONS = STRONG_AFFIRMATIONS + ACCEPTANCES + BACKCHANNELS
DENIALS = (
    "并不是",
    "并非",
    "都没有",
    "都不是",
    "也没有",
    "也不是",
    "不是",
    "不对",
    "没有",
    "不行",
    "不用",
    "算了",
    "不",
    "没",
)
# Fillers before the answer proper: "嗯，对" and "嗯对" are strong, "啊，是的" too.
FILLERS = "嗯恩啊哦噢呃额"
# Rejections that follow what they reject and close its clause: "SUV我不太喜欢", "分期我不太想", "轿车就算了".
REJECTION_AFTER = re.compile(
    r"(?:(?:不|没)(?:太|怎么|是很|很|大)?(?:想要|想买|想|要|喜欢|考虑|需要|买|用|感兴趣|兴趣|什么兴趣)"
    r"|就?算了|不合适|不行|pass)"
    r"(?:了|吧|啊|呢|哈|啦|呀|的|哦|这种|那种|这个|那个|这款|那款|\s)*$"
)
REJECTION_REACH = 8  # characters between the object and its rejection ("SUV的话我就不考虑了")
# Clause openings that turn a speaker around: "不是轿车，…，但是现在轿车也行".
TURNAROUNDS = ("但是", "不过", "可是", "但", "现在", "后来", "其实", "还是", "最后", "结果")
# Tag questions ask to confirm the clause before them ("您预算二十万，对吧？"); these are their words once
# the particles (吧/吗/呢…) are stripped.
TAG_QUESTION_WORDS = ("对", "是", "对不对", "是不是", "好", "行", "没错")
SHORT_CLAUSE = 6  # a clause this short before the mention is part of its hedge scope ("也许吧，SUV")
# Alternatives in A-not-A form ask ("有没有SUV", "要不要看看").
A_NOT_A = ("有没有", "是不是", "要不要", "能不能", "会不会", "可不可以", "好不好", "行不行", "对不对")


@lru_cache(maxsize=8)
def _end_mark(ends: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(ends)}]")


@lru_cache(maxsize=1024)
def _marks(text: str, ends: str) -> tuple[int, ...]:
    # Bounds are asked for every phrase heard, many times per turn: find a turn's end marks once.
    return tuple(found.start() for found in _end_mark(ends).finditer(text))


def _bounds(text: str, index: int, ends: str) -> tuple[int, int]:
    marks = _marks(text, ends)
    following = bisect_left(marks, index)
    start = marks[following - 1] + 1 if following else 0
    end = marks[following] if following < len(marks) else len(text)
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


def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for many words, longest first, so the longest word wins at each position."""
    return re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))


_NOT_NEGATION = _alternation(NOT_NEGATIONS)
_NEGATOR = _alternation(NEGATORS)


def _masked(text: str) -> str:
    """`text` with every non-negating word that contains a negator blanked out (same length)."""
    return _NOT_NEGATION.sub(lambda found: "\0" * len(found.group()), text)


def negators_before(text: str, index: int) -> list[tuple[int, str]]:
    """The negators in scope at `index`: in its clause, before it, with no contrast marker in between."""
    start, end = clause_bounds(text, index)
    window = _masked(text[start : max(end, index)])[: index - start]
    for marker in CONTRASTS:
        cut = window.rfind(marker)
        if cut >= 0:
            window = "\0" * (cut + len(marker)) + window[cut + len(marker) :]
    return [(start + found.start(), found.group()) for found in _NEGATOR.finditer(window)]


def is_negated(text: str, index: int) -> bool:
    """True when an odd number of negators scope over `index` ("不是不喜欢" is a yes)."""
    return len(negators_before(text, index)) % 2 == 1


def rejected_after(text: str, end: int) -> bool:
    """True when a rejection closes the clause right after `end` ("SUV我不太喜欢", "轿车就算了").

    The rejection must end the clause (bar particles such as 了/吧/这种), so "喜欢SUV不要轿车" rejects
    轿车, not SUV; a contrast marker in between ends the reach, and "SUV不错" is no rejection.
    """
    clause_end = clause_bounds(text, end)[1] if end < len(text) else end
    window = _masked(text[end:clause_end]).lower()
    if any(marker in window for marker in CONTRASTS):
        return False
    found = REJECTION_AFTER.search(window)
    return found is not None and found.start() <= REJECTION_REACH


def hedge_in(text: str, start: int, end: int) -> str:
    """The first hedge word ("可能", "考虑"…) inside [start, end), or ""."""
    window = text[start:end]
    return next((h for h in HEDGES if h in window), "")


def hedge_around(text: str, start: int, end: int) -> str:
    """The hedge that weakens the mention at [start, end), or "".

    It looks in the mention's clause ("我可能还要考虑一下分期"), and in the clause before when that one is
    short ("也许吧，SUV"); it ignores a hedge overlapping the mention itself (a tenant's keyword "随便问问"
    does not hedge itself) or negated ("不考虑" is a firm no, "我不是随便问问" no maybe).
    """
    window_start, window_end = clause_bounds(text, start)
    window_end = max(window_end, end)
    sentence_start = sentence_bounds(text, start)[0]
    if window_start > sentence_start:
        before_start, before_end = clause_bounds(text, window_start - 1)
        if before_end - before_start <= SHORT_CLAUSE:
            window_start = before_start
    window = text[window_start:window_end]
    for hedge in HEDGES:
        at = window.find(hedge)
        while at >= 0:
            position = window_start + at
            overlaps = position < end and position + len(hedge) > start
            if not overlaps and not is_negated(text, position):
                return hedge
            at = window.find(hedge, at + 1)
    return ""


def is_question(text: str, start: int, end: int) -> bool:
    """True when the sentence holding [start, end) asks rather than states ("有SUV吗", "有没有SUV")."""
    s, e = sentence_bounds(text, start)
    following = text[e : e + 1]
    sentence = text[s:e]
    return (
        following in ("？", "?")
        or sentence.endswith(("吗", "么", "呢"))
        or any(alternative in sentence for alternative in A_NOT_A)
    )


def clause_asks(text: str, index: int) -> bool:
    """True when the clause holding `index` asks: it ends with a question mark or 吗/么/呢, or holds an
    A-not-A alternative ("有没有SUV"). Earlier clauses of a question stay statements: in
    "我想要SUV，有现车吗？" only the second clause asks."""
    start, end = clause_bounds(text, index)
    clause = text[start:end]
    return (
        text[end : end + 1] in ("？", "?")
        or clause.endswith(("吗", "么", "呢"))
        or any(alternative in clause for alternative in A_NOT_A)
    )


def last_statement(text: str) -> tuple[int, int]:
    """[start, end) of what a reply to this turn answers: the last clause of its last sentence that asks
    ("您是想要SUV吧，方便一家人出行" → the first clause), else its last clause; with the clause before when
    that one is only a tag question ("您预算二十万，对吧？"). (0, 0) for a blank turn."""
    found = spans(text, CLAUSE_ENDS)
    if not found:
        return 0, 0
    sentence_start = sentence_bounds(text, found[-1][0])[0]
    last = len(found) - 1
    for i in range(len(found) - 1, -1, -1):
        start, end = found[i]
        if start < sentence_start:
            break
        if clause_asks(text, start) or text[start:end].endswith("吧"):
            last = i
            break
    start, end = found[last]
    if last > 0 and text[start:end].lstrip("那").rstrip("吧吗呢啊呀么") in TAG_QUESTION_WORDS:
        start = found[last - 1][0]
    return start, end


def _answer(reply: str) -> tuple[str, str]:
    """The opening clause of a reply past a filler ("嗯，对的" → "对的", "嗯对" → "对"), and the character
    that ends it (a "？" makes it a question back)."""
    stripped = reply.strip()
    start, end = clause_bounds(stripped, 0) if stripped else (0, 0)
    opening = stripped[start:end]
    if opening and not opening.lstrip(FILLERS):
        rest = stripped[end:].lstrip("，,、。 ")
        r_start, r_end = clause_bounds(rest, 0) if rest else (0, 0)
        if rest[r_start:r_end].startswith(STRONG_AFFIRMATIONS + ACCEPTANCES + DENIALS):
            return rest[r_start:r_end], rest[r_end : r_end + 1]
        return opening, stripped[end : end + 1]
    return opening.lstrip(FILLERS), stripped[end : end + 1]


def _asks(answer: str, closing: str) -> bool:
    return closing in ("？", "?") or answer.endswith(("吗", "么", "呢")) or answer.startswith(A_NOT_A)


def denies(reply: str) -> bool:
    """True when a reply opens by disagreeing ("不是", "不行，后天吧", "没有")."""
    answer, closing = _answer(reply)
    return (
        bool(answer)
        and answer.startswith(DENIALS)
        and not answer.startswith(NOT_NEGATIONS)
        and not _asks(answer, closing)
    )


def affirmation(reply: str) -> str:
    """How a reply agrees: "strong" ("对", "是的", "没错", "嗯，对"), "accept" ("好的", "可以", "行"),
    "backchannel" ("嗯", "哦"), or "" when it does not open by agreeing (a denial, a question back such
    as "是吗？", anything else)."""
    answer, closing = _answer(reply)
    if not answer or _asks(answer, closing) or denies(reply):
        return ""
    # "就是" alone agrees ("就是！"); opening a clause it usually brings a reservation ("就是有点贵").
    if answer.startswith("就是") and answer.rstrip("啊呀的嘛哈") != "就是":
        return ""
    if answer.startswith(STRONG_AFFIRMATIONS):
        return "strong"
    if answer.startswith(ACCEPTANCES):
        return "accept"
    if answer.startswith(BACKCHANNELS):
        return "backchannel"
    return ""


def affirms(reply: str) -> bool:
    """True when a reply opens by agreeing ("对，就是二十万", "嗯", "是的", "没问题"), not by denying."""
    return bool(affirmation(reply))
