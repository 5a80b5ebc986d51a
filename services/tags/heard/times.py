"""Chinese time expressions in conversation, resolved to an instant: "明天下午三点", "下周一上午十点", "后天".

A small resolver for a bounded grammar, [day] [day part] [clock] [以后/以前], or a relative duration
("半小时后", "两个小时后"). Resolution is relative to the moment the sentence was spoken, in the tenant's
time zone (so "明天下午三点" in New York across a DST change is still 15:00 local), and returned in UTC.

Rules (see the conventions shared with the evaluation set): 今天/明天/后天/大后天; 周X = the next such day on
or after today (today only while the time is still ahead); 这周X/下周X = that day of this/next Monday-based
week; N号 = the next day-of-month N; 过两天 = +2 days. Hours follow the day part (下午三点 → 15:00, 晚上十二点
→ next 00:00); a bare hour 1–6 is afternoon. With no day word the time is today if still ahead, else tomorrow.
A day alone resolves to 10:00 ("day"), a day part alone to its usual hour ("day_part").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.errors import InvalidArgument

_SMALL_CN = "[零〇一二两三四五六七八九十]{1,3}"
_NUMBER = rf"(?:\d{{1,2}}|{_SMALL_CN})"
_PART = "早上|早晨|清早|上午|中午|下午|傍晚|晚上|夜里|凌晨"
_CLOCK_END = rf"(?:{_NUMBER}点(?:钟|半|一刻|三刻|整|{_NUMBER}分?)?|\d{{1,2}}[:：][0-5]\d)"
_TIME = re.compile(
    rf"""
    (?=[今明后大这本下周星礼上中傍晚夜凌早清过\d零〇一二两三四五六七八九十])
    (?:
        (?P<relday>大后天|后天|明天|明儿|明日|今天|今儿|今日)
      | (?P<relpart>今晚|今早|明晚|明早)
      | (?P<week>这个?|本|下个?)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])
      | (?:(?P<month>下个?月|{_NUMBER}月))?(?P<dom>{_NUMBER})[号日](?![线楼门店位院馆车房口机台码])
      | (?P<soon>过两天)
      | (?P<ndays>[两三四五六七2-7])天(?:以后|之后|后)(?!天)
    )?
    (?:的|[吧啊呢]?[，,、\s]\s*(?={_PART}|{_NUMBER}点|\d{{1,2}}[:：]))?  # "周五吧，上午十点" is one time
    (?P<part>{_PART})?
    (?:
        (?P<hh>[01]?\d|2[0-3])[:：](?P<mm>[0-5]\d)
      | (?P<hour>{_NUMBER})点(?!{_NUMBER}[万千百亿块元])(?:钟)?(?:(?P<half>半)|(?P<quarter>一刻|三刻)|整|(?P<minute>{_NUMBER})分?)?
    )?
    (?:(?:到|至|-|~|～)(?:{_PART})?{_CLOCK_END}(?:之间)?)?  # "两点到四点": the start of the window
    (?P<bound>前后|左右|以后|之后|以前|之前|后(?!天)|前)?
    """,
    re.VERBOSE,
)
_DURATION = re.compile(
    rf"""
    (?:过)?
    (?:
        (?P<half_hour>半个?(?:小时|钟头))
      | (?P<quarter_hour>一刻钟)
      | (?P<count>\d{{1,3}}|{_SMALL_CN})(?P<unit>分钟|个半(?:小时|钟头)|个?(?:小时|钟头))
    )
    (?:以后|之后|后)
    """,
    re.VERBOSE,
)
_CN_VALUES = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_RELATIVE_DAYS = {"今": 0, "明": 1, "后": 2, "大": 3}
# The hour a day part alone stands for. The conventions fix 上午/中午/下午/傍晚/晚上; the morning, night
# and small hours are our choice.
_PART_DEFAULTS = {"早上": 9, "早晨": 9, "清早": 9, "上午": 10, "中午": 12, "下午": 15, "傍晚": 18, "晚上": 20}
_PART_DEFAULTS |= {"夜里": 22, "凌晨": 5}
_MORNING = ("早上", "早晨", "清早", "上午", "凌晨")
_EVENING = ("傍晚", "晚上", "夜里")
DAY_ONLY_HOUR = 10


@dataclass(frozen=True, kw_only=True)
class TimeMention:
    """A resolved time expression in one string: [start, end) as said, the instant (aware, UTC), a qualifier."""

    start: int
    end: int
    text: str
    at: datetime
    qualifier: str  # "at" | "after" | "before" | "day" | "day_part"


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidArgument(f"unknown time zone {name!r}", field="time_zone") from error


def _small_number(said: str) -> int | None:
    """ "15" → 15, "十二" → 12, "二十四" → 24, "零五" → 5; None for anything else (up to 99)."""
    if said.isdigit():
        return int(said)
    if "十" not in said:
        digits = [_CN_VALUES.get(ch) for ch in said]
        if not digits or None in digits:
            return None
        value = 0
        for digit in digits:
            value = value * 10 + (digit or 0)
        return value
    tens, _, ones = said.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    tens_value = _CN_VALUES.get(tens, -1) if tens else 1
    ones_value = _CN_VALUES.get(ones, -1) if ones else 0
    if tens_value < 0 or ones_value < 0:
        return None
    return tens_value * 10 + ones_value


def _hour_of_day(hour: int, part: str) -> int:
    """24-hour clock for an hour said with (or without) a day part; 24 means the next day's midnight."""
    if hour > 12 or hour == 0:
        return hour
    if part in _MORNING:
        return hour
    if part == "中午":
        return hour + 12 if 1 <= hour <= 2 else hour
    if part == "下午":
        return hour + 12 if hour < 12 else 12
    if part in _EVENING:
        return hour + 12  # 晚上十二点 → 24: the next day's midnight
    return hour + 12 if 1 <= hour <= 6 else hour  # a bare 1–6 means business afternoon


