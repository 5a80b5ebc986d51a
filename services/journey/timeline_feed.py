"""The timeline of everything: other services' events projected onto the customer's timeline.

DESIGN §3: journey never reads another service's database. What the timeline shows besides
touchpoints arrives as events, and each shown event becomes one entry in journey's own `touchpoints`
collection, next to the touchpoints, so `ListTimeline` returns the whole story in time order with one
indexed query. An entry is not a touchpoint: it never moves a journey or counts in a funnel (it
bypasses progress entirely); its `kind` says what it is. The one exception is a fact that IS a
touchpoint (a heard call, see below and timeline_sources.py).

The pieces:
- a `Feed` maps one CloudEvent type to an `Entry` (or None: "not worth showing") — a pure function
  of the event, so the rules are unit-tested without servers;
- a `Source` is one service's feeds, read by ONE durable consumer on `<root>.evt.*.<service>.>`
  (the tenant is the subject's); events of types no feed names are acknowledged and ignored;
- the registry (`timeline_sources.SOURCES`) lists them. Adding, say, leads' `lead_claimed` is a
  projection function and one line there.
- an entry that is also a touchpoint (`Entry.touchpoint_type`, e.g. a heard call) is not inserted
  as an entry: it is recorded as a touchpoint of that type (`Record`, the TouchpointRecorder), which
  moves the journey and stores ONE document that keeps the entry's kind, summary and refs, so the
  timeline shows it once. Its id is the feed's own (`entry_id`), idempotent by the recorder.

Idempotent by event id: an entry's id is `<kind>/<CloudEvent id>` (or a feed's own stable id, as
surges keep theirs), its `_id` is `<tenant>|<id>`, and the insert ignores a duplicate key, so a
redelivered or replayed event adds nothing. The ids hold a `/`, which touchpoint ids may not, so no
touchpoint can collide with an entry. The consumers skip the inbox (`remember_applied=False`): the
`_id` already makes them idempotent, and most events of a source are of types nobody shows.

A malformed event of a shown type (no customer id, an unreadable time) is a bug upstream: it is
dead-lettered with the field named, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.bus import Consumer
from common.errors import InvalidArgument
from common.mongo import epoch_ms
from common.timeutil import parse_iso_instant, utcnow
from services.journey.store import JourneyStore
from services.journey.touchpoints import (
    MAX_ACTOR,
    MAX_CHANNEL,
    MAX_NOTES,
    Touchpoint,
    truncate_to_millis,
)

MAX_SUMMARY = 300
MAX_CUSTOMER_ID = 64


@dataclass(frozen=True, kw_only=True)
class Entry:
    """What a feed makes of one event: whose timeline, when it happened, and what people read."""

    customer_id: str
    at: datetime  # when the fact happened (the source event's own time), not when journey heard it
    type: str  # the source event's short type, e.g. "tags.conversation_ingested"
    summary: str
    actor: str = ""
    channel: str = ""
    notes: str = ""
    refs: tuple[tuple[str, str], ...] = ()  # ids the event names, e.g. ("conversation_id", "call-42")
    entry_id: str = ""  # default: "<kind>/<event id>"
    # Set when the fact is also a touchpoint of this type (module docstring); needs `entry_id`.
    touchpoint_type: str = ""


# (event data, whole CloudEvent) -> the entry, or None when this event is not worth showing.
Project = Callable[[dict[str, Any], dict[str, Any]], Entry | None]
# Records a touchpoint for a tenant (its stage is named by the recorder from the tenant's journeys).
Record = Callable[[str, Touchpoint], Awaitable[None]]


@dataclass(frozen=True)
class Feed:
    """One CloudEvent type (`crm.tags.conversation_ingested.v1`) and how it becomes an entry."""

    event_type: str
    kind: str  # the entry kind: a value of the proto's TimelineEntryKind, lower case
    project: Project


@dataclass(frozen=True)
class Source:
    """One service's shown events, read by one durable consumer."""

    service: str
    durable: str
    feeds: tuple[Feed, ...]

    @property
    def filter_subject(self) -> str:
        return f"evt.*.{self.service}.>"


