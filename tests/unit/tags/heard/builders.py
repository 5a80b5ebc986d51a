"""Small builders for extraction tests: tag definitions with hints, and conversations written as lines."""

from __future__ import annotations

from datetime import UTC, datetime

from services.tags.heard.extract import extract
from services.tags.heard.lexicon import Lexicon
from services.tags.heard.model import Heard, HeardTag, Transcript, Turn
from services.tags.model import Hints, TagDef, ValueHints

# 10:00 in Shanghai on Monday 2026-11-23.
STARTED_AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TIME_ZONE = "Asia/Shanghai"


def flag(
    key: str,
    *,
    keywords: tuple[str, ...] = (),
    synonyms: tuple[str, ...] = (),
    patterns: tuple[str, ...] = (),
    group: str = "",
    exclusive: bool = False,
    display_name: str = "",
    status: str = "active",
    category: str = "behavior",
    value_type: str = "flag",
) -> TagDef:
    return TagDef(
        key=key,
        display_name=display_name or key,
        group=group,
        category=category,
        value_type=value_type,
        exclusive=exclusive,
        status=status,
        hints=Hints(keywords=keywords, synonyms=synonyms, patterns=patterns),
    )


def number(key: str, *, keywords: tuple[str, ...], display_name: str = "") -> TagDef:
    return flag(key, keywords=keywords, display_name=display_name, value_type="number", category="basic")


def enum(
    key: str,
    values: tuple[str, ...],
    *,
    value_keywords: dict[str, tuple[str, ...]] | None = None,
    value_patterns: dict[str, tuple[str, ...]] | None = None,
    display_name: str = "",
) -> TagDef:
    keywords, patterns = value_keywords or {}, value_patterns or {}
    return TagDef(
        key=key,
        display_name=display_name or key,
        category="behavior",
        value_type="enum",
        allowed_values=values,
        hints=Hints(
            values=tuple(
                ValueHints(value=value, keywords=keywords.get(value, ()), patterns=patterns.get(value, ()))
                for value in values
                if value in keywords or value in patterns
            )
        ),
    )


# A small car dealer's library, used by most tests.
SUV = flag(
    "pref.suv", keywords=("SUV",), synonyms=("越野车",), group="车型", exclusive=True, display_name="SUV"
)
SEDAN = flag("pref.sedan", keywords=("轿车",), group="车型", exclusive=True, display_name="轿车")
EV = flag("pref.ev", keywords=("新能源", "电车"), display_name="新能源")
KIDS = flag("family.has_kids", keywords=("孩子",), display_name="有孩子")
PARENTS = flag("buyer.for_parents", keywords=("给父母",), patterns=("给*父母",), display_name="给父母买")
LOW = flag("intent.low", keywords=("随便问问", "不着急"), group="意向", exclusive=True, display_name="低意向")
MEDIUM = flag(
    "intent.medium", keywords=("对比一下", "还在看"), group="意向", exclusive=True, display_name="中意向"
)
HIGH = flag(
    "intent.high", keywords=("准备下单", "马上就要"), group="意向", exclusive=True, display_name="高意向"
)
BRAND = enum(
    "car.brand",
    ("丰田", "特斯拉"),
    value_keywords={"丰田": ("凯美瑞",), "特斯拉": ("Model Y",)},
    display_name="意向品牌",
)
BUDGET = number("budget", keywords=("预算",), display_name="预算")
LIBRARY = (SUV, SEDAN, EV, KIDS, PARENTS, LOW, MEDIUM, HIGH, BRAND, BUDGET)


def conversation(*lines: str) -> Transcript:
    """Lines "C: …" (customer) or "R: …" (rep), spoken one minute apart."""
    turns = tuple(
        Turn(
            speaker="rep" if line.startswith("R:") else "customer",
            text=line[2:].strip(),
            offset_ms=60_000 * i,
        )
        for i, line in enumerate(lines)
    )
    return Transcript(turns=turns, started_at=STARTED_AT, time_zone=TIME_ZONE)


def hear(*lines: str, library: tuple[TagDef, ...] = LIBRARY) -> Heard:
    return extract(conversation(*lines), Lexicon.build(library))


def heard(result: Heard, tag_key: str) -> HeardTag | None:
    """The heard (not negated) value of a tag, if any."""
    return next((tag for tag in result.tags if tag.tag_key == tag_key), None)


def negated(result: Heard, tag_key: str) -> HeardTag | None:
    return next((tag for tag in result.negated if tag.tag_key == tag_key), None)
