"""Money amounts in Chinese conversations: find them, normalise them, and tell budgets from other amounts.

`find_amounts` reads one string: Arabic or Chinese numerals with a unit of money or magnitude ("二十万",
"3.5万", "两千五", "30w", "8k", "五百块"), ranges ("20到30万", "二三十万"), and a bare number only in a
money context ("预算200000"). Numerals themselves go through `cn2an`; the grammar around them (units,
ranges, qualifiers, what is *not* money: "三点", "两个孩子", "五万公里", "第二次") is ours.

`amount_facts` reads a transcript: a customer's amount in a budget context, or a rep's budget the customer
affirms, is a "budget"; a rep's budget guess or echo left unaffirmed is no fact; every other money amount
(a quote, a competitor's price) is an "amount". Negated amounts ("预算不是二十万") are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

from services.tags.heard import text as zh
from services.tags.heard.model import AMOUNT, BUDGET, CUSTOMER, REP, HeardFact, Span, Transcript

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NUMERAL = f"[{_CN_DIGITS}十][{_CN_DIGITS}十百千万亿]*(?:点[{_CN_DIGITS}]+(?=[万千亿]))?"
_AR_NUMERAL = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# One quantity: a numeral, an optional "about" marker inside it (十来万, 二十多万), a magnitude (万, w, k)
# and, after a magnitude, one more digit ("1万5" = 15000).
_QUANTITY = (
    rf"(?:{_AR_NUMERAL}|{_CN_NUMERAL})(?:来|多|余|几)?"
    r"(?:[万千百亿]+|[wWkK](?![A-Za-z]))?(?:(?<=[万千])[\d一二两三四五六七八九](?![\d十百千万]))?"
)
_AMOUNT = re.compile(
    rf"(?<![\dA-Za-z.,第])(?P<low>{_QUANTITY})"
    rf"(?:\s*(?:到|至|-|~|～|—|－)\s*(?P<high>{_QUANTITY}))?"
    r"(?P<unit>块钱|块|元|圆|人民币)?"
)
# What follows a number that is not money: counters, time, distance, percentages.
_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:多|来|余)?(?:个|人|位|口|次|遍|趟|岁|年(?!薪)|月(?!供)|号|日|天|周|星期|礼拜|点|分(?!期)|秒|小时|"
    r"钟|公里|里(?![面头边])|米|平(?!台)|平方|方米|斤|公斤|克|吨|辆|台|套(?!餐)|间|层|楼|室|厅|成(?!交)|%|％|"
    r"倍|期|款|代|座|门|排|缸|挡|寸|升|度|集|页|张|本(?![来身])|件|种|家|户|只(?![要是能有])|条|匹|马力|"
    r"手(?!续)|胎|孩|娃|[:：/A-Za-z])"
)
_NOT_MONEY_BEFORE = re.compile(r"(?:分之|百分|第|型号|号码|尾号)\s*$")
# A bare number (no unit, no magnitude) is money only right after one of these, in the same clause.
_MONEY_CONTEXT = re.compile(r"(?:预算|价|钱|费|首付|月供|花|报价|付|出)[^，,。！？；!?;\n]{0,6}$")
_MAGNITUDES = re.compile(r"[万千百亿wWkK]")
_MAGNITUDE_TAIL = re.compile(r"[万千百亿]+$")
_ADJACENT_DIGITS = re.compile(r"^(.*?)([一二两三四五六七八九])([二两三四五六七八九])([十百千万亿]*)$")
_CN_TO_AR = str.maketrans("零〇一二两三四五六七八九点", "001223456789.")
_ABOUT_INSIDE = re.compile("[来多余几]")

_ABOUT_BEFORE = re.compile(r"(?:大概|大约|差不多|约|大致|估计|将近|接近|左右)[^，,。！？；!?;\n]{0,4}$")
_AT_MOST_BEFORE = re.compile(
    r"(?:最多|顶多|至多|最高|封顶|不超过|不要超过|不能超过|别超过|不会超过|不想超过|不到|不高于)"
    r"[^，,。！？；!?;\n]{0,4}$"
)
_AT_LEAST_BEFORE = re.compile(r"(?:至少|起码|最少|最低|不低于|不少于)[^，,。！？；!?;\n]{0,4}$")
_ABOUT_AFTER = re.compile(r"\s*(?:左右|上下|出头|的样子)")
_AT_MOST_AFTER = re.compile(r"\s*(?:以内|之内|以下|封顶|到顶)")
_AT_LEAST_AFTER = re.compile(r"\s*(?:以上|起步|往上|起)")
# "不超过二十万" bounds an amount, it does not negate it: blank these before asking text.is_negated.
# Words holding 别/不 that deny nothing ("别家", "特别", "不如") are blanked too.
_BOUNDS_NOT_NEGATIONS = re.compile(
    r"(?:不|别|没有?)(?:要|想|能|会|得)?(?:超过|超出|高于|多于|到)|不(?:低于|少于)|"
    r"别(?:家|的|人|处|店)|(?:区|特|分|级|类|告|识|差)别|不如|要不|不好意思"
)

# A customer's amount is a budget when its clause carries one of these, or the sentence is about the budget.
_BUDGET_CLAUSE = re.compile(
    r"(?<!超出)(?<!超过)(?<!超)预算|能接受|接受|承受|控制在|以内|之内|最多|不超过|顶多|首付|月供|价位|花|"
    rf"出(?=(?:到|个|得起)?[\d{_CN_DIGITS}十])"
)
# In the rep's mouth only these are about the customer's budget; 首付/月供/花 there are the offer's terms.
_REP_BUDGET_CLAUSE = re.compile(r"预算|能接受|接受|承受|控制在|以内|之内|价位|最多|不超过|顶多")
_BUDGET_SENTENCE = re.compile(r"(?<!超出)(?<!超过)(?<!超)预算|价位|首付|月供|能接受")
_REP_BUDGET_SENTENCE = re.compile(r"预算|价位|能接受")
_CUSTOMER_CUES = (_BUDGET_CLAUSE, _BUDGET_SENTENCE)
_REP_CUES = (_REP_BUDGET_CLAUSE, _REP_BUDGET_SENTENCE)

PLAIN_BUDGET_CONFIDENCE = 0.9
ANSWERED_BUDGET_CONFIDENCE = 0.85
AFFIRMED_BUDGET_CONFIDENCE = 0.8
BACKCHANNEL_BUDGET_CONFIDENCE = 0.65  # "嗯" on a call often only means "I'm listening"
OTHER_AMOUNT_CONFIDENCE = 0.85
HEDGE_PENALTY = 0.2


@dataclass(frozen=True, kw_only=True)
class AmountMention:
    """A money amount in one string: [start, end) as said, the number (lower bound of a range) and a qualifier."""

    start: int
    end: int
    text: str
    amount: float
    amount_max: float | None
    qualifier: str  # "" | "about" | "at_most" | "at_least" | "range"


def format_amount(value: float) -> str:
    """A number as a decimal string without trailing zeros or exponent: 200000.0 → "200000", 3500.5 → "3500.5"."""
    formatted = f"{value:.6f}".rstrip("0").rstrip(".")
    return formatted if formatted not in ("", "-0") else "0"


def _number(numeral: str) -> float | None:
    cleaned = numeral.replace(",", "").translate(
        {ord("w"): "万", ord("W"): "万", ord("k"): "千", ord("K"): "千"}
    )
    for marker in "来多余几":
        cleaned = cleaned.replace(marker, "")
    if "点" in cleaned:  # "三点五万": cn2an reads Chinese decimals only in Arabic digits
        cleaned = cleaned.translate(_CN_TO_AR)
    try:
        return float(cn2an.cn2an(cleaned, "smart"))
    except (ValueError, KeyError, IndexError):
        return None


def _range_in_numeral(numeral: str) -> tuple[float, float] | None:
    """ "二三十万" → (200000, 300000); "十二三万" → (120000, 130000): two adjacent digits say "from-to"."""
    match = _ADJACENT_DIGITS.match(numeral)
    if not match:
        return None
    head, first, second, tail = match.groups()
    low, high = _number(head + first + tail), _number(head + second + tail)
    if low is None or high is None or high <= low:
        return None
    return low, high


def _is_money(text: str, match: re.Match[str], value: float) -> bool:
    start = match.start()
    if _NOT_MONEY_AFTER.match(text, match.end()) or _NOT_MONEY_BEFORE.search(text, max(0, start - 4), start):
        return False
    if match.group("unit") or _MAGNITUDES.search(match.group(0)) or text[start - 1 : start] in ("¥", "￥"):
        return True
    # A bare number: money only in a money context, and not a lone small digit ("这个价一般").
    return value >= 10 and bool(_MONEY_CONTEXT.search(text, max(0, start - 10), start))


def _qualifier(text: str, start: int, end: int, *, about_inside: bool) -> str:
    clause_start, _ = zh.clause_bounds(text, start)
    before = text[max(clause_start, start - 10) : start]
    if _AT_MOST_BEFORE.search(before) or _AT_MOST_AFTER.match(text, end):
        return "at_most"
    if _AT_LEAST_BEFORE.search(before) or _AT_LEAST_AFTER.match(text, end):
        return "at_least"
    if about_inside or _ABOUT_BEFORE.search(before) or _ABOUT_AFTER.match(text, end):
        return "about"
    return ""


def _values(match: re.Match[str]) -> tuple[float, float | None] | None:
    """(amount, amount_max) a match says, or None when its numerals do not read as numbers."""
    low_said, high_said = match.group("low"), match.group("high")
    if high_said is None:
        adjacent = _range_in_numeral(low_said)
        if adjacent:
            return adjacent
        value = _number(low_said)
        return None if value is None else (value, None)
    low, high = _number(low_said), _number(high_said)
    if low is None or high is None:
        return None
    tail = _MAGNITUDE_TAIL.search(high_said.rstrip("来多余几"))
    if tail and not _MAGNITUDES.search(low_said):  # "20到30万": the low end shares the magnitude
        low *= _number("一" + tail.group(0)) or 1.0
    return low, high


def _readable(text: str, match: re.Match[str]) -> tuple[re.Match[str], tuple[float, float | None]] | None:
    """The longest reading of a match that converts: "两百五一节课" overreaches by one digit ("两百五")."""
    end = match.end()
    while True:
        values = _values(match)
        if values is not None:
            return match, values
        end -= 1
        shorter = _AMOUNT.match(text, match.start(), end) if end > match.start() else None
        if shorter is None:
            return None
        match = shorter


def find_amounts(text: str) -> list[AmountMention]:
    """Every money amount in `text`, in order, with offsets into it.

    A number counts when it carries a money unit (元/块/块钱) or a magnitude (万/千/百/亿, w/k), or, bare,
    when it follows a money word (预算, 价, 钱, 费, 首付, 月供, 花); numbers followed by a counter, a time or
    a distance ("三点", "两个孩子", "五万公里") never do. Ranges give the lower bound and `amount_max`.
    """
    found: list[AmountMention] = []
    for candidate in _AMOUNT.finditer(text):
        readable = _readable(text, candidate)
        if readable is None:
            continue
        match, (amount, amount_max) = readable
        if amount <= 0 or (amount_max is not None and amount_max <= amount):
            continue
        if not _is_money(text, match, amount):
            continue
        about_inside = bool(_ABOUT_INSIDE.search(match.group("low")))
        qualifier = (
            "range"
            if amount_max is not None
            else _qualifier(text, match.start(), match.end(), about_inside=about_inside)
        )
        found.append(
            AmountMention(
                start=match.start(),
                end=match.end(),
                text=match.group(0),
                amount=amount,
                amount_max=amount_max,
                qualifier=qualifier,
            )
        )
    return found


def _unnegating(text: str) -> str:
    """`text` with bounds and proposals ("不超过", "不低于", "要不") blanked (same length), so that negation
    checks do not take them for a denial of the amount."""
    return _BOUNDS_NOT_NEGATIONS.sub(lambda m: "\x01" * len(m.group(0)), text)


def _in_budget_context(text: str, start: int, *, cues: tuple[re.Pattern[str], re.Pattern[str]]) -> bool:
    """True when the amount's clause, or its sentence before it, talks about the budget."""
    clause_cues, sentence_cues = cues
    clause_start, clause_end = zh.clause_bounds(text, start)
    sentence_start, _ = zh.sentence_bounds(text, start)
    return bool(
        clause_cues.search(text, clause_start, clause_end)
        or sentence_cues.search(text, sentence_start, start)
    )


