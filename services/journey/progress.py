"""Progress rules: how touchpoints move a customer through a journey, whatever order they arrive in.

Each rule is a commutative "keep the extreme" update, so the state after a set of touchpoints is the
same whichever order they arrive in and re-applying one changes nothing:
- `reached[stage]` keeps the earliest time the stage was seen (a late, older touchpoint lowers it);
- `furthest_rank` keeps the deepest rank ever reached (the funnel counts cumulatively);
- `latest` keeps the ordering key of the most recent stage-bearing touchpoint, and the current stage
  is read from it, so a late, older touchpoint never overrides a newer one;
- `last_touch_at` keeps the most recent touchpoint of any type.
`apply_touch` applies these rules; `store.py` commits its result under a version guard, so the
stored state is always the rules applied in some serial order of the touchpoints.

Besides these, each move of the current stage is recorded as it happens (`moves`, newest last, at
most MAX_MOVES kept) with `entered_at`, when the current stage was entered (stale deals are measured
from it). These follow arrival order, which is what "the customer moved back" means to a person;
the funnel never reads them, it reads `reached`, so it stays order-independent and cumulative.

A customer has one ProgressState per journey it has progress in (`CustomerProgress`); each records
the journey `version` it was last measured against and that version's stage order (`remeasure`).

`funnel_facts` derives from a state what the funnel reads across customers (furthest rank, entry
time, and when each stage was first reached, as offsets from the entry) so the funnel is a scan of
small stored values, not a
re-derivation from every customer's `reached` map. It is the one place these facts are computed:
every writer stores them through `store.state_document`, whatever produced the state (a touchpoint,
a stale-deal mark, a merge of two customers' progress).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import pairwise

from common.timeutil import iso_utc
from services.journey.templates import Journey
from services.journey.touchpoints import Touchpoint, to_millis


@dataclass(frozen=True, kw_only=True)
class ProgressState:
    """What is kept per (tenant, customer)."""

    journey: str
    reached: dict[str, datetime] = field(default_factory=dict)
    furthest_rank: int = 0
    latest: str = ""
    last_touch_at: datetime | None = None
    version: int = 1
    entered_at: datetime | None = None
    moves: tuple[tuple[datetime, str], ...] = ()
    # `entered_at` (epoch ms) of the stay in the current stage whose deal_stale has fired, 0: none.
    stale_entered_ms: int = 0
    # The stage keys, in order, of the journey version this state was measured against ((): unknown,
    # a document stored before they were kept; the next `remeasure` sets them). Not compared: they
    # follow from (journey, version), so knowing them or not makes no two states different.
    stage_keys: tuple[str, ...] = field(default=(), compare=False)

    @property
    def current_stage(self) -> str:
        return stage_of_key(self.latest)


@dataclass(frozen=True, kw_only=True)
class CustomerProgress:
    """Everything kept per (tenant, customer): progress per journey, and the facts projected from
    leads' events that the funnel filters by."""

    journeys: dict[str, ProgressState] = field(default_factory=dict)
    owner_id: str = ""
    source_channel: str = ""

    def of(self, journey: Journey) -> ProgressState:
        """This customer's progress in `journey`, re-measured against its current version."""
        state = self.journeys.get(journey.key)
        if state is None:
            return ProgressState(journey=journey.key, version=journey.version, stage_keys=journey.stage_keys)
        return remeasure(state, journey)


MAX_MOVES = 50


def remeasure(state: ProgressState, journey: Journey) -> ProgressState:
    """`state` measured against `journey`'s version: the furthest rank among the stages it lists.

    Times reached are kept by stage key, so a new version loses nothing: a stage it drops is no
    longer counted, a stage it adds counts from the next touchpoint that implies it.
    """
    rank = journey.furthest_rank(state.reached)
    keys = journey.stage_keys
    if state.version == journey.version and state.furthest_rank == rank and state.stage_keys == keys:
        return state
    return replace(state, version=journey.version, furthest_rank=rank, stage_keys=keys)


