"""What the timeline shows of the tags and leads services, and the registry of every source.

**Tags** (durable `journey-timeline-tags`, `<root>.evt.*.tags.>`):
- `tags.conversation_ingested` → kind `conversation`, dated when the conversation started, channel
  the conversation's (call, wechat, …), summary "听到: <what was heard>" (the event's summary, else the
  tags it applied). **A heard conversation is a touchpoint**: it is recorded through the
  TouchpointRecorder as type `HEARD_TYPES[channel]` — `call` for a call, `meeting` for a meeting,
  `message` for wechat / wecom, `email` for an email — with id `heard/<conversation id>` (idempotent
  per conversation, whatever the event id), dated when it started, actor `tags`, so progress, the
  funnel, intent's call list (`call`, `meeting` are contact types) and leads' status move as for any
  touchpoint. It is stored ONCE: the touchpoint document keeps kind `conversation`, the summary and
  refs, so the timeline shows the call once, as a conversation (a TOUCHPOINT filter does not list it).
  Which stage a `call` implies is the tenant's journey's say: list `call` in a stage (e.g. 来电); the
  shipped templates list `call_inbound`, not `call`, so there a heard call only moves the last touch.
  A channel not in HEARD_TYPES, or an event without conversation_id, is a plain entry as before.
- `tags.assigned` / `tags.removed` → kind `tag_change`, only when worth showing (`tag_change_shown`):
  a change a person or an explicit channel made (source `manual`, `import`, `channel`) and changes
  of system tags (source `system`, e.g. `deal.won_product`), except `intent.level`, which the timeline
  already shows from intent itself. NOT shown: machine refreshes (source `rule`, `model`), tags heard
  in a conversation (source `conversation`: the conversation entry lists them), a value displaced by
  an exclusive sibling (`action: replaced`: the assignment that displaced it is shown) and expiries.
**Leads** (durable `journey-timeline-leads`, `<root>.evt.*.leads.>`):
- `leads.customer_created` → kind `lead`, "新客户: 梁明（来源 展会，负责人 rep_sunhao）".
- Lead pool moves (claimed, released, status changes) join `LEAD_FEEDS` as leads publishes them:
  a projection function returning an `Entry` and one `Feed(...)` line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from common.bus import Consumer
from services.journey.store import JourneyStore
from services.journey.surges import INTENT
from services.journey.timeline_feed import (
    Entry,
    Feed,
    Source,
    customer_of,
    instant,
    source_consumer,
    text,
)
from services.journey.touchpoints import Touchpoint

if TYPE_CHECKING:
    from services.journey.definition_store import DefinitionStore
    from services.journey.recording import TouchpointRecorder

CONVERSATION_INGESTED = "crm.tags.conversation_ingested.v1"
TAG_ASSIGNED = "crm.tags.assigned.v1"
TAG_REMOVED = "crm.tags.removed.v1"
CUSTOMER_CREATED = "crm.leads.customer_created.v1"

SHOWN_TAG_SOURCES = frozenset({"manual", "import", "channel", "system"})
# System tags that mirror another service's fact the timeline shows from that service directly.
MIRRORED_TAGS = frozenset({"intent.level", "lead.status"})  # leads shows its own status
# The touchpoint type a heard conversation is, by its channel (tags' heard/conversations.CHANNELS).
HEARD_TYPES = {
    "call": "call",
    "meeting": "meeting",
    "wechat": "message",
    "wecom": "message",
    "email": "email",
}


def conversation_ingested(data: dict[str, Any], event: dict[str, Any]) -> Entry:
    """A stored conversation: when it started, on which channel, and what was heard in it."""
    heard = text(data, "summary").strip()
    if not heard:
        applied = data.get("applied")
        applied = applied if isinstance(applied, list) else []
        heard = ", ".join(_tag_text(a) for a in applied if isinstance(a, dict)) or "—"
    channel, conversation_id = text(data, "channel"), text(data, "conversation_id")
    touchpoint_type = HEARD_TYPES.get(channel, "") if conversation_id else ""
    return Entry(
        customer_id=customer_of(data),
        at=instant(data, "started_at"),
        type=touchpoint_type or "tags.conversation_ingested",
        summary=f"听到: {heard}",
        actor="tags",
        channel=channel,
        notes=text(data, "summary"),
        refs=(("conversation_id", conversation_id),),
        entry_id=f"heard/{conversation_id}" if touchpoint_type else "",
        touchpoint_type=touchpoint_type,
    )


def tag_change_shown(data: dict[str, Any], *, removed: bool) -> bool:
    """The rule of which tag changes the timeline shows (module docstring)."""
    if data.get("source") not in SHOWN_TAG_SOURCES or data.get("tag_key") in MIRRORED_TAGS:
        return False
    return not removed or data.get("action") in (None, "removed")


def tag_changed(data: dict[str, Any], event: dict[str, Any]) -> Entry | None:
    """A tag assignment or removal worth showing, e.g. "标签 budget: 150000 → 200000"."""
    removed = event.get("type") == TAG_REMOVED
    if not tag_change_shown(data, removed=removed):
        return None
    key, value, previous = text(data, "tag_key"), text(data, "value"), text(data, "previous_value")
    if removed:
        line = f"标签 −{key}" + (f" ({value})" if value else "")
    elif previous:
        line = f"标签 {key}: {previous} → {value}"
    else:
        line = f"标签 +{_tag_text({'tag_key': key, 'value': value})}"
    reason = text(data, "reason")
    return Entry(
        customer_id=customer_of(data),
        at=instant(data, "at"),
        type="tags.removed" if removed else "tags.assigned",
        summary=f"{line} — {reason}" if reason else line,
        actor=text(data, "actor"),
        channel=text(data, "source"),
        notes=reason,
        refs=(("tag_key", key), ("history_id", text(data, "history_id"))),
    )


def customer_created(data: dict[str, Any], event: dict[str, Any]) -> Entry:
    """A new customer: name, where they came from and who owns them."""
    details = [f"来源 {s}" for s in [text(data, "source_channel")] if s]
    details += [f"负责人 {o}" for o in [text(data, "owner_id")] if o]
    name = text(data, "name") or customer_of(data, "id")
    return Entry(
        customer_id=customer_of(data, "id"),
        at=instant(data, "created_at"),
        type="leads.customer_created",
        summary=f"新客户: {name}" + (f"（{'，'.join(details)}）" if details else ""),
        actor=text(data, "actor") or "leads",
        channel=text(data, "source_channel"),
        refs=(("owner_id", text(data, "owner_id")),),
    )


def _tag_text(applied: dict[str, Any]) -> str:
    key, value = str(applied.get("tag_key") or ""), str(applied.get("value") or "")
    return f"{key}={value}" if value else key


TAG_FEEDS = (
    Feed(CONVERSATION_INGESTED, "conversation", conversation_ingested),
    Feed(TAG_ASSIGNED, "tag_change", tag_changed),
    Feed(TAG_REMOVED, "tag_change", tag_changed),
)
# Leads' lead pool moves go here as leads publishes them (module docstring).
LEAD_FEEDS = (Feed(CUSTOMER_CREATED, "lead", customer_created),)

SOURCES = (
    INTENT,
    Source(service="tags", durable="journey-timeline-tags", feeds=TAG_FEEDS),
    Source(service="leads", durable="journey-timeline-leads", feeds=LEAD_FEEDS),
)


def timeline_consumers(
    store: JourneyStore, recorder: TouchpointRecorder, definitions: DefinitionStore
) -> list[Consumer]:
    """One durable consumer per source service, each putting its shown events on timelines; facts
    that are touchpoints (a heard call) are recorded through `recorder` on the tenant's journeys."""

    async def record(tenant: str, touchpoint: Touchpoint) -> None:
        book = await definitions.book(tenant)
        await recorder.record(tenant, replace(touchpoint, stage=book.stage_of(touchpoint.type)), book)

    return [source_consumer(source, store, record) for source in SOURCES]