def _asks_about_budget(text: str) -> bool:
    """True when a rep turn asks about the budget, openly or by a tag ("预算是二十万对吧")."""
    return any(
        (zh.is_question(text, start, end) or text[start:end].endswith("吧"))
        and bool(_BUDGET_CLAUSE.search(text, start, end))
        for start, end in zh.spans(text)
    )


def _reply(transcript: Transcript, index: int) -> str:
    """What the other speaker says next, after any further turns by `index`'s speaker ("" when nothing)."""
    speaker = transcript.turns[index].speaker
    return next((t.text for t in transcript.turns[index + 1 :] if t.speaker != speaker), "")


def _kind(
    transcript: Transcript, index: int, start: int, *, answers_budget_question: bool
) -> tuple[str, float]:
    """(kind, confidence) of an amount said at `start` of turn `index`; kind "" when it is no fact at all."""
    turn = transcript.turns[index]
    if turn.speaker == CUSTOMER:
        if _in_budget_context(turn.text, start, cues=_CUSTOMER_CUES):
            return BUDGET, PLAIN_BUDGET_CONFIDENCE
        if answers_budget_question:
            return BUDGET, ANSWERED_BUDGET_CONFIDENCE
        return AMOUNT, OTHER_AMOUNT_CONFIDENCE
    if turn.speaker == REP and _in_budget_context(turn.text, start, cues=_REP_CUES):
        # The rep talks about the customer's budget: it is the customer's only when affirmed; a guess
        # denied, ignored or merely echoed is no money amount of its own.
        agreement = zh.affirmation(_reply(transcript, index))
        if agreement == "strong":
            return BUDGET, AFFIRMED_BUDGET_CONFIDENCE
        if agreement:
            return BUDGET, BACKCHANNEL_BUDGET_CONFIDENCE
        return "", 0.0
    return AMOUNT, OTHER_AMOUNT_CONFIDENCE