@dataclass(frozen=True, kw_only=True)
class FunnelFacts:
    """What the funnel needs of one customer in one journey version, derived from its `reached`.

    `rank`: the furthest rank reached among the version's stages (0: none, the customer is not in
    the funnel); `entered_ms`: the earliest time it reached any of them (the ENTERED period's
    instant, 0 when rank is 0); `offsets_ms[i]`: when it first reached the stage of rank i+1, in ms
    after `entered_ms` (None: skipped), one per rank 1..`rank`. One value per stage is all both
    period bases need: the gaps between consecutive stages and the first time each rank or a deeper
    one was reached (the REACHED period's instants) both follow from it (`gaps_ms`, `reach_ms`).
    """

    version: int
    rank: int
    entered_ms: int
    offsets_ms: tuple[int | None, ...]

    @property
    def gaps_ms(self) -> tuple[int | None, ...]:
        """Per rank 2..`rank`: the time from the previous stage when it reached both and the later
        one was not reached earlier, else None."""
        return tuple(stage_gaps(self.offsets_ms))

    @property
    def reach_ms(self) -> tuple[int, ...]:
        """Per rank 1..`rank`: the first time (epoch ms) it reached that rank or a deeper one."""
        return tuple(self.entered_ms + offset for offset in first_reach(self.offsets_ms))

    def row(self) -> list[int | None]:
        """`[version, rank, entered_ms, *offsets_ms]`, the fact row the funnel's maths reads."""
        return [self.version, self.rank, self.entered_ms, *self.offsets_ms]

    def packed(self) -> str:
        """The stored form: the row as decimal numbers joined by commas, "" for None.

        A string rather than an array because the funnel's one hot read is a `$push` of this
        field over every customer, and the stand-in pushes a string about 1.4x faster than an
        array of numbers (bench/funnel.py; parsing it back costs ~1.5 us a row).
        """
        return ",".join("" if value is None else str(value) for value in self.row())


def unpack_facts(text: str) -> list[int | None]:
    """The fact row of a stored `packed()` string."""
    return [int(part) if part else None for part in text.split(",")]


def stage_gaps(offsets: Sequence[int | None]) -> list[int | None]:
    """Per consecutive pair of stages: later − earlier when both were reached and that is not
    negative (a stage reached before the one above it has no time from it), else None."""
    return [
        after - before if before is not None and after is not None and after >= before else None
        for before, after in pairwise(offsets)
    ]


def first_reach(offsets: Sequence[int | None]) -> list[int]:
    """Per rank, the earliest offset of that stage or any deeper one (a suffix minimum: never
    decreasing down the funnel, since the deeper ranks are a subset). The last offset of a fact
    row is never None (it is the furthest stage reached)."""
    reach: list[int] = []
    low: int | None = None
    for offset in reversed(offsets):
        if offset is not None and (low is None or offset < low):
            low = offset
        reach.append(0 if low is None else low)
    reach.reverse()
    return reach


def funnel_facts(state: ProgressState) -> FunnelFacts | None:
    """The funnel facts of `state` against the version it was measured against; None when that
    version's stage order is unknown (an old document not re-measured since)."""
    if not state.stage_keys:
        return None
    reached = {key: to_millis(at) for key, at in state.reached.items()}
    return facts_from_ms(state.stage_keys, reached, version=state.version)


def facts_from_ms(stage_keys: Sequence[str], reached_ms: Mapping[str, int], *, version: int) -> FunnelFacts:
    """The funnel facts of a `reached` map (stage key -> epoch ms) against a version's stage order."""
    ranked = [reached_ms.get(key) for key in stage_keys]
    times = [(i, t) for i, t in enumerate(ranked) if t is not None]
    if not times:
        return FunnelFacts(version=version, rank=0, entered_ms=0, offsets_ms=())
    furthest = times[-1][0]
    entered = min(t for _, t in times)
    offsets = tuple(None if t is None else t - entered for t in ranked[: furthest + 1])
    return FunnelFacts(version=version, rank=furthest + 1, entered_ms=entered, offsets_ms=offsets)


