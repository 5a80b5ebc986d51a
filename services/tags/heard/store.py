"""MongoDB access for conversations, their suggestions and the tenants' conversation settings.

- `conversations`: one document per conversation, `_id` = "<tenant>/<id>", turns and heard facts
  embedded. Inserting the `_id` is the de-duplication (race-free); `expires_at` (started_at + retention)
  carries a TTL index.
- `tag_suggestions`: one document per suggestion, `_id` = "<tenant>/<suggestion id>". A person's
  decision is a guarded single-document update (status must still be what the reviewer saw), and
  re-extraction refreshes only suggestions that are still pending, so it never undoes a review.
Conversations are written by replacing whole documents rather than `$set` fields: the stand-in stores
a top-level datetime written by `$set` as a string.
- `conversation_settings`: one document per tenant, `_id` = tenant.
Events travel in the document they announce (`common/outbox.py`): a new suggestion is inserted with
its `suggested` event and the pending insert of its "suggested" history entry; an extraction's
replace of the conversation carries its `callback_promised` / `conversation_ingested` events; a
rejection without a tag change carries its "rejected" history entry. A replace of a conversation keeps
its items that are still pending (`replace_keeping_pending`); suggestions are changed with `$set` only
(the stand-in cannot replace a document holding the binary form of a pending insert).
Every query filters by tenant_id and is served by an index in `CONVERSATION_INDEXES`.

Two gaps of the local stand-in shape the documents (both forms are plain MongoDB):
- it compares datetimes to the second, so sorting and paging use integer epoch milliseconds
  (`started_ms`, `created_ms`) next to the datetimes people read;
- it drops the other top-level fields for documents matching an `$or` branch beside them, so paging
  filters are wrapped in `$and`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, InsertOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from common.mongo import IndexSpec, epoch_ms, newest_first_after
from common.outbox import DUE_MS, FIELD, REV, Pending, pending_set
from common.timeutil import as_utc
from services.tags.heard.conversations import Conversation, ConversationSettings
from services.tags.heard.model import HeardFact, Span, Turn
from services.tags.heard.suggestions import ACCEPTED, APPLIED, ASSIGN, PENDING, REJECTED, REVIEWED, Suggestion

CONVERSATIONS = "conversations"
SUGGESTIONS = "tag_suggestions"
SETTINGS = "conversation_settings"
DUPLICATE_KEY = 11000
# A replace that keeps pending outbox items retries while other writes add or clear items under it.
MAX_REPLACE_ATTEMPTS = 50

CONVERSATION_INDEXES = [
    # One customer's conversations newest first; also BatchListConversations ($in on customer_id).
    # `seq` repeats the id: the stand-in cannot index `_id` inside a compound index.
    IndexSpec(
        CONVERSATIONS,
        [
            ("tenant_id", ASCENDING),
            ("customer_id", ASCENDING),
            ("started_ms", DESCENDING),
            ("seq", DESCENDING),
        ],
    ),
    # Retention: a conversation goes at its own expires_at.
    IndexSpec(CONVERSATIONS, [("expires_at", ASCENDING)], {"expireAfterSeconds": 0}),
    # Listing by status (the review queue), and the person decisions of one customer.
    IndexSpec(
        SUGGESTIONS,
        [("tenant_id", ASCENDING), ("status", ASCENDING), ("created_ms", DESCENDING), ("seq", DESCENDING)],
    ),
    IndexSpec(
        SUGGESTIONS,
        [
            ("tenant_id", ASCENDING),
            ("customer_id", ASCENDING),
            ("status", ASCENDING),
            ("created_ms", DESCENDING),
            ("seq", DESCENDING),
        ],
    ),
    # A conversation's suggestions (and listing filtered by conversation).
    IndexSpec(
        SUGGESTIONS,
        [
            ("tenant_id", ASCENDING),
            ("conversation_id", ASCENDING),
            ("status", ASCENDING),
            ("created_ms", DESCENDING),
        ],
    ),
    # Listing filtered by tag, and the precision aggregation ($match on tenant_id, tag_key, action).
    IndexSpec(
        SUGGESTIONS,
        [("tenant_id", ASCENDING), ("tag_key", ASCENDING), ("action", ASCENDING), ("status", ASCENDING)],
    ),
    IndexSpec(SETTINGS, [("tenant_id", ASCENDING)], {"unique": True}),
]


class ConversationStore:
    """Reads and writes the conversation collections; every method takes the tenant it is scoped to."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._conversations = db[CONVERSATIONS]
        self._suggestions = db[SUGGESTIONS]
        self._settings = db[SETTINGS]

    # ---- conversations ----

    async def insert_conversation(self, tenant: str, conversation: Conversation) -> bool:
        """Store a new conversation; False when one with its id is already stored (nothing written)."""
        try:
            await self._conversations.insert_one(_conversation_doc(tenant, conversation))
        except DuplicateKeyError:
            return False
        return True

    async def conversation(self, tenant: str, conversation_id: str) -> Conversation | None:
        doc = await self._conversations.find_one({"_id": f"{tenant}/{conversation_id}", "tenant_id": tenant})
        return _conversation(doc) if doc else None

    async def save_extraction(
        self, tenant: str, conversation: Conversation, items: Sequence[Pending]
    ) -> None:
        """Record what the latest extraction heard (facts, summary, time) in the stored conversation,
        with the pending events (`items`) that announce it."""
        # A whole-document replace: the stand-in stores a top-level datetime written by $set as a string.
        await replace_keeping_pending(
            self._conversations,
            {"_id": f"{tenant}/{conversation.id}", "tenant_id": tenant},
            _conversation_doc(tenant, conversation),
            items,
        )

    async def customer_conversations(
        self, tenant: str, customer_id: str, *, before: tuple[datetime, str] | None, limit: int
    ) -> list[Conversation]:
        """One customer's conversations newest first by (started_at, id), after `before` (a previous page)."""
        query: dict[str, Any] = {"tenant_id": tenant, "customer_id": customer_id}
        if before is not None:
            query = newest_first_after(
                query, ms_field="started_ms", at=before[0], tie_field="seq", tie=before[1]
            )
        cursor = self._conversations.find(query).sort([("started_ms", DESCENDING), ("seq", DESCENDING)])
        return [_conversation(doc) async for doc in cursor.limit(limit)]

    async def latest_conversations(
        self, tenant: str, customer_ids: Sequence[str], *, per_customer: int
    ) -> dict[str, list[Conversation]]:
        """Up to `per_customer` newest conversations of each customer, in one query."""
        found: dict[str, list[Conversation]] = {cid: [] for cid in customer_ids}
        cursor = self._conversations.find({"tenant_id": tenant, "customer_id": {"$in": list(found)}}).sort(
            [("customer_id", ASCENDING), ("started_ms", DESCENDING), ("seq", DESCENDING)]
        )
        async for doc in cursor:
            mine = found[doc["customer_id"]]
            if len(mine) < per_customer:
                mine.append(_conversation(doc))
        return found

    # ---- suggestions ----

    async def suggestion(self, tenant: str, suggestion_id: str) -> Suggestion | None:
        doc = await self._suggestions.find_one({"_id": f"{tenant}/{suggestion_id}", "tenant_id": tenant})
        return _suggestion(doc) if doc else None

    async def conversation_suggestions(
        self, tenant: str, conversation_ids: Sequence[str]
    ) -> list[Suggestion]:
        """Every suggestion made from the conversations, any status, oldest first."""
        if not conversation_ids:
            return []
        ids = list(conversation_ids)
        query = {"tenant_id": tenant, "conversation_id": ids[0] if len(ids) == 1 else {"$in": ids}}
        cursor = self._suggestions.find(query).sort([("created_ms", ASCENDING), ("seq", ASCENDING)])
        return [_suggestion(doc) async for doc in cursor]

    async def reviewed_suggestions(self, tenant: str, customer_id: str) -> list[Suggestion]:
        """The customer's suggestions people accepted or rejected: the decisions extraction must respect."""
        query = {"tenant_id": tenant, "customer_id": customer_id, "status": {"$in": list(REVIEWED)}}
        return [_suggestion(doc) async for doc in self._suggestions.find(query)]

    async def save_suggestions(
        self,
        tenant: str,
        *,
        created: Sequence[Suggestion],
        updated: Sequence[Suggestion],
        pending: Mapping[str, Sequence[Pending]],
    ) -> set[str]:
        """Insert new suggestions (each with its `pending[id]` outbox items) and refresh pending ones
        (an update only lands while still pending); returns the ids of the suggestions inserted.

        A suggestion created concurrently by another extraction of the same conversation is kept as is
        (with the items that other extraction stored).
        """
        ops: list[InsertOne[dict[str, Any]]] = [
            InsertOne({**_suggestion_doc(tenant, s), **pending_fields(pending.get(s.id, ()))})
            for s in created
        ]
        for s in updated:  # few: the suggestions this conversation already had, heard again
            await self._suggestions.update_one(
                {"_id": f"{tenant}/{s.id}", "tenant_id": tenant, "status": PENDING},
                {"$set": _suggestion_fields(s)},
            )
        if not ops:
            return set()
        failed: set[int] = set()
        try:
            await self._suggestions.bulk_write(ops, ordered=False)
        except BulkWriteError as err:
            errors = err.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            failed = {int(e["index"]) for e in errors}
        return {s.id for i, s in enumerate(created) if i not in failed}

    async def set_review(
        self, tenant: str, new: Suggestion, *, expected_status: str, items: Sequence[Pending] = ()
    ) -> bool:
        """Write a suggestion's review fields (with `items`) if its status is still `expected_status`;
        False otherwise."""
        result = await self._suggestions.update_one(
            {"_id": f"{tenant}/{new.id}", "tenant_id": tenant, "status": expected_status},
            {"$set": {**_suggestion_fields(new), **pending_set(items)}},
        )
        return result.matched_count == 1

    async def list_suggestions(
        self,
        tenant: str,
        *,
        status: str,
        customer_id: str,
        conversation_id: str,
        tag_key: str,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Suggestion]:
        """Suggestions newest first by (created_at, id), filtered by status and any of the other fields."""
        query: dict[str, Any] = {"tenant_id": tenant, "status": status}
        for name, value in (
            ("customer_id", customer_id),
            ("conversation_id", conversation_id),
            ("tag_key", tag_key),
        ):
            if value:
                query[name] = value
        if before is not None:
            query = newest_first_after(
                query, ms_field="created_ms", at=before[0], tie_field="seq", tie=before[1]
            )
        cursor = self._suggestions.find(query).sort([("created_ms", DESCENDING), ("seq", DESCENDING)])
        return [_suggestion(doc) async for doc in cursor.limit(limit)]

    async def suggestion_counts(self, tenant: str, tag_keys: Sequence[str]) -> dict[str, dict[str, int]]:
        """Per tag key, how many assign suggestions are in each status (one $match/$group aggregation)."""
        match: dict[str, Any] = {"tenant_id": tenant, "action": ASSIGN}
        if tag_keys:
            match["tag_key"] = {"$in": list(tag_keys)}
        statuses = (PENDING, APPLIED, ACCEPTED, REJECTED)
        group: dict[str, Any] = {"_id": "$tag_key"}
        for status in statuses:
            group[status] = {"$sum": {"$cond": [{"$eq": ["$status", status]}, 1, 0]}}
        cursor = await self._suggestions.aggregate([{"$match": match}, {"$group": group}])
        return {str(doc["_id"]): {s: int(doc.get(s, 0)) for s in statuses} async for doc in cursor}

    # ---- settings ----

    async def settings(self, tenant: str) -> ConversationSettings | None:
        doc = await self._settings.find_one({"_id": tenant, "tenant_id": tenant})
        if doc is None:
            return None
        return ConversationSettings(
            auto_apply_threshold=float(doc["auto_apply_threshold"]),
            time_zone=doc["time_zone"],
            updated_at=_time(doc.get("updated_at")),
            updated_by=doc.get("updated_by", ""),
        )

    async def save_settings(self, tenant: str, settings: ConversationSettings) -> None:
        doc = {
            "_id": tenant,
            "tenant_id": tenant,
            "auto_apply_threshold": settings.auto_apply_threshold,
            "time_zone": settings.time_zone,
            "updated_at": settings.updated_at,
            "updated_by": settings.updated_by,
        }
        await self._settings.replace_one({"_id": tenant}, doc, upsert=True)


