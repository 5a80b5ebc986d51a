"""A one-line Chinese summary of what a conversation said, for the customer view. Pure.

"客户提到：偏好SUV、意向品牌 丰田；预算 20万；回电 11月24日 15:00" — heard tags by display name (enum
values after their tag's name, number tags with their amount), then the budget and the call-back
promise in the conversation's time zone. Negated values and other money amounts (a rep's price quote)
are left out: the line says what the customer wants and when to call back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from services.tags.heard.model import BUDGET, CALLBACK_AT, HeardFact, HeardTag, Transcript
from services.tags.model import TagDef

# The local time each day part resolves to (conventions: 上午 → 10:00 … 晚上 → 20:00).
DAY_PARTS = {10: "上午", 12: "中午", 15: "下午", 18: "傍晚", 20: "晚上"}
BOUND_WORDS = {"about": "约{}", "at_most": "{}以内", "at_least": "{}以上"}


def summarize(
    transcript: Transcript,
    heard_tags: Iterable[HeardTag],
    facts: Iterable[HeardFact],
    definitions_by_key: Mapping[str, TagDef],
) -> str:
    """The summary line, or "" when nothing was heard. Tags without a definition show their key."""
    mentioned: list[str] = []
    amounts: list[str] = []
    for tag in heard_tags:
        if tag.negated:
            continue
        definition = definitions_by_key.get(tag.tag_key)
        name = definition.display_name if definition else tag.tag_key
        if definition is not None and definition.value_type == "number":
            amounts.append(f"{name} {display_amount(float(tag.value))}")
        else:
            mentioned.append(f"{name} {tag.value}" if tag.value else name)
    parts = [f"客户提到：{'、'.join(mentioned)}"] if mentioned else []
    parts.extend(amounts)
    for fact in facts:
        if fact.kind == BUDGET and fact.amount is not None:
            upper = display_amount(fact.amount_max if fact.amount_max is not None else fact.amount)
            if not any(part.endswith(f" {upper}") for part in amounts):
                parts.append(f"预算 {_amount_text(fact.amount, fact.amount_max, fact.qualifier)}")
        elif fact.kind == CALLBACK_AT and fact.at is not None:
            parts.append(f"回电 {_when(fact.at, fact.qualifier, transcript.time_zone)}")
    return "；".join(dict.fromkeys(parts))


def display_amount(amount: float) -> str:
    """An amount as people write it: 200000 → "20万", 35000 → "3.5万", 2500 → "2500元"."""
    if amount >= 10_000:
        return f"{amount / 10_000:.4f}".rstrip("0").rstrip(".") + "万"
    return f"{amount:.2f}".rstrip("0").rstrip(".") + "元"


def _amount_text(amount: float, amount_max: float | None, qualifier: str) -> str:
    if amount_max is not None:
        return f"{display_amount(amount)}-{display_amount(amount_max)}"
    return BOUND_WORDS.get(qualifier, "{}").format(display_amount(amount))


def _when(at: datetime, qualifier: str, time_zone: str) -> str:
    local = at.astimezone(ZoneInfo(time_zone))
    day = f"{local.month}月{local.day}日"
    if qualifier == "day":
        return day
    if qualifier == "day_part":
        return f"{day} {DAY_PARTS.get(local.hour, f'{local:%H:%M}')}"
    return f"{day} {local:%H:%M}" + {"after": "以后", "before": "以前"}.get(qualifier, "")
