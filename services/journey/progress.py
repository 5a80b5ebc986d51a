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
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from common.timeutil import iso_utc
from services.journey.templates import Journey
from services.journey.touchpoints import Touchpoint


@dataclass(frozen=True, kw_only=True)
class ProgressState:
    """What is kept per (tenant, customer)."""

    journey: str
    reached: dict[str, datetime] = field(default_factory=dict)
    furthest_rank: int = 0
    latest: str = ""
    last_touch_at: datetime | None = None

    @property
    def current_stage(self) -> str:
        return stage_of_key(self.latest)


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
    return Touch(
        touchpoint_id=touchpoint.id,
        stage=touchpoint.stage,
        rank=journey.rank(touchpoint.stage),
        at=touchpoint.occurred_at,
    )


def apply_touch(state: ProgressState, touch: Touch) -> ProgressState:
    """The state after `touch` (see the module docstring for the four rules)."""
    last = touch.at if state.last_touch_at is None else max(state.last_touch_at, touch.at)
    if not touch.stage:
        return replace(state, last_touch_at=last)
    reached = dict(state.reached)
    earlier = reached.get(touch.stage)
    reached[touch.stage] = touch.at if earlier is None else min(earlier, touch.at)
    return replace(
        state,
        reached=reached,
        furthest_rank=max(state.furthest_rank, touch.rank),
        latest=max(state.latest, touch.key),
        last_touch_at=last,
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
    )
