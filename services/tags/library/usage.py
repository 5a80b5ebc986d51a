"""Usage of the tag library and the dead-tag report: pure functions over definitions and usage marks.

The marks (active customers, last assigned, last removed per tag) come from the segment index
(`segments.index.TagIndex.usage`), which keeps them fresh from every assignment change; saved
segments that name a tag come from the segments part (`References`). Nothing here reads MongoDB, so
the report costs one in-memory pass however many customers the tenant has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from common.errors import InvalidArgument
from services.tags.model import SYSTEM_CATEGORY, TagDef
from services.tags.segments.index import TagUsage

DAY_MS = 86_400_000
MAX_UNUSED_DAYS = 3650
NEVER_USED = "never_used"
UNUSED = "unused"


@dataclass(frozen=True, kw_only=True)
class SegmentRef:
    """A saved segment whose expression names a tag."""

    id: str
    name: str


# (tenant, tag keys) -> per key, the saved segments that name it. The segments part provides it.
References = Callable[[str, list[str]], Awaitable[dict[str, list[SegmentRef]]]]
# tenant -> usage marks of every tag it ever used (the index's `usage`).
UsageMarks = Callable[[str], Awaitable[Mapping[str, TagUsage]]]


async def no_references(tenant: str, keys: list[str]) -> dict[str, list[SegmentRef]]:
    """Until saved segments are wired in: no tag is referenced."""
    return {}


@dataclass(frozen=True, kw_only=True)
class Usage:
    """What the library shows per tag. One value per customer and tag, so assignments == customers."""

    tag_key: str
    customers: int = 0
    last_assigned_ms: int = 0
    last_removed_ms: int = 0
    segments: tuple[SegmentRef, ...] = ()
    rules: tuple[str, ...] = ()  # no rule engine yet: always empty

    @property
    def active_assignments(self) -> int:
        return self.customers

    @property
    def ever_used(self) -> bool:
        return bool(self.customers or self.last_assigned_ms or self.last_removed_ms)

    @property
    def last_change_ms(self) -> int:
        return max(self.last_assigned_ms, self.last_removed_ms)


def usage_of(
    keys: Iterable[str], marks: Mapping[str, TagUsage], references: Mapping[str, list[SegmentRef]]
) -> dict[str, Usage]:
    """The usage of each key (zeros for a tag the index never saw)."""
    result: dict[str, Usage] = {}
    for key in keys:
        mark = marks.get(key, TagUsage())
        result[key] = Usage(
            tag_key=key,
            customers=mark.customers,
            last_assigned_ms=mark.last_assigned_ms,
            last_removed_ms=mark.last_removed_ms,
            segments=tuple(references.get(key, ())),
        )
    return result


def require_unused_days(days: int, *, field: str = "unused_days") -> int:
    if not 0 <= days <= MAX_UNUSED_DAYS:
        raise InvalidArgument(f"{field} is 0 (never used only) to {MAX_UNUSED_DAYS}", field=field)
    return days


def dead_reason(definition: TagDef, usage: Usage, *, now: datetime, unused_days: int) -> str | None:
    """Why a tag is dead (`never_used` or `unused`), or None if it is alive or not a candidate.

    Candidates are the tenant's own active and deprecated tags (system tags belong to the platform,
    archived ones are already out). Dead: never assigned; or, with `unused_days` > 0, no active value
    now and no assignment or removal within that many days. A tag that customers still hold is in use
    however old the values are (a gender set years ago still describes people).
    """
    if definition.status == "archived" or definition.category == SYSTEM_CATEGORY:
        return None
    if not usage.ever_used:
        return NEVER_USED
    if unused_days and usage.customers == 0:
        cutoff = int(now.timestamp() * 1000) - unused_days * DAY_MS
        if usage.last_change_ms < cutoff:
            return UNUSED
    return None


def dead_tags(
    definitions: Iterable[TagDef], usage: Mapping[str, Usage], *, now: datetime, unused_days: int
) -> list[tuple[TagDef, Usage, str]]:
    """The dead-tag report in key order."""
    report: list[tuple[TagDef, Usage, str]] = []
    for definition in sorted(definitions, key=lambda d: d.key):
        used = usage.get(definition.key, Usage(tag_key=definition.key))
        reason = dead_reason(definition, used, now=now, unused_days=unused_days)
        if reason is not None:
            report.append((definition, used, reason))
    return report
