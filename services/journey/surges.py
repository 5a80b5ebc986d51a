"""Intent on the customer's timeline: projections of the intent service's events (timeline_feed.py).

Read by the durable consumer `journey-timeline-intent` on `<root>.evt.*.intent.>`:
- `intent.surged` → kind `intent_surge`, dated at the surge (`surged_at_ms`), with the reason as its
  notes ("3× 定价页 in 2 days; usually 0") and `intent` as actor and channel. Its id stays derived
  from (customer, surge instant), as before issue 10, so a surge already on a timeline is not added
  twice when the new consumer replays the stream.
- `intent.level_changed` → kind `intent_level`, dated at the event's `time` (its data has no time),
  summary "意向 MEDIUM → HIGH: <reason>" ("意向 → MEDIUM: …" for a first score).
Every level change is shown: intent publishes one only when the level moves, never per re-score.
Other intent events are not shown.

Until issue 10 surges were read by the durable `journey-intent-surges` (filter
`evt.*.intent.surged`); that consumer is no longer started. A deployment may delete it
(`nats consumer rm <root>-evt journey-intent-surges`); left alone it only costs its state.
"""

from __future__ import annotations

from typing import Any

from common.errors import InvalidArgument
from common.timeutil import from_ms
from services.journey.timeline_feed import Entry, Feed, Source, customer_of, event_time, text

SURGED = "crm.intent.surged.v1"
LEVEL_CHANGED = "crm.intent.level_changed.v1"
INTENT_DURABLE = "journey-timeline-intent"
KIND = "intent_surge"
LEVEL_KIND = "intent_level"
LEVELS = ("low", "medium", "high")


def surged(data: dict[str, Any], event: dict[str, Any]) -> Entry:
    """An `intent.surged` event as a timeline entry."""
    customer_id, at_ms, reason = data.get("customer_id"), data.get("surged_at_ms"), data.get("reason")
    if not isinstance(customer_id, str) or not customer_id or not isinstance(reason, str):
        raise InvalidArgument("intent.surged needs customer_id and reason", field="data.customer_id")
    if not isinstance(at_ms, int) or isinstance(at_ms, bool) or at_ms <= 0:
        raise InvalidArgument("intent.surged needs surged_at_ms (epoch ms)", field="data.surged_at_ms")
    return Entry(
        customer_id=customer_id,
        at=from_ms(at_ms),
        type="intent_surge",
        summary=f"意向激增: {reason}",
        actor="intent",
        channel="intent",
        notes=reason[:500],
        entry_id=f"surge/{customer_id}/{at_ms}",
    )


def level_changed(data: dict[str, Any], event: dict[str, Any]) -> Entry:
    """An `intent.level_changed` event as a timeline entry: from which level to which, and why."""
    customer_id = customer_of(data)
    level, previous = data.get("level"), data.get("previous_level")
    if level not in LEVELS:
        raise InvalidArgument(f"level must be one of {', '.join(LEVELS)}", field="data.level")
    if previous is not None and previous not in LEVELS:
        raise InvalidArgument(
            f"previous_level must be null or one of {', '.join(LEVELS)}", field="data.previous_level"
        )
    reason = text(data, "reason")
    move = f"{previous.upper()} → {level.upper()}" if previous else f"→ {level.upper()}"
    return Entry(
        customer_id=customer_id,
        at=event_time(event),
        type="intent.level_changed",
        summary=f"意向 {move}: {reason}" if reason else f"意向 {move}",
        actor="intent",
        channel="intent",
        notes=reason,
    )


INTENT = Source(
    service="intent",
    durable=INTENT_DURABLE,
    feeds=(Feed(SURGED, KIND, surged), Feed(LEVEL_CHANGED, LEVEL_KIND, level_changed)),
)