@dataclass(frozen=True, kw_only=True)
class Touch:
    """What one touchpoint contributes to progress; `stage` is "" for a type that implies none."""

    touchpoint_id: str
    stage: str
    rank: int
    at: datetime

    @property
    def key(self) -> str:
        return ordering_key(self.at, self.touchpoint_id, self.stage) if self.stage else ""


@dataclass(frozen=True, kw_only=True)
class Progress:
    """A customer's progress as callers see it; `reached` is in journey order."""

    customer_id: str
    journey: str
    current_stage: str
    furthest_stage: str
    reached: tuple[tuple[str, datetime], ...]
    last_touch_at: datetime | None
    version: int = 1
    entered_at: datetime | None = None
    moves: tuple[tuple[datetime, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class StageChange:
    """The current stage moved (forward, or back when the newest touchpoint implies an earlier stage)."""

    stage: str
    previous_stage: str
    furthest_stage: str
    at: datetime
    touchpoint_id: str


def ordering_key(at: datetime, touchpoint_id: str, stage: str) -> str:
    """A string that sorts like (at, touchpoint_id): fixed-width ISO time, then the id, then the stage.

    The same (occurred_at, id) order as the timeline, so the current stage is always the stage of the
    first stage-bearing touchpoint the timeline shows. A space separates the parts because it sorts
    before every character an id may contain, so an id that is a prefix of another still sorts first.
    """
    return f"{iso_utc(at)} {touchpoint_id} {stage}"


def stage_of_key(key: str) -> str:
    return key.rsplit(" ", 1)[-1] if key else ""


def touch_of(touchpoint: Touchpoint, journey: Journey) -> Touch:
    """What `touchpoint` means for `journey` (its type may imply a stage here and none elsewhere)."""
    stage = journey.stage_of(touchpoint.type)
    return Touch(
        touchpoint_id=touchpoint.id, stage=stage, rank=journey.rank(stage), at=touchpoint.occurred_at
    )


def apply_touch(state: ProgressState, touch: Touch) -> ProgressState:
    """The state after `touch` (see the module docstring for the four rules)."""
    last = touch.at if state.last_touch_at is None else max(state.last_touch_at, touch.at)
    if not touch.stage:
        return replace(state, last_touch_at=last)
    reached = dict(state.reached)
    earlier = reached.get(touch.stage)
    reached[touch.stage] = touch.at if earlier is None else min(earlier, touch.at)
    after = replace(
        state,
        reached=reached,
        furthest_rank=max(state.furthest_rank, touch.rank),
        latest=max(state.latest, touch.key),
        last_touch_at=last,
    )
    if after.current_stage == state.current_stage:
        return after
    return replace(
        after, entered_at=touch.at, moves=(*state.moves, (touch.at, after.current_stage))[-MAX_MOVES:]
    )


def stage_change(
    before: ProgressState, after: ProgressState, touch: Touch, journey: Journey
) -> StageChange | None:
    """The change `touch` made to the current stage, or None when the current stage is unchanged."""
    if after.current_stage == before.current_stage:
        return None
    return StageChange(
        stage=after.current_stage,
        previous_stage=before.current_stage,
        furthest_stage=journey.stage_at(after.furthest_rank),
        at=touch.at,
        touchpoint_id=touch.touchpoint_id,
    )


def progress_view(customer_id: str, state: ProgressState, journey: Journey) -> Progress:
    """What callers see: stages by name, `reached` in journey order (stages unknown to it are left out)."""
    reached = tuple((key, state.reached[key]) for key in journey.stage_keys if key in state.reached)
    return Progress(
        customer_id=customer_id,
        journey=state.journey,
        current_stage=state.current_stage,
        furthest_stage=journey.stage_at(state.furthest_rank),
        reached=reached,
        last_touch_at=state.last_touch_at,
        version=state.version,
        entered_at=state.entered_at,
        moves=state.moves,
    )