def _month_start(day: date, months_ahead: int) -> date:
    month_index = day.month - 1 + months_ahead
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)


def _days_of_month(today: date, month_said: str | None, dom: int) -> list[date]:
    """Candidate dates for "N号" / "M月N号" / "下个月N号", earliest first (the caller keeps the first ahead)."""
    if month_said and month_said.startswith("下"):
        months = [_month_start(today, 1)]
    elif month_said:
        month = _small_number(month_said[:-1])
        if month is None or not 1 <= month <= 12:
            return []
        months = [date(today.year + years, month, 1) for years in (0, 1)]
    else:
        months = [_month_start(today, ahead) for ahead in range(13)]  # 31号 may skip short months
    candidates: list[date] = []
    for first in months:
        try:
            candidates.append(first.replace(day=dom))
        except ValueError:
            continue
    return [day for day in candidates if day >= today]


def _duration_mention(match: re.Match[str], spoken_at: datetime) -> TimeMention | None:
    if match.group("half_hour"):
        minutes = 30
    elif match.group("quarter_hour"):
        minutes = 15
    else:
        count = _small_number(match.group("count"))
        if count is None:
            return None
        unit = match.group("unit")
        minutes = count if unit == "分钟" else count * 60 + (30 if "半" in unit else 0)
    at = (spoken_at + timedelta(minutes=minutes)).astimezone(UTC).replace(second=0, microsecond=0)
    return TimeMention(start=match.start(), end=match.end(), text=match.group(0), at=at, qualifier="at")


def _clock(match: re.Match[str], part: str) -> tuple[int, int] | None:
    """(hour 0–24, minute) said by the clock part of a match, or None when no clock was said or it is invalid."""
    if match.group("hh") is not None:
        hour, minute = int(match.group("hh")), int(match.group("mm"))
    elif match.group("hour") is not None:
        said_hour = _small_number(match.group("hour"))
        if said_hour is None:
            return None
        hour, minute = said_hour, 0
        if match.group("half"):
            minute = 30
        elif match.group("quarter"):
            minute = 15 if match.group("quarter") == "一刻" else 45
        elif match.group("minute"):
            minute = _small_number(match.group("minute")) or 0
    else:
        return None
    if hour > 24 or minute > 59:
        return None
    return _hour_of_day(hour, part), minute