def pending_fields(items: Sequence[Pending], *, keep: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The outbox fields of a document to insert or replace: `items` plus the items of `keep` (the
    document as read) that are still pending; empty when there are none."""
    kept = dict((keep or {}).get(FIELD) or {})
    if not items and not kept:
        return {}
    fields: dict[str, Any] = {FIELD: kept}
    for name, value in pending_set(items).items():
        if name.startswith(f"{FIELD}."):
            fields[FIELD][name.removeprefix(f"{FIELD}.")] = value
        else:
            fields[name] = value
    if not items:  # only kept items: they are still due, under a new revision
        fields[DUE_MS] = (keep or {}).get(DUE_MS)
        fields[REV] = (keep or {}).get(REV)
    return fields


async def replace_keeping_pending(
    coll: AsyncCollection[dict[str, Any]],
    guard: dict[str, Any],
    doc: dict[str, Any],
    items: Sequence[Pending],
) -> bool:
    """Replace the document matching `guard` by `doc` plus `items`, keeping its still-pending items.

    Guarded by the outbox revision read, so items another write adds meanwhile are never dropped
    (that write changes the revision and this one reads again). An item marked sent between the read
    and the replace is carried over and published again by the relay, where JetStream drops the
    repeat by its `Nats-Msg-Id` and a repeated insert is a duplicate `_id`. False when nothing
    matches `guard`.
    """
    for _ in range(MAX_REPLACE_ATTEMPTS):
        raw = await coll.find_one(guard, {FIELD: 1, DUE_MS: 1, REV: 1})
        if raw is None:
            return False
        rev = raw.get(REV)
        filter_ = {**guard, REV: rev if rev is not None else {"$exists": False}}
        result = await coll.replace_one(filter_, {**doc, **pending_fields(items, keep=raw)})
        if result.matched_count == 1:
            return True
    raise RuntimeError(f"{coll.name}: the outbox of {guard.get('_id')} kept changing")


def _time(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _span_doc(span: Span) -> dict[str, Any]:
    return {"turn_index": span.turn_index, "start": span.start, "end": span.end, "quote": span.quote}


def _span(doc: dict[str, Any]) -> Span:
    return Span(
        turn_index=int(doc["turn_index"]), start=int(doc["start"]), end=int(doc["end"]), quote=doc["quote"]
    )


def _fact_doc(fact: HeardFact) -> dict[str, Any]:
    return {
        "kind": fact.kind,
        "value": fact.value,
        "text": fact.text,
        "qualifier": fact.qualifier,
        "confidence": fact.confidence,
        "evidence": _span_doc(fact.evidence),
        "at": fact.at,
        "amount": fact.amount,
        "amount_max": fact.amount_max,
    }


def _fact(doc: dict[str, Any]) -> HeardFact:
    amount, amount_max = doc.get("amount"), doc.get("amount_max")
    return HeardFact(
        kind=doc["kind"],
        value=doc["value"],
        text=doc.get("text", ""),
        qualifier=doc.get("qualifier", ""),
        confidence=float(doc.get("confidence", 0.0)),
        evidence=_span(doc["evidence"]),
        at=_time(doc.get("at")),
        amount=float(amount) if amount is not None else None,
        amount_max=float(amount_max) if amount_max is not None else None,
    )


def _conversation_doc(tenant: str, c: Conversation) -> dict[str, Any]:
    return {
        "_id": f"{tenant}/{c.id}",
        "tenant_id": tenant,
        "id": c.id,
        "seq": c.id,
        "customer_id": c.customer_id,
        "channel": c.channel,
        "started_at": c.started_at,
        "started_ms": epoch_ms(c.started_at),
        "time_zone": c.time_zone,
        "turns": [{"speaker": t.speaker, "text": t.text, "offset_ms": t.offset_ms} for t in c.turns],
        "rep_id": c.rep_id,
        "summary": c.summary,
        "heard_summary": c.heard_summary,
        "facts": [_fact_doc(f) for f in c.facts],
        "received_at": c.received_at,
        "extracted_at": c.extracted_at,
        "expires_at": c.expires_at,
    }


def _conversation(doc: dict[str, Any]) -> Conversation:
    return Conversation(
        id=doc["id"],
        customer_id=doc["customer_id"],
        channel=doc["channel"],
        started_at=as_utc(doc["started_at"]),
        time_zone=doc["time_zone"],
        turns=tuple(
            Turn(speaker=t["speaker"], text=t["text"], offset_ms=int(t.get("offset_ms", 0)))
            for t in doc["turns"]
        ),
        rep_id=doc.get("rep_id", ""),
        summary=doc.get("summary", ""),
        heard_summary=doc.get("heard_summary", ""),
        facts=tuple(_fact(f) for f in doc.get("facts") or ()),
        received_at=as_utc(doc["received_at"]),
        extracted_at=_time(doc.get("extracted_at")),
        expires_at=as_utc(doc["expires_at"]),
    )


def _suggestion_doc(tenant: str, s: Suggestion) -> dict[str, Any]:
    return {
        "_id": f"{tenant}/{s.id}",
        "seq": s.id,
        "tenant_id": tenant,
        "id": s.id,
        "customer_id": s.customer_id,
        "conversation_id": s.conversation_id,
        "tag_key": s.tag_key,
        "action": s.action,
        "created_at": s.created_at,
        "created_ms": epoch_ms(s.created_at),
        **_suggestion_fields(s),
    }


def _suggestion_fields(s: Suggestion) -> dict[str, Any]:
    """What extraction and review change, written with `$set`: the review time is nested because the
    stand-in stores a top-level datetime written by `$set` as a string (and a replace cannot be used:
    it fails on the binary pending inserts a suggestion may still carry)."""
    return {
        "value": s.value,
        "confidence": s.confidence,
        "evidence": _span_doc(s.evidence),
        "reason": s.reason,
        "status": s.status,
        "reviewed_by": s.reviewed_by,
        "review": {"at": s.reviewed_at},
        "review_note": s.review_note,
    }


def _suggestion(doc: dict[str, Any]) -> Suggestion:
    return Suggestion(
        id=doc["id"],
        customer_id=doc["customer_id"],
        conversation_id=doc["conversation_id"],
        tag_key=doc["tag_key"],
        value=doc.get("value", ""),
        action=doc["action"],
        confidence=float(doc.get("confidence", 0.0)),
        evidence=_span(doc["evidence"]),
        reason=doc.get("reason", ""),
        status=doc["status"],
        created_at=as_utc(doc["created_at"]),
        reviewed_by=doc.get("reviewed_by", ""),
        reviewed_at=_time((doc.get("review") or {}).get("at") or doc.get("reviewed_at")),
        review_note=doc.get("review_note", ""),
    )