def entry_document(tenant: str, kind: str, event: dict[str, Any], entry: Entry) -> dict[str, Any]:
    """The stored form of a projected entry: a touchpoint document's fields, plus kind, summary, refs."""
    entry_id = entry.entry_id or f"{kind}/{event['id']}"
    at = truncate_to_millis(entry.at)
    return {
        "_id": f"{tenant}|{entry_id}",
        "tenant_id": tenant,
        "id": entry_id,
        "customer_id": entry.customer_id,
        "type": entry.type,
        "kind": kind,
        "channel": entry.channel[:MAX_CHANNEL],
        "occurred_at": at,
        "occurred_ms": epoch_ms(at),
        "actor": entry.actor[:MAX_ACTOR],
        "notes": entry.notes[:MAX_NOTES],
        "summary": clip(entry.summary, MAX_SUMMARY),
        "source_event_id": str(event.get("id") or ""),
        "refs": [{"name": name, "id": value} for name, value in entry.refs if value],
        "stage": "",
        "journey": "",
        "recorded_at": utcnow(),
    }


def entry_touchpoint(kind: str, event: dict[str, Any], entry: Entry) -> Touchpoint:
    """The touchpoint an entry with a `touchpoint_type` is: the entry's fields, its kind kept (pure)."""
    return Touchpoint(
        id=entry.entry_id,
        customer_id=entry.customer_id,
        type=entry.touchpoint_type,
        channel=entry.channel[:MAX_CHANNEL],
        occurred_at=truncate_to_millis(entry.at),
        actor=entry.actor[:MAX_ACTOR],
        notes=entry.notes[:MAX_NOTES],
        stage="",
        kind=kind,
        summary=clip(entry.summary, MAX_SUMMARY),
        source_event_id=str(event.get("id") or ""),
        refs=tuple((name, value) for name, value in entry.refs if value),
    )


def source_consumer(source: Source, store: JourneyStore, record: Record | None = None) -> Consumer:
    """The durable consumer that puts `source`'s shown events on timelines (module docstring); entries
    that are touchpoints go to `record` (without it they are plain entries)."""
    by_type = {feed.event_type: feed for feed in source.feeds}

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        feed = by_type.get(str(event.get("type") or ""))
        if feed is None:
            return
        data = event.get("data")
        if not isinstance(data, dict):
            raise InvalidArgument(f"{feed.event_type} data must be an object", field="data")
        entry = feed.project(data, event)
        if entry is not None and entry.touchpoint_type and entry.entry_id and record is not None:
            await record(tenant, entry_touchpoint(feed.kind, event, entry))
        elif entry is not None:
            await store.add_timeline_entry(entry_document(tenant, feed.kind, event, entry))

    return Consumer(
        durable=source.durable,
        stream_kind="evt",
        filter_subject=source.filter_subject,
        handler=handle,
        remember_applied=False,
    )


# Helpers the feeds share: each names the field it refuses, as the dead letter will show it.


def customer_of(data: dict[str, Any], name: str = "customer_id") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_CUSTOMER_ID:
        raise InvalidArgument(f"the event needs {name} (a customer id)", field=f"data.{name}")
    return value


def text(data: dict[str, Any], name: str) -> str:
    """A string field, "" when absent or null; anything else is refused."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a string", field=f"data.{name}")
    return value


def instant(data: dict[str, Any], name: str, *, prefix: str = "data.") -> datetime:
    """A required ISO-8601 time with an offset."""
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"the event needs {name} (ISO-8601 time)", field=f"{prefix}{name}")
    return parse_iso_instant(value, field=f"{prefix}{name}")


def event_time(event: dict[str, Any]) -> datetime:
    """The CloudEvent's `time`: when the source service made the change (for events whose data has none)."""
    return instant(event, "time", prefix="")


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
