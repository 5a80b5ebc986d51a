"""A small tag library for the segment language tests (Chinese display names, every value type)."""

from __future__ import annotations

from services.tags.model import TagDef
from services.tags.segments.names import TagNames


def tag(key: str, name: str, value_type: str = "flag", *values: str) -> TagDef:
    return TagDef(
        key=key, display_name=name, category="marketing", value_type=value_type, allowed_values=tuple(values)
    )


DEFINITIONS = (
    tag("deal.cabinet", "已成交-定制衣柜"),
    tag("deal.rebuy", "已复购"),
    tag("intent.high", "高意向"),
    tag("style.minimal", "极简风"),
    tag("budget", "预算", "number"),
    tag("region", "区域", "enum", "上海", "杭州", "北京"),
    tag("intent.level", "意向等级", "enum", "low", "medium", "high"),
    tag("signed", "签约日", "date"),
    tag("city", "城市", "text"),
    # a display name that is another tag's key: the key wins
    tag("vip", "budget"),
    # two tags sharing a display name: the name is ambiguous
    tag("car.suv", "SUV"),
    tag("interest.suv", "SUV"),
    tag("and", "关键字"),
)
NAMES = TagNames(DEFINITIONS)
BY_KEY = {d.key: d for d in DEFINITIONS}
