"""The cumulative funnel of a journey, and the same funnel per week or month (pure functions).

Input per customer: `reached_ms`, the first time each stage was reached (stage key → epoch ms), read
from the progress documents. With the stages of the journey's current version in order:
- **furthest**: the deepest rank the customer reached. The funnel is cumulative: a customer counts in
  every stage up to its furthest, even after moving back, and even for a stage it skipped.
- **entered**: the earliest time it reached any stage of the journey. The period filter [from, to)
  selects a cohort by this instant: "the customers who came in during March, and how far they got".
  So counts never grow down the funnel and conversions stay within 0..1, which a per-stage
  "reached during March" count would not give (a customer who entered in February and signed in
  March would count in "signed" but not in the stages above it).
- **conversion** from stage k to k+1 is count[k+1] / count[k]; **from the top** count[k] / count[1]
  (0 where the divisor is 0).
- **time between consecutive stages** k → k+1 is taken over the customers who actually reached both
  (a skipped stage has no time), as reached[k+1] − reached[k] when that is not negative: median and
  90th percentile by nearest rank.
Funnel over time: the cohort funnel per calendar week (ISO, Monday 00:00 UTC) or month (UTC) of
`entered`, buckets between from and to, empty buckets included so a chart has no gaps.

The maths runs over **fact rows** `[version, rank, entered_ms, *gaps_ms]` (`progress.FunnelFacts.row`, stored packed):
what every progress write stores per journey, so the service reads small lists and never
re-derives them. `cumulative_funnel` / `funnel_over_time` take `reached` maps and derive the same
rows with the same function (`progress.facts_from_ms`); `funnel_of_facts` / `funnel_over_time_of_facts`
take stored rows.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.journey.progress import facts_from_ms
from services.journey.templates import Journey
from services.journey.touchpoints import from_millis, to_millis

WEEK = "week"
MONTH = "month"
MAX_BUCKETS = 260  # five years of weeks


@dataclass(frozen=True, kw_only=True)
class FunnelStage:
    key: str
    name: str
    kind: str
    count: int
    conversion_from_previous: float
    conversion_from_top: float
    median_ms_from_previous: int | None
    p90_ms_from_previous: int | None


@dataclass(frozen=True, kw_only=True)
class Funnel:
    journey: str
    version: int
    customers: int
    stages: tuple[FunnelStage, ...]


@dataclass(frozen=True, kw_only=True)
class FunnelBucket:
    start: datetime
    end: datetime
    funnel: Funnel


FactRow = Sequence[int | None]  # [version, rank, entered_ms, *gaps_ms]; the version is not read


def fact_rows(journey: Journey, rows: Iterable[Mapping[str, int]]) -> list[FactRow]:
    """`reached` maps (stage key -> epoch ms) as fact rows against `journey`'s stages."""
    keys = journey.stage_keys
    return [facts_from_ms(keys, reached, version=journey.version).row() for reached in rows]


def cumulative_funnel(
    journey: Journey,
    rows: Iterable[Mapping[str, int]],
    *,
    from_ms: int | None = None,
    to_ms: int | None = None,
) -> Funnel:
    """The cumulative funnel of the customers (rows of `reached_ms`) who entered in [from_ms, to_ms)."""
    return funnel_of_facts(journey, fact_rows(journey, rows), from_ms=from_ms, to_ms=to_ms)


def funnel_of_facts(
    journey: Journey, rows: Iterable[FactRow], *, from_ms: int | None = None, to_ms: int | None = None
) -> Funnel:
    """The cumulative funnel of the customers (fact rows) who entered in [from_ms, to_ms)."""
    size = len(journey.stages)
    by_rank = [0] * (size + 1)
    gaps: list[list[int]] = [[] for _ in range(size)]
    low = -(2**63) if from_ms is None else from_ms
    high = 2**63 if to_ms is None else to_ms
    for row in rows:
        rank = row[1] or 0
        if not rank or not low <= (row[2] or 0) < high:
            continue
        by_rank[min(rank, size)] += 1
        for i, gap in enumerate(row[3 : size + 2], start=1):
            if gap is not None:
                gaps[i].append(gap)
    counts = [0] * size
    running = 0
    for rank in range(size, 0, -1):  # cumulative: a customer counts in every stage up to its furthest
        running += by_rank[rank]
        counts[rank - 1] = running
    stages = []
    for i, stage in enumerate(journey.stages):
        ordered = sorted(gaps[i])
        stages.append(
            FunnelStage(
                key=stage.key,
                name=stage.name,
                kind=stage.kind,
                count=counts[i],
                conversion_from_previous=_ratio(counts[i], counts[i - 1])
                if i
                else (1.0 if counts[0] else 0.0),
                conversion_from_top=_ratio(counts[i], counts[0]),
                median_ms_from_previous=_nearest_rank(ordered, 0.5),
                p90_ms_from_previous=_nearest_rank(ordered, 0.9),
            )
        )
    return Funnel(journey=journey.key, version=journey.version, customers=sum(by_rank), stages=tuple(stages))


def funnel_over_time(
    journey: Journey, rows: Iterable[Mapping[str, int]], *, interval: str, from_ms: int, to_ms: int
) -> list[FunnelBucket]:
    """The cohort funnel per week or month of entry, for the buckets that overlap [from_ms, to_ms)."""
    return funnel_over_time_of_facts(
        journey, fact_rows(journey, rows), interval=interval, from_ms=from_ms, to_ms=to_ms
    )


def funnel_over_time_of_facts(
    journey: Journey, rows: Iterable[FactRow], *, interval: str, from_ms: int, to_ms: int
) -> list[FunnelBucket]:
    """`funnel_over_time` over fact rows."""
    starts = bucket_starts(interval, from_millis(from_ms), from_millis(to_ms))
    edges = [to_millis(s) for s in starts]
    by_bucket: list[list[FactRow]] = [[] for _ in starts[:-1]]
    for row in rows:
        entered = row[2] or 0
        if not row[1] or not from_ms <= entered < to_ms:
            continue
        index = _bucket_index(edges, entered)
        if index is not None:
            by_bucket[index].append(row)
    return [
        FunnelBucket(start=starts[i], end=starts[i + 1], funnel=funnel_of_facts(journey, bucket))
        for i, bucket in enumerate(by_bucket)
    ]


def bucket_starts(interval: str, start: datetime, end: datetime) -> list[datetime]:
    """Bucket boundaries from the bucket containing `start` to the first boundary at or after `end`."""
    if interval == WEEK:
        day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        first = day - timedelta(days=day.weekday())
    else:
        first = start.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    bounds = [first]
    while bounds[-1] < end:
        bounds.append(_next(bounds[-1], interval))
        if len(bounds) > MAX_BUCKETS + 1:
            raise ValueError(f"more than {MAX_BUCKETS} buckets")
    if len(bounds) == 1:
        bounds.append(_next(first, interval))
    return bounds


def _next(at: datetime, interval: str) -> datetime:
    if interval == WEEK:
        return at + timedelta(days=7)
    return at.replace(year=at.year + 1, month=1) if at.month == 12 else at.replace(month=at.month + 1)


def _bucket_index(edges: list[int], at: int) -> int | None:
    index = bisect.bisect_right(edges, at) - 1
    return index if 0 <= index < len(edges) - 1 else None


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _nearest_rank(ordered: list[int], q: float) -> int | None:
    """The nearest-rank percentile: the smallest value with at least q of the values at or below it."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