def amount_facts(transcript: Transcript) -> list[HeardFact]:
    """Budgets and other money amounts heard in a conversation, in order, one per kind and value.

    A customer's amount is a "budget" when its clause or sentence is about the budget (预算, 能接受, 控制在,
    以内, 最多, 花, 首付, 月供, 价位…) or when it answers the rep's budget question. A rep's words about the
    customer's budget (预算, 能接受, 以内, 价位…) count only when the customer's next turn affirms them;
    otherwise they are no fact. Every other money amount (a rep's quote, 首付/月供 terms, a competitor's
    price) is an "amount". Negated amounts are dropped ("预算不是二十万，是三十万" → budget 300000).
    Evidence is the sentence holding the amount; a hedge (可能, 考虑…) lowers the confidence.
    """
    best: dict[tuple[str, str], HeardFact] = {}
    for index, turn in enumerate(transcript.turns):
        mentions = find_amounts(turn.text)
        if not mentions:
            continue
        unnegated = _unnegating(turn.text)
        answers_budget_question = (
            turn.speaker == CUSTOMER
            and index > 0
            and transcript.turns[index - 1].speaker == REP
            and _asks_about_budget(transcript.turns[index - 1].text)
        )
        for mention in mentions:
            if zh.is_negated(unnegated, mention.start):
                continue
            kind, confidence = _kind(
                transcript, index, mention.start, answers_budget_question=answers_budget_question
            )
            if not kind:
                continue
            sentence_start, sentence_end = zh.sentence_bounds(turn.text, mention.start)
            if zh.hedge_in(turn.text, sentence_start, sentence_end):
                confidence -= HEDGE_PENALTY
            fact = _fact(kind, mention, confidence, index, turn.text, sentence_start, sentence_end)
            kept = best.get((fact.kind, fact.value))
            if kept is None or fact.confidence > kept.confidence:
                best[(fact.kind, fact.value)] = fact
    return sorted(best.values(), key=lambda f: (f.evidence.turn_index, f.evidence.start))


def _fact(
    kind: str, mention: AmountMention, confidence: float, turn_index: int, text: str, start: int, end: int
) -> HeardFact:
    value = format_amount(mention.amount)
    if mention.amount_max is not None:
        value = f"{value}-{format_amount(mention.amount_max)}"
    return HeardFact(
        kind=kind,
        value=value,
        text=mention.text,
        qualifier=mention.qualifier,
        confidence=round(confidence, 2),
        evidence=Span(turn_index=turn_index, start=start, end=end, quote=text[start:end]),
        amount=mention.amount,
        amount_max=mention.amount_max,
    )
