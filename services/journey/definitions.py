"""Custom journeys: validating what a tenant defines, and the set of journeys a touchpoint moves.

A tenant's journeys are the three templates (read-only, version 1) plus the journeys it defines.
Each custom journey is versioned: a change stores a new immutable version, earlier ones are kept
as they were, and each customer's progress records the version it was last measured against.

**Which journeys a touchpoint moves** (kept simple on purpose): every *tracked* journey whose stages
list the touchpoint's type. The tracked journeys are the tenant's custom journeys plus its default
(which may be a template); a template that is not the default is not tracked. So a car dealer with
journeys `sedan` and `suv` that both list `test_drive` moves both; a type that only `suv` lists moves
only `suv`. The touchpoint's own `stage` field names its stage in its *primary* journey: the default
if the default lists the type, otherwise the first tracked journey (by key) that does.

Validation errors name the field as the definition's input spells it (`stages[2].key`, `key`); the
gateway prefixes `input.` and camel-cases them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from common.errors import InvalidArgument
from services.journey.templates import (
    DEFAULT_JOURNEY,
    STAGE,
    STAGE_KINDS,
    TEMPLATES,
    WON_CONTRACT,
    WON_PAYMENT,
    Journey,
    Stage,
)

KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
MAX_NAME = 80
MAX_STAGES = 30
MAX_TYPES = 50
# A touchpoint's commit carries a stage_changed event per journey it moves; bounded so one commit
# stays within the stand-in's update size (store.MAX_SET_FIELDS).
MAX_JOURNEYS = 20
MAX_DAYS_TO_ROT = 3650


@dataclass(frozen=True, kw_only=True)
class StageInput:
    """One stage as a caller sends it; `days_to_rot` 0 means "never stale"."""

    key: str
    name: str
    touchpoint_types: Sequence[str]
    kind: str = STAGE
    days_to_rot: int = 0


def build_journey(*, key: str, name: str, stages: Sequence[StageInput], version: int) -> Journey:
    """Validate a definition and build it; InvalidArgument names the first offending field.

    Refused: a key that is not a slug or names a template, a journey without stages, duplicate stage
    keys, a touchpoint type that implies two stages, more than one won-by-contract or won-by-payment
    stage, a won-by-payment stage without a won-by-contract stage before it.
    """
    if not KEY_RE.match(key):
        raise InvalidArgument(
            f"key {key!r} must be a lowercase slug (a-z first, then a-z 0-9 _ -; at most 40)", field="key"
        )
    if key in TEMPLATES:
        raise InvalidArgument(f"{key!r} is a template's key; choose another", field="key")
    name = name.strip() or key
    _require_length(name, MAX_NAME, "name")
    if not stages:
        raise InvalidArgument("a journey needs at least one stage", field="stages")
    if len(stages) > MAX_STAGES:
        raise InvalidArgument(f"a journey has at most {MAX_STAGES} stages", field="stages")
    seen_keys: dict[str, int] = {}
    implied: dict[str, str] = {}
    kinds: dict[str, int] = {}
    built: list[Stage] = []
    for i, stage in enumerate(stages):
        where = f"stages[{i}]"
        if not KEY_RE.match(stage.key):
            raise InvalidArgument(f"stage key {stage.key!r} must be a lowercase slug", field=f"{where}.key")
        if stage.key in seen_keys:
            raise InvalidArgument(
                f"stage key {stage.key!r} is used twice (stages[{seen_keys[stage.key]}] and {where})",
                field=f"{where}.key",
            )
        seen_keys[stage.key] = i
        stage_name = stage.name.strip() or stage.key
        _require_length(stage_name, MAX_NAME, f"{where}.name")
        if stage.kind not in STAGE_KINDS:
            raise InvalidArgument(f"unknown stage kind {stage.kind!r}", field=f"{where}.kind")
        if stage.kind != STAGE:
            if stage.kind in kinds:
                raise InvalidArgument(
                    f"only one stage may be {stage.kind} (stages[{kinds[stage.kind]}] already is)",
                    field=f"{where}.kind",
                )
            if stage.kind == WON_PAYMENT and WON_CONTRACT not in kinds:
                raise InvalidArgument(
                    "a won-by-payment stage must come after a won-by-contract stage", field=f"{where}.kind"
                )
            kinds[stage.kind] = i
        if not 0 <= stage.days_to_rot <= MAX_DAYS_TO_ROT:
            raise InvalidArgument(
                f"daysToRot must be between 1 and {MAX_DAYS_TO_ROT} (or absent)", field=f"{where}.days_to_rot"
            )
        if len(stage.touchpoint_types) > MAX_TYPES:
            raise InvalidArgument(
                f"at most {MAX_TYPES} touchpoint types per stage", field=f"{where}.touchpoint_types"
            )
        for j, kind in enumerate(stage.touchpoint_types):
            type_field = f"{where}.touchpoint_types[{j}]"
            if not TYPE_RE.match(kind):
                raise InvalidArgument(f"touchpoint type {kind!r} must be a lowercase slug", field=type_field)
            if kind in implied and implied[kind] != stage.key:
                raise InvalidArgument(
                    f"touchpoint type {kind!r} would imply both {implied[kind]} and {stage.key}",
                    field=type_field,
                )
            implied[kind] = stage.key
        built.append(
            Stage(
                key=stage.key,
                name=stage_name,
                touchpoint_types=frozenset(stage.touchpoint_types),
                kind=stage.kind,
                days_to_rot=stage.days_to_rot or None,
            )
        )
    return Journey(key=key, name=name, stages=tuple(built), version=version)


def _require_length(value: str, maximum: int, where: str) -> None:
    if len(value) > maximum:
        raise InvalidArgument(f"{where} has {len(value)} characters; at most {maximum}", field=where)


def stages_document(journey: Journey) -> list[dict[str, Any]]:
    """The stored form of a version's stages (types sorted, so equal definitions store equally)."""
    return [
        {
            "key": s.key,
            "name": s.name,
            "types": sorted(s.touchpoint_types),
            "kind": s.kind,
            "days_to_rot": s.days_to_rot or 0,
        }
        for s in journey.stages
    ]


