"""The events the tags service publishes, and its consumers: intent levels and ingested conversations.

Published (subject `<root>.evt.<tenant>.tags.<event>`, CloudEvents type `crm.tags.<event>.v1`):
- `assigned`: a value became active. data: customer_id, tag_key, value, previous_value ("" if none),
  source (lowercase), confidence, actor, reason, at (ISO-8601 UTC).
- `removed`: a value stopped being active. Same fields, with `value` the value that was removed,
  previous_value "", and `action` saying why: "removed" (RemoveTag), "replaced" (displaced by an
  exclusive tag of its group) or "expired" (its expiry came: the `tags.expire` timer removed it when
  due, or a write of the tag found it expired first; docs/tag-expiry.md).
- `definition_changed`: a tag definition was created or changed. data: key, display_name, group,
  category, value_type, allowed_values, exclusive, update_cycle, ttl_days, status, created, updated_at.
- `callback_promised`: extraction heard the customer ask to be called back at a time (on re-extraction
  only when that time changed). data: customer_id, conversation_id, callback_at (ISO-8601 UTC),
  local_time (ISO-8601 with the offset of `time_zone`), time_zone, qualifier (at | after | before | day |
  day_part), text (as said: "明天下午三点"), quote (the sentence), turn_index, channel, rep_id, at (when
  it was said, ISO-8601 UTC).
- `suggested`: a new pending suggestion waits for a person. data: suggestion_id, customer_id,
  conversation_id, tag_key, value, action (assign | remove), confidence, reason, quote, at.
- `conversation_ingested`: a conversation was stored and extracted (not for a duplicate). data:
  conversation_id, customer_id, channel, started_at, turn_count, summary, applied (list of
  {tag_key, value}), suggested (count of new pending suggestions), callback_at ("" if none).
The subject of every event above is the customer id. `assigned` and `removed` also carry `history_id`,
the id of the history entry that records the change (ListTagHistory), one event per such entry.
Every event is stored with the change it announces and relayed by `common/outbox.py`: the customer's
tags document (assigned, removed), the definition (definition_changed), the suggestion (suggested) and
the conversation (callback_promised, conversation_ingested).

Consumed: `<root>.evt.<tenant>.intent.level_changed` (durable `tags-intent-level`) and the ingest
subject `<root>.in.<tenant>.conversations` (durable `tags-conversations`; data is one conversation or
{"items": [...]}, see `conversations.input_from_json`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from common.bus import BatchPrepare, Consumer, Handler
from common.timeutil import iso_utc
from services.tags.assignments import intent_level
from services.tags.heard.conversations import Conversation, inputs_from_event_data
from services.tags.heard.model import HeardFact
from services.tags.heard.suggestions import Suggestion
from services.tags.model import Assignment, HistoryEntry, TagDef

if TYPE_CHECKING:
    from services.tags.heard.listening import ConversationOperations
    from services.tags.operations import TagOperations

CONVERSATIONS_DURABLE = "tags-conversations"
CONVERSATIONS_SUBJECT = "in.*.conversations"
MAX_CONVERSATIONS_PER_MESSAGE = 50

REMOVAL_ACTIONS = ("removed", "replaced", "expired")


def change_event(entry: HistoryEntry) -> tuple[str, dict[str, Any]] | None:
    """The `assigned` or `removed` event (name, data) a history entry announces; None for entries
    that change no value ("suggested", "rejected")."""
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
        "history_id": entry.id,
    }
    if entry.action == "assigned":
        return "assigned", data
    if entry.action in REMOVAL_ACTIONS:
        return "removed", {**data, "action": entry.action}
    return None


def definition_event(
    definition: TagDef, *, created: bool, actor: str = "", reason: str = ""
) -> dict[str, Any]:
    """The data of a `definition_changed` event; `actor` and `reason` say who changed it and why."""
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
        "merged_into": definition.merged_into,
        "created": created,
        "updated_at": iso_utc(updated) if updated else "",
        "actor": actor,
        "reason": reason,
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

        def stale(stored: dict[str, Assignment]) -> bool:
            # Asked inside the guarded write, so a newer level that lands concurrently still wins.
            current = stored.get(intent_level.TAG_KEY)
            return current is not None and intent_level.is_stale(
                change, current_assigned_at=current.assigned_at
            )

        await ops.assign(
            tenant,
            change.customer_id,
            [change.as_input()],
            roles=None,
            actor=intent_level.ACTOR,
            assigned_at=change.observed_at,
            reason="intent level changed",
            unless=stale,
        )

    return handle


def callback_promised_data(conversation: Conversation, fact: HeardFact) -> dict[str, Any]:
    """The data of a `callback_promised` event for the callback_at `fact` heard in `conversation`."""
    assert fact.at is not None  # callback_at facts always carry their time
    span = fact.evidence
    return {
        "customer_id": conversation.customer_id,
        "conversation_id": conversation.id,
        "callback_at": iso_utc(fact.at),
        "local_time": fact.at.astimezone(ZoneInfo(conversation.time_zone)).isoformat(timespec="seconds"),
        "time_zone": conversation.time_zone,
        "qualifier": fact.qualifier,
        "text": fact.text,
        "quote": span.quote,
        "turn_index": span.turn_index,
        "channel": conversation.channel,
        "rep_id": conversation.rep_id,
        "at": iso_utc(conversation.transcript().spoken_at(span.turn_index)),
    }


def suggested_data(suggestion: Suggestion) -> dict[str, Any]:
    """The data of a `suggested` event."""
    return {
        "suggestion_id": suggestion.id,
        "customer_id": suggestion.customer_id,
        "conversation_id": suggestion.conversation_id,
        "tag_key": suggestion.tag_key,
        "value": suggestion.value,
        "action": suggestion.action,
        "confidence": suggestion.confidence,
        "reason": suggestion.reason,
        "quote": suggestion.evidence.quote,
        "at": iso_utc(suggestion.created_at),
    }


def conversation_ingested_data(
    conversation: Conversation, *, applied: list[Assignment], suggested: int, callback: HeardFact | None
) -> dict[str, Any]:
    """The data of a `conversation_ingested` event."""
    return {
        "conversation_id": conversation.id,
        "customer_id": conversation.customer_id,
        "channel": conversation.channel,
        "started_at": iso_utc(conversation.started_at),
        "turn_count": len(conversation.turns),
        "summary": conversation.display_summary,
        "applied": [{"tag_key": a.tag_key, "value": a.value} for a in applied],
        "suggested": suggested,
        "callback_at": iso_utc(callback.at) if callback and callback.at else "",
    }


def conversations_consumer(ops: ConversationOperations, *, prepare: BatchPrepare | None = None) -> Consumer:
    """The durable consumer of `<root>.in.<tenant>.conversations`: one conversation or {"items": [...]}.

    Malformed data raises InvalidArgument and a customer leads does not have in the tenant raises
    NotFound, which the runner dead-letters at once (leads not answering is retried); the message's
    conversations are validated all together before any is stored. A conversation id that is already
    stored is a quiet success, so redelivery and re-sends are harmless.
    """

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        raws = inputs_from_event_data(event["data"], maximum=MAX_CONVERSATIONS_PER_MESSAGE)
        await ops.ingest(tenant, raws)

    return Consumer(
        durable=CONVERSATIONS_DURABLE,
        stream_kind="in",
        filter_subject=CONVERSATIONS_SUBJECT,
        handler=handle,
        batch=16,
        prepare=prepare,
    )
