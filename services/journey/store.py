"""MongoDB access for the journey service's own database: touchpoints and per-customer progress.

Progress times are stored as epoch milliseconds, not dates: the rules are `$min`/`$max` updates, and
the local MongoDB stand-in turns dates under `$min` into strings and ignores `$max` on dates (see
MONGO_STANDIN.md). Integers behave the same on real MongoDB and the stand-in. For the same reason the
progress document is created with a plain insert, never with an upsert: the stand-in drops
`$setOnInsert` in `find_one_and_update(upsert=True)` and stores dotted `$min` paths literally.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.mongo import IndexSpec, epoch_ms, newest_first_after
from common.timeutil import as_utc, utcnow
from services.journey.progress import ProgressState, Touch
from services.journey.touchpoints import Touchpoint, from_millis, to_millis

TOUCHPOINTS = "touchpoints"
PROGRESS = "progress"

INDEXES = (
    # The timeline: one customer's touchpoints newest first, paged by (occurred_at, id).
    IndexSpec(TOUCHPOINTS, (("tenant_id", 1), ("customer_id", 1), ("occurred_ms", -1), ("id", -1))),
    IndexSpec(PROGRESS, (("tenant_id", 1), ("customer_id", 1)), {"unique": True}),
)


class JourneyStore:
    """Touchpoints and progress, always scoped by tenant; `_id`s embed the tenant so ids never collide."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._touchpoints = db[TOUCHPOINTS]
        self._progress = db[PROGRESS]

    async def add_touchpoint(
        self, tenant: str, touchpoint: Touchpoint, *, journey: str
    ) -> tuple[Touchpoint, bool]:
        """Store a touchpoint; returns (stored, True), or (the one stored earlier, False) for a re-sent id."""
        doc = {
            "_id": f"{tenant}|{touchpoint.id}",
            "tenant_id": tenant,
            "id": touchpoint.id,
            "customer_id": touchpoint.customer_id,
            "type": touchpoint.type,
            "channel": touchpoint.channel,
            "occurred_at": touchpoint.occurred_at,
            "occurred_ms": epoch_ms(touchpoint.occurred_at),
            "actor": touchpoint.actor,
            "notes": touchpoint.notes,
            "stage": touchpoint.stage,
            "journey": journey,
            "recorded_at": utcnow(),
        }
        try:
            await self._touchpoints.insert_one(doc)
        except DuplicateKeyError:
            existing = await self._touchpoints.find_one({"_id": doc["_id"], "tenant_id": tenant})
            if existing is None:  # deleted in between; nothing sensible to return but the input
                return touchpoint, False
            return _touchpoint(existing), False
        return touchpoint, True

    async def apply_touch(
        self, tenant: str, customer_id: str, *, journey: str, touch: Touch
    ) -> ProgressState:
        """Apply `touch` to the customer's progress atomically; returns the state just before it."""
        key = {"_id": f"{tenant}|{customer_id}", "tenant_id": tenant}
        update: dict[str, dict[str, Any]] = {"$max": {"last_touch_ms": to_millis(touch.at)}}
        if touch.stage:
            update["$min"] = {f"reached_ms.{touch.stage}": to_millis(touch.at)}
            update["$max"] |= {"furthest_rank": touch.rank, "latest": touch.key}
        for _ in range(2):
            before = await self._progress.find_one_and_update(
                key, update, return_document=ReturnDocument.BEFORE
            )
            if before is not None:
                return _state(before)
            empty = ProgressState(journey=journey)
            try:
                await self._progress.insert_one({**key, **_state_fields(customer_id, empty)})
            except DuplicateKeyError:
                continue  # another writer created it first; the update will now find it
        raise RuntimeError(f"progress document {key['_id']} could not be created")

    async def progress_of(self, tenant: str, customer_ids: list[str]) -> dict[str, ProgressState]:
        """The stored progress of each customer that has any, by customer id (one indexed query)."""
        cursor = self._progress.find({"tenant_id": tenant, "customer_id": {"$in": list(set(customer_ids))}})
        return {doc["customer_id"]: _state(doc) async for doc in cursor}

    async def timeline(
        self, tenant: str, customer_id: str, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Touchpoint]:
        """Up to `limit` touchpoints newest first, strictly after the (occurred_at, id) position `after`."""
        query: dict[str, Any] = {"tenant_id": tenant, "customer_id": customer_id}
        if after is not None:
            at, last_id = after
            query = newest_first_after(query, ms_field="occurred_ms", at=at, tie_field="id", tie=last_id)
        cursor = self._touchpoints.find(query).sort([("occurred_ms", -1), ("id", -1)]).limit(limit)
        return [_touchpoint(doc) async for doc in cursor]


def _state_fields(customer_id: str, state: ProgressState) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "journey": state.journey,
        "reached_ms": {stage: to_millis(at) for stage, at in state.reached.items()},
        "furthest_rank": state.furthest_rank,
        "latest": state.latest,
        "last_touch_ms": to_millis(state.last_touch_at) if state.last_touch_at else 0,
    }


def _state(doc: dict[str, Any]) -> ProgressState:
    last = int(doc.get("last_touch_ms") or 0)
    return ProgressState(
        journey=str(doc.get("journey") or ""),
        reached={stage: from_millis(int(ms)) for stage, ms in (doc.get("reached_ms") or {}).items()},
        furthest_rank=int(doc.get("furthest_rank") or 0),
        latest=str(doc.get("latest") or ""),
        last_touch_at=from_millis(last) if last else None,
    )


def _touchpoint(doc: dict[str, Any]) -> Touchpoint:
    return Touchpoint(
        id=doc["id"],
        customer_id=doc["customer_id"],
        type=doc["type"],
        channel=doc.get("channel", ""),
        occurred_at=as_utc(doc["occurred_at"]),
        actor=doc.get("actor", ""),
        notes=doc.get("notes", ""),
        stage=doc.get("stage", ""),
    )
