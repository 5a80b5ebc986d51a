"""The events the tags service publishes, and the consumer that turns intent levels into a system tag.

Published (subject `<root>.evt.<tenant>.tags.<event>`, CloudEvents type `crm.tags.<event>.v1`):
- `assigned`: a value became active. data: customer_id, tag_key, value, previous_value ("" if none),
  source (lowercase), confidence, actor, reason, at (ISO-8601 UTC).
- `removed`: a value stopped being active. Same fields, with `value` the value that was removed,
  previous_value "", and `action` saying why: "removed" (RemoveTag), "replaced" (displaced by an
  exclusive tag of its group) or "expired" (found expired when the tag was next written).
- `definition_changed`: a tag definition was created or changed. data: key, display_name, group,
  category, value_type, allowed_values, exclusive, update_cycle, ttl_days, status, created, updated_at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from common.bus import Consumer, Handler
from common.timeutil import iso_utc
from services.tags import intent_level
from services.tags.model import HistoryEntry, TagDef

if TYPE_CHECKING:
    from services.tags.operations import TagOperations

EventItem = tuple[str, str, dict[str, Any], str]


def change_events(tenant: str, history: list[HistoryEntry]) -> list[EventItem]:
    """One `assigned` or `removed` event per history entry, as publish_many items."""
    items: list[EventItem] = []
    for entry in history:
        data: dict[str, Any] = {
            "customer_id": entry.customer_id,
            "tag_key": entry.tag_key,
            "value": entry.value,
            "previous_value": entry.previous_value,
            "source": entry.source,
            "confidence": entry.confidence,
            "actor": entry.actor,
            "reason": entry.reason,
            "at": iso_utc(entry.at),
        }
        if entry.action == "assigned":
            items.append((tenant, "assigned", data, entry.customer_id))
        else:
            items.append((tenant, "removed", {**data, "action": entry.action}, entry.customer_id))
    return items


def definition_event(definition: TagDef, *, created: bool) -> dict[str, Any]:
    """The data of a `definition_changed` event."""
    updated = definition.updated_at
    return {
        "key": definition.key,
        "display_name": definition.display_name,
        "group": definition.group,
        "category": definition.category,
        "value_type": definition.value_type,
        "allowed_values": list(definition.allowed_values),
        "exclusive": definition.exclusive,
        "update_cycle": definition.update_cycle,
        "ttl_days": definition.ttl_days,
        "status": definition.status,
        "created": created,
        "updated_at": iso_utc(updated) if updated else "",
    }


def intent_level_consumer(ops: TagOperations) -> Consumer:
    """The durable consumer of `intent.level_changed` events that maintains the `intent.level` tag."""
    return Consumer(
        durable="tags-intent-level",
        stream_kind="evt",
        filter_subject="evt.*.intent.level_changed",
        handler=_level_changed_handler(ops),
    )


def _level_changed_handler(ops: TagOperations) -> Handler:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        """Apply one level change; idempotent, and an event older than the active value is ignored.

        A redelivered event finds its own value already active ("unchanged") and changes nothing.
        """
        change = intent_level.parse_level_changed(event)
        await ops.ensure_system_tag(tenant, intent_level.system_definition())
        current = await ops.store.assignment(tenant, change.customer_id, intent_level.TAG_KEY)
        if current is not None and intent_level.is_stale(change, current_assigned_at=current.assigned_at):
            return
        await ops.assign(
            tenant,
            change.customer_id,
            [change.as_input()],
            roles=None,
            actor=intent_level.ACTOR,
            assigned_at=change.observed_at,
            reason="intent level changed",
        )

    return handle