def _qualifier(bound: str) -> str:
    if bound in ("以后", "之后", "后"):
        return "after"
    if bound in ("以前", "之前", "前"):
        return "before"
    return "at"  # 左右, 前后 and nothing: the time itself


def _day(match: re.Match[str], today: date, at: Callable[[date], datetime], now: datetime) -> date | None:
    """The local date a match's day words name (today when none), or None when they name no valid day."""
    relative = match.group("relday") or match.group("relpart")
    if relative:
        return today + timedelta(days=_RELATIVE_DAYS[relative[0]])
    weekday = match.group("weekday")
    if weekday:
        week, target = match.group("week") or "", _WEEKDAYS[weekday]
        monday = today - timedelta(days=today.weekday())
        if week.startswith("下"):
            return monday + timedelta(days=7 + target)
        if week:
            return monday + timedelta(days=target)
        day = today + timedelta(days=(target - today.weekday()) % 7)
        return day if at(day) > now else day + timedelta(days=7)
    if match.group("dom"):
        dom = _small_number(match.group("dom"))
        if dom is None or not 1 <= dom <= 31:
            return None
        return next((d for d in _days_of_month(today, match.group("month"), dom) if at(d) > now), None)
    if match.group("soon"):
        return today + timedelta(days=2)
    if match.group("ndays"):
        return today + timedelta(days=_small_number(match.group("ndays")) or 2)
    return today if at(today) > now else today + timedelta(days=1)


def _resolve(match: re.Match[str], now: datetime) -> tuple[datetime, str] | None:
    """The instant (in `now`'s zone) and qualifier a time match means, or None when it is not a time at all."""
    part = match.group("part") or ""
    relpart = match.group("relpart")
    if relpart:
        part = part or ("晚上" if relpart.endswith("晚") else "早上")
    said_day = any(match.group(g) for g in ("relday", "relpart", "weekday", "dom", "soon", "ndays"))
    said_clock = match.group("hh") is not None or match.group("hour") is not None
    if said_clock:
        clock = _clock(match, part)
        if clock is None:
            return None
        if match.group(0) == "一点" and not said_day:
            return None  # a bare "一点" is "a little" (快一点, 便宜一点), not 13:00
        hour, minute = clock
        qualifier = _qualifier(match.group("bound") or "")
    elif part:
        hour, minute, qualifier = _PART_DEFAULTS[part], 0, "day_part"
    elif said_day:
        hour, minute, qualifier = DAY_ONLY_HOUR, 0, "day"
    else:
        return None

    def at(day: date) -> datetime:
        # Adding to an aware local midnight is wall-clock arithmetic: 15:00 stays 15:00 across a DST change.
        return datetime.combine(day, time(0), tzinfo=now.tzinfo) + timedelta(hours=hour, minutes=minute)

    day = _day(match, now.date(), at, now)
    return (at(day), qualifier) if day is not None else None


def find_times(text: str, *, spoken_at: datetime, time_zone: str) -> list[TimeMention]:
    """Every resolvable time expression in `text`, in order, as an instant in UTC.

    `spoken_at` (aware) is when the sentence was said; `time_zone` (IANA) is where day words and hours are
    read. Unresolvable or ambiguous phrases ("快一点", "下周", "几点") are left out. A naive `spoken_at` or
    an unknown zone raises InvalidArgument.
    """
    if spoken_at.tzinfo is None:
        raise InvalidArgument("spoken_at must carry a time zone", field="spoken_at")
    zone = _zone(time_zone)
    now = spoken_at.astimezone(zone)
    found: list[TimeMention] = []
    for match in _DURATION.finditer(text):
        mention = _duration_mention(match, spoken_at)
        if mention is not None:
            found.append(mention)
    covered = [(m.start, m.end) for m in found]
    for match in _TIME.finditer(text):
        if match.end() == match.start():
            continue
        if any(start < match.end() and match.start() < end for start, end in covered):
            continue
        resolved = _resolve(match, now)
        if resolved is None:
            continue
        local, qualifier = resolved
        found.append(
            TimeMention(
                start=match.start(),
                end=match.end(),
                text=match.group(0),
                at=local.astimezone(UTC),
                qualifier=qualifier,
            )
        )
    found.sort(key=lambda m: m.start)
    return found