def journey_from_document(key: str, version: dict[str, Any]) -> Journey:
    """A stored version back as a Journey (stored versions were validated when written)."""
    return Journey(
        key=key,
        name=str(version.get("name") or key),
        version=int(version["version"]),
        stages=tuple(
            Stage(
                key=s["key"],
                name=s.get("name") or s["key"],
                touchpoint_types=frozenset(s.get("types") or ()),
                kind=s.get("kind") or STAGE,
                days_to_rot=int(s.get("days_to_rot") or 0) or None,
            )
            for s in version.get("stages") or ()
        ),
    )


@dataclass(frozen=True, kw_only=True)
class JourneyBook:
    """A tenant's journeys at one moment: every known journey (current versions) and the default."""

    journeys: dict[str, Journey] = field(default_factory=lambda: dict(TEMPLATES))
    default_key: str = DEFAULT_JOURNEY

    @property
    def default(self) -> Journey:
        return self.journeys.get(self.default_key) or TEMPLATES[DEFAULT_JOURNEY]

    @property
    def tracked(self) -> tuple[Journey, ...]:
        """The journeys touchpoints move: the default first, then custom journeys by key."""
        default = self.default
        custom = [j for k, j in sorted(self.journeys.items()) if not j.template and k != default.key]
        return (default, *custom)

    def moved_by(self, touchpoint_type: str) -> tuple[Journey, ...]:
        """The tracked journeys whose stages list `touchpoint_type`, the primary one first."""
        return tuple(j for j in self.tracked if j.stage_of(touchpoint_type))

    def primary(self, touchpoint_type: str) -> Journey:
        """The journey a touchpoint's `stage` is named in: the first that it moves, else the default."""
        moved = self.moved_by(touchpoint_type)
        return moved[0] if moved else self.default

    def stage_of(self, touchpoint_type: str) -> str:
        """The touchpoint's stage in its primary journey (what `Touchpoint.stage` shows)."""
        return self.primary(touchpoint_type).stage_of(touchpoint_type)

    def get(self, key: str) -> Journey | None:
        return self.journeys.get(key)
