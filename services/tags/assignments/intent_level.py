"""The `intent.level` system tag, fed by the intent service's `level_changed` events (pure part).

The intent service scores purchase intent and publishes `crm.intent.level_changed.v1` when a
customer's level moves; the tags service mirrors the level as a system tag so segments can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.errors import InvalidArgument
from common.ids import require_customer_id
from services.tags.model import AssignInput, Evidence, TagDef

TAG_KEY = "intent.level"
LEVELS = ("low", "medium", "high")
ACTOR = "svc:intent"


def system_definition() -> TagDef:
    """The definition every tenant gets the first time one of its customers' intent level changes."""
    return TagDef(
        key=TAG_KEY,
        display_name="意向等级",
        description="Purchase intent level scored by the intent service",
        group="intent",
        category="system",
        value_type="enum",
        allowed_values=LEVELS,
        exclusive=False,
    )


@dataclass(frozen=True, kw_only=True)
class LevelChange:
    """A decoded `level_changed` event: whose level, the new level, and when it was observed."""

    event_id: str
    customer_id: str
    level: str
    observed_at: datetime | None

    def as_input(self) -> AssignInput:
        return AssignInput(
            tag_key=TAG_KEY,
            value=self.level,
            source="system",
            confidence=1.0,
            evidence=Evidence(event_ids=(self.event_id,)),
        )


def parse_level_changed(event: dict[str, Any]) -> LevelChange:
    """Decode a CloudEvent; malformed data raises InvalidArgument so the runner dead-letters it."""
    data = event.get("data") or {}
    customer_id = data.get("customer_id")
    if not isinstance(customer_id, str):
        raise InvalidArgument("level_changed data lacks customer_id", field="data.customer_id")
    require_customer_id(customer_id, field="data.customer_id")
    level = data.get("level")
    if level not in LEVELS:
        raise InvalidArgument(
            f"level_changed data has level {level!r}; expected one of {', '.join(LEVELS)}", field="data.level"
        )
    return LevelChange(
        event_id=str(event["id"]), customer_id=customer_id, level=level, observed_at=_event_time(event)
    )


def is_stale(change: LevelChange, *, current_assigned_at: datetime | None) -> bool:
    """True when the event is older than the active value, so a late delivery cannot regress it."""
    if change.observed_at is None or current_assigned_at is None:
        return False
    return change.observed_at < current_assigned_at


def _event_time(event: dict[str, Any]) -> datetime | None:
    raw = event.get("time")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"event time {raw!r} is not an RFC 3339 timestamp", field="time") from None
    if value.tzinfo is None:
        raise InvalidArgument(f"event time {raw!r} lacks a timezone", field="time")
    # stored times have millisecond precision; compare like with like
    return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)
