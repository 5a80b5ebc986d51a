"""The cumulative funnel of a journey, and the same funnel per week or month (pure functions).

Input per customer: `reached_ms`, the first time each stage was reached (stage key → epoch ms), read
from the progress documents. With the stages of the journey's current version in order:
- **furthest**: the deepest rank the customer reached. The funnel is cumulative: a customer counts in
  every stage up to its furthest, even after moving back, and even for a stage it skipped.
- **the period** [from, to) answers one of two questions, by its basis:
  - ENTERED (the default): "how did March's leads do". **entered** is the earliest time the customer
    reached any stage of the journey; the period selects a cohort by it, and each member counts up
    to its furthest stage. Counts never grow down the funnel, conversions stay within 0..1.
  - REACHED: "what happened in March". Stage k counts the customers whose first time at stage k or
    a deeper one falls in the period (cumulative like the rest: passing a skipped stage happens when
    a deeper one is reached). A customer who entered in February and signed in March counts at
    "signed" in March but not at the top, so counts can grow and conversions can exceed 1.
- **conversion** from stage k to k+1 is count[k+1] / count[k]; **from the top** count[k] / count[1]
  (0 where the divisor is 0).
- **time between consecutive stages** k → k+1 is taken over the customers who actually reached both
  (a skipped stage has no time), as reached[k+1] − reached[k] when that is not negative: median and
  90th percentile by nearest rank. Under ENTERED over the cohort; under REACHED over the customers
  who reached stage k+1 itself in the period.
Funnel over time: the funnel per calendar week (ISO, Monday 00:00 UTC) or month (UTC) between from
and to, of entry (ENTERED) or of reach (REACHED: the stage-transition history), empty buckets
included so a chart has no gaps; one pass puts each instant in its bucket.

The maths runs over **fact rows** `[version, rank, entered_ms, *offsets_ms]` (`progress.FunnelFacts.row`,
stored packed; offsets: when each rank 1..rank was first reached, ms after entered_ms, None when
skipped): what every progress write stores per journey, so the service reads small lists and never
re-derives them. `cumulative_funnel` / `funnel_over_time` take `reached` maps and derive the same
rows with the same function (`progress.facts_from_ms`); `funnel_of_facts` / `funnel_over_time_of_facts`
take stored rows.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.journey.progress import facts_from_ms, first_reach, stage_gaps
from services.journey.templates import Journey
from services.journey.touchpoints import from_millis, to_millis

WEEK = "week"
MONTH = "month"
ENTERED = "entered"  # the period selects customers by when they entered the journey (a cohort)
REACHED = "reached"  # the period selects, per stage, the customers who first reached it in the period
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


FactRow = Sequence[int | None]  # [version, rank, entered_ms, *offsets_ms]; the version is not read
Locate = Callable[[int], "_Tally | None"]


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
    basis: str = ENTERED,
) -> Funnel:
    """The cumulative funnel of the customers (rows of `reached_ms`) in [from_ms, to_ms) by `basis`."""
    return funnel_of_facts(journey, fact_rows(journey, rows), from_ms=from_ms, to_ms=to_ms, basis=basis)


def funnel_of_facts(
    journey: Journey,
    rows: Iterable[FactRow],
    *,
    from_ms: int | None = None,
    to_ms: int | None = None,
    basis: str = ENTERED,
) -> Funnel:
    """The cumulative funnel over fact rows: of the customers who entered in [from_ms, to_ms)
    (ENTERED), or of what was reached in it (REACHED)."""
    size = len(journey.stages)
    low = -(2**63) if from_ms is None else from_ms
    high = 2**63 if to_ms is None else to_ms
    tally = _Tally(size)
    if basis == REACHED:

        def locate(at: int) -> _Tally | None:
            return tally if low <= at < high else None

        for row in rows:
            entered = row[2] or 0
            # Every instant of the row lies in [entered, entered + its largest offset]: most rows of
            # a short period miss it entirely, and are skipped without deriving their reach.
            if row[1] and entered < high and entered + _largest(row) >= low:
                _add_reached(row, size, locate)
    else:
        for row in rows:
            if row[1] and low <= (row[2] or 0) < high:
                tally.add_cohort(row)
    return tally.funnel(journey)


def funnel_over_time(
    journey: Journey,
    rows: Iterable[Mapping[str, int]],
    *,
    interval: str,
    from_ms: int,
    to_ms: int,
    basis: str = ENTERED,
) -> list[FunnelBucket]:
    """The funnel per week or month (of entry, or of reach by `basis`) for the buckets that overlap
    [from_ms, to_ms)."""
    return funnel_over_time_of_facts(
        journey, fact_rows(journey, rows), interval=interval, from_ms=from_ms, to_ms=to_ms, basis=basis
    )


def funnel_over_time_of_facts(
    journey: Journey,
    rows: Iterable[FactRow],
    *,
    interval: str,
    from_ms: int,
    to_ms: int,
    basis: str = ENTERED,
) -> list[FunnelBucket]:
    """`funnel_over_time` over fact rows, in one pass: each instant goes to the tally of its bucket."""
    size = len(journey.stages)
    starts = bucket_starts(interval, from_millis(from_ms), from_millis(to_ms))
    edges = [to_millis(s) for s in starts]
    tallies = [_Tally(size) for _ in starts[:-1]]

    def locate(at: int) -> _Tally | None:
        if not from_ms <= at < to_ms:
            return None
        index = _bucket_index(edges, at)
        return None if index is None else tallies[index]

    for row in rows:
        if basis == REACHED:
            _add_reached(row, size, locate)
        elif row[1]:
            tally = locate(row[2] or 0)
            if tally is not None:
                tally.add_cohort(row)
    return [
        FunnelBucket(start=starts[i], end=starts[i + 1], funnel=tally.funnel(journey))
        for i, tally in enumerate(tallies)
    ]


class _Tally:
    """The counts and gaps of one funnel (one period) while rows are added."""

    __slots__ = ("counts", "customers", "ends", "gaps", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.ends = [0] * (size + 1)  # ENTERED: customers by furthest rank, cumulated at the end
        self.counts = [0] * size  # REACHED: customers per stage, already cumulative
        self.gaps: list[list[int]] = [[] for _ in range(size)]
        self.customers = 0

    def add_cohort(self, row: FactRow) -> None:
        """A customer of the ENTERED cohort: counts up to its furthest rank, all its gaps."""
        rank = min(row[1] or 0, self.size)
        self.customers += 1
        self.ends[rank] += 1
        before = row[3] if rank else None
        for i in range(1, rank):
            after = row[3 + i]
            if before is not None and after is not None and after >= before:
                self.gaps[i].append(after - before)
            before = after

    def funnel(self, journey: Journey) -> Funnel:
        counts = list(self.counts)
        running = 0
        for rank in range(
            self.size, 0, -1
        ):  # cumulative: a customer counts in every stage up to its furthest
            running += self.ends[rank]
            counts[rank - 1] += running
        stages = []
        for i, stage in enumerate(journey.stages):
            ordered = sorted(self.gaps[i])
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
        return Funnel(
            journey=journey.key, version=journey.version, customers=self.customers, stages=tuple(stages)
        )


def _largest(row: FactRow) -> int:
    """The largest offset of a fact row (0 when it has none)."""
    return max((offset for offset in row[3:] if offset is not None), default=0)


def _add_reached(row: FactRow, size: int, locate: Locate) -> None:
    """REACHED: the customer counts at rank k in the period holding the first time it reached rank k
    or deeper; the gap into stage k goes to the period in which stage k itself was reached."""
    rank = min(row[1] or 0, size)
    if not rank:
        return
    entered = row[2] or 0
    offsets = row[3 : 3 + rank]
    last: _Tally | None = None
    for i, offset in enumerate(first_reach(offsets)):
        tally = locate(entered + offset)
        if tally is None:
            continue
        tally.counts[i] += 1
        if tally is not last:  # reach never decreases down the funnel, so a period is never revisited
            tally.customers += 1
            last = tally
    for i, gap in enumerate(stage_gaps(offsets), start=1):
        after = offsets[i]
        if gap is not None and after is not None:
            tally = locate(entered + after)
            if tally is not None:
                tally.gaps[i].append(gap)


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
