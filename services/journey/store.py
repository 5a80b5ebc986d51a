"""MongoDB access for the journey service's own database: per-customer progress and touchpoints.

**The progress document is the aggregate.** Recording a touchpoint is one guarded single-document
write to the customer's progress document (`commit`; several touchpoints of one customer may share
one): the new progress state, `version + 1`, and in its outbox (common/outbox.py) a pending insert
of each touchpoint document plus the events
`touchpoint_recorded` and, if the current stage moved, `stage_changed`. The filter requires the
version that was read, so concurrent writers (coroutines, or replicas) are serialised: each computes
the next state from the state it read, and a loser re-reads and tries again. The stored progress is
therefore always that of some serial order, and each `stage_changed` names the stage it replaced.
Items carry `order = version * 1000 + k`, so they are applied and published in commit order.

What a crash at each point leaves behind, and how it is completed (nothing journey-specific runs:
the outbox relay every replica already runs completes whatever a writer left):
- before the commit: nothing changed; the caller (or NATS redelivery) retries and records it then.
- after the commit, before anything is applied: progress includes the touch; the touchpoint insert
  and both events wait in the progress document. The relay (after its grace period) inserts the
  touchpoint, then publishes the events, in order. A re-send of the same id meanwhile finds its
  `touchpoint_recorded` pending (`StoredProgress.pending`), completes it and changes nothing.
- after the insert, or after some events were published, before marking: the relay applies all of
  them again; the insert is idempotent by `_id`, JetStream drops re-published ids (`Nats-Msg-Id`).
- after marking: done. A re-send finds the touchpoint document and changes nothing.
Since one write carries the touch, the insert and both events, the touch is applied once, and the
events exist once, with or without a caller that retries.

The document keeps progress per journey under `j.<journey key>` (`reached_ms`, `latest`, `version`,
`entered_ms`, `moves`, `stale_ms`), the leads facts the funnel filters by (`owner_id`,
`source_channel`, projected from leads' events by `customers.py`, written without the version guard
because no commit writes them), `rot_ms` (the earliest instant any current stage turns stale, for
the stale-deals list) and `timer_ms` (the stale timer last scheduled). A document written before
journeys were per-journey keeps its fields at the top level; it is read as its `journey`'s entry.

Progress times are epoch milliseconds, not dates: the stand-in compares dates at whole seconds and
mangles them under `$min`/`$max` (see MONGO_STANDIN.md). The document is created with a plain insert
(version 1), never an upsert: the stand-in drops `$setOnInsert` in upserts.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.mongo import IndexSpec, epoch_ms, newest_first_after
from common.outbox import FIELD, Pending, pending_document, pending_set
from common.timeutil import as_utc, utcnow
from services.journey.progress import CustomerProgress, ProgressState, funnel_facts, unpack_facts
from services.journey.stale import NEVER_MS
from services.journey.touchpoints import Touchpoint, from_millis, to_millis

TOUCHPOINTS = "touchpoints"
PROGRESS = "progress"
# The stand-in fails an update whose `$set` has more than 63 fields when any value is binary (past
# SQLite's 127 function arguments it takes a path that cannot serialise bytes): commits stay below.
MAX_SET_FIELDS = 63
# The collections whose documents carry pending work, for ServiceDefinition(outbox_collections=...).
OUTBOX_COLLECTIONS = (PROGRESS,)

INDEXES = (
    # The timeline: one customer's touchpoints newest first, paged by (occurred_at, id).
    IndexSpec(TOUCHPOINTS, (("tenant_id", 1), ("customer_id", 1), ("occurred_ms", -1), ("id", -1))),
    IndexSpec(PROGRESS, (("tenant_id", 1), ("customer_id", 1)), {"unique": True}),
    # The funnel by owner, and the stale-deals list (all, or one owner's) by when deals turned stale.
    IndexSpec(PROGRESS, (("tenant_id", 1), ("owner_id", 1))),
    # The funnel's documents without stored funnel facts (written before they were kept).
    IndexSpec(PROGRESS, (("tenant_id", 1), ("fx", 1))),
    IndexSpec(PROGRESS, (("tenant_id", 1), ("rot_ms", 1), ("customer_id", 1))),
    IndexSpec(PROGRESS, (("tenant_id", 1), ("owner_id", 1), ("rot_ms", 1), ("customer_id", 1))),
)


@dataclass(frozen=True, kw_only=True)
class StoredProgress:
    """Progress as read for an update: the state, its version (0: no document yet), pending item ids."""

    progress: CustomerProgress
    version: int
    pending: frozenset[str]
    timer_ms: int = 0
    # Leads merged customers (services/journey/merges.py): the survivor this one was merged into, and
    # the duplicates a survivor absorbed.
    merged_into: str = ""
    merged_ids: tuple[str, ...] = ()


def progress_id(tenant: str, customer_id: str) -> str:
    return f"{tenant}|{customer_id}"


def touchpoint_document(tenant: str, touchpoint: Touchpoint, *, journey: str) -> dict[str, Any]:
    """The stored form of a touchpoint (inserted by the outbox once its progress commit is made).

    A touchpoint that is also another service's fact (a heard call: timeline_sources.py) keeps that
    fact's kind, summary, source event and refs, so the timeline shows it once, as that kind."""
    shown = {}
    if touchpoint.kind != "touchpoint":
        shown = {
            "kind": touchpoint.kind,
            "summary": touchpoint.summary,
            "source_event_id": touchpoint.source_event_id,
            "refs": [{"name": name, "id": value} for name, value in touchpoint.refs if value],
        }
    return {
        **shown,
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


class JourneyStore:
    """Touchpoints and progress, always scoped by tenant; `_id`s embed the tenant so ids never collide."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._touchpoints = db[TOUCHPOINTS]
        self._progress = db[PROGRESS]

    async def load(self, tenant: str, customer_id: str) -> StoredProgress:
        """The customer's progress with its version; an empty state at version 0 when there is none."""
        doc = await self._progress.find_one({"_id": progress_id(tenant, customer_id), "tenant_id": tenant})
        if doc is None:
            return StoredProgress(progress=CustomerProgress(), version=0, pending=frozenset())
        return StoredProgress(
            progress=customer_progress(doc),
            version=int(doc.get("version") or 0),
            pending=frozenset(doc.get(FIELD) or {}),
            timer_ms=int(doc.get("timer_ms") or 0),
            merged_into=str(doc.get("merged_into") or ""),
            merged_ids=tuple(str(i) for i in doc.get("merged_ids") or ()),
        )

    async def commit(
        self,
        tenant: str,
        customer_id: str,
        *,
        expected_version: int,
        progress: CustomerProgress,
        items: Sequence[Pending],
        rot_ms: int = NEVER_MS,
        timer_ms: int = 0,
        marks: dict[str, Any] | None = None,
    ) -> bool:
        """Store `progress` as version `expected_version + 1` with `items`, if nobody wrote since the read.

        False when another writer got there first (the caller re-reads and recomputes). Owner and
        source channel are not written here (their projection owns them). `marks`: further top-level
        fields of the same write (a merge's `merged_ids` / `merged_into`).
        """
        fields = {
            **progress_fields(customer_id, progress),
            "rot_ms": rot_ms,
            "timer_ms": timer_ms,
            **(marks or {}),
            "version": expected_version + 1,
        }
        if expected_version == 0:
            doc_id = progress_id(tenant, customer_id)
            try:
                await self._progress.insert_one(
                    {"_id": doc_id, "tenant_id": tenant, **fields, **pending_document(items)}
                )
            except DuplicateKeyError:
                return False
            return True
        changes = {**fields, **pending_set(items)}
        # A document from before per-journey progress: its top-level fields now live under `j`.
        unset = {name: "" for name in _LEGACY_FIELDS}
        if len(changes) > MAX_SET_FIELDS:
            raise ValueError(f"a commit of {len(items)} items exceeds {MAX_SET_FIELDS} fields; commit fewer")
        result = await self._progress.update_one(
            {"_id": progress_id(tenant, customer_id), "tenant_id": tenant, "version": expected_version},
            {"$set": changes, "$unset": unset},
        )
        return result.modified_count == 1

    async def project_customer(self, tenant: str, customer_id: str, *, facts: dict[str, str]) -> None:
        """Record the leads facts the funnel filters by (`owner_id`, `source_channel`); creates the
        document if there is none yet."""
        doc_id = progress_id(tenant, customer_id)
        for _ in range(3):
            result = await self._progress.update_one({"_id": doc_id, "tenant_id": tenant}, {"$set": facts})
            if result.matched_count:
                return
            try:
                await self._progress.insert_one(
                    {
                        "_id": doc_id,
                        "tenant_id": tenant,
                        "customer_id": customer_id,
                        "fb": funnel_bucket(customer_id),
                        "version": 1,
                        "j": {},
                        "fx": FACTS_KEPT,
                        "rot_ms": NEVER_MS,
                        "timer_ms": 0,
                        **facts,
                    }
                )
                return
            except DuplicateKeyError:
                continue  # a first touchpoint created it meanwhile: set the facts on it

    async def funnel_facts(
        self, tenant: str, journey: str, *, version: int, owner_id: str = "", source_channel: str = ""
    ) -> tuple[list[list[int | None]], list[dict[str, int]]]:
        """What the funnel of `journey` at `version` reads, over the tenant's customers (optionally one
        owner's / one source channel's): the stored fact rows (`j.<journey>.f`, progress.FunnelFacts
        packed as a string)
        of those measured against `version`, and the `reached_ms` maps of the others, from which
        the caller derives their rows with the same function (so they are never wrong, only slower).

        One scan: a `$match` (with `fx` = FACTS_KEPT: facts in the current format) + `$group`/`$push`
        of the fact rows by the stored `fb` bucket (the stand-in runs the group inside SQLite,
        several times faster than decoding the documents for a `find`; FUNNEL_BUCKETS groups keep
        each result far below 16 MB for a million customers). "The others" are read only when they
        exist: documents without current facts (no `fx`, an older format, or 0: found by the
        `(tenant_id, fx)` index), and rows of another version (seen in the scan; they occur after a
        journey changes, until each customer's next write re-measures it).
        """
        query: dict[str, Any] = {"tenant_id": tenant}
        if owner_id:
            query["owner_id"] = owner_id
        if source_channel:
            query["source_channel"] = source_channel
        state = f"j.{journey}"
        scan = [
            {"$match": {**query, "fx": FACTS_KEPT}},
            {"$group": {"_id": "$fb", "f": {"$push": f"${state}.f"}}},
        ]
        facts: list[list[int | None]] = []
        stale_versions = False
        prefix = f"{version},"
        async for group in await self._progress.aggregate(scan):
            for packed in group.get("f") or ():
                if not isinstance(packed, str) or not packed:
                    continue  # no progress in this journey
                if packed.startswith(prefix):
                    facts.append(unpack_facts(packed))
                else:
                    stale_versions = True
        others = {f"{state}.latest": {"$exists": True}}
        reached = await self._reached({**query, "fx": {"$in": OLDER_FACTS}, **others}, state)
        if stale_versions:
            reached += await self._reached(
                {**query, "fx": FACTS_KEPT, **others, f"{state}.fv": {"$ne": version}}, state
            )
        return facts, reached

    async def _reached(self, query: dict[str, Any], state: str) -> list[dict[str, int]]:
        pipeline = [{"$match": query}, {"$group": {"_id": "$fb", "r": {"$push": f"${state}.reached_ms"}}}]
        reached: list[dict[str, int]] = []
        async for group in await self._progress.aggregate(pipeline):
            reached += [r for r in group.get("r") or () if isinstance(r, dict) and r]
        return reached

    async def stale_candidates(
        self, tenant: str, *, now_ms: int, owner_id: str, after: tuple[int, str] | None, limit: int
    ) -> list[tuple[int, str, CustomerProgress]]:
        """Customers one of whose current stages turned stale by `now_ms`, by (rot_ms, customer id)."""
        query: dict[str, Any] = {"tenant_id": tenant, "rot_ms": {"$lte": now_ms}}
        if owner_id:
            query["owner_id"] = owner_id
        if after is not None:
            at, last_id = after
            query = {
                "$and": [
                    query,
                    {"$or": [{"rot_ms": {"$gt": at}}, {"rot_ms": at, "customer_id": {"$gt": last_id}}]},
                ]
            }
        cursor = self._progress.find(query).sort([("rot_ms", 1), ("customer_id", 1)]).limit(limit)
        return [(int(doc["rot_ms"]), doc["customer_id"], customer_progress(doc)) async for doc in cursor]

    async def existing_touchpoints(self, tenant: str, touchpoint_ids: Sequence[str]) -> set[str]:
        """Which of `touchpoint_ids` are stored (one query by `_id`)."""
        ids = [f"{tenant}|{i}" for i in dict.fromkeys(touchpoint_ids)]
        cursor = self._touchpoints.find({"_id": {"$in": ids}, "tenant_id": tenant}, {"id": 1})
        return {doc["id"] async for doc in cursor}

    async def move_timeline(self, tenant: str, from_customer: str, to_customer: str) -> int:
        """Re-key every touchpoint and timeline entry of `from_customer` onto `to_customer` (a merge).

        One `update_many`: the `_id`s hold the tenant and the entry's own id, not the customer, so
        nothing else changes and a repeat finds nothing to move. Returns how many moved."""
        result = await self._touchpoints.update_many(
            {"tenant_id": tenant, "customer_id": from_customer},
            {"$set": {"customer_id": to_customer, "merged_from": from_customer}},
        )
        return result.modified_count

    async def touchpoint(self, tenant: str, touchpoint_id: str) -> Touchpoint | None:
        doc = await self._touchpoints.find_one({"_id": f"{tenant}|{touchpoint_id}", "tenant_id": tenant})
        return None if doc is None else _touchpoint(doc)

    async def progress_of(self, tenant: str, customer_ids: list[str]) -> dict[str, CustomerProgress]:
        """The stored progress of each customer that has any, by customer id (one indexed query)."""
        cursor = self._progress.find({"tenant_id": tenant, "customer_id": {"$in": list(set(customer_ids))}})
        return {doc["customer_id"]: customer_progress(doc) async for doc in cursor}

    async def add_timeline_entry(self, document: dict[str, Any]) -> bool:
        """Insert a projected timeline entry (`_id` derived from its event); False if it is there already."""
        try:
            await self._touchpoints.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def timeline(
        self,
        tenant: str,
        customer_id: str,
        *,
        limit: int,
        after: tuple[datetime, str] | None,
        kinds: Sequence[str] = (),
    ) -> list[Touchpoint]:
        """Up to `limit` entries newest first, strictly after the (occurred_at, id) position `after`;
        only those of `kinds` when given (a touchpoint document has no `kind`: it is a "touchpoint")."""
        query: dict[str, Any] = {"tenant_id": tenant, "customer_id": customer_id}
        if kinds:
            query = {"$and": [query, _kinds_filter(kinds)]}
        if after is not None:
            at, last_id = after
            query = newest_first_after(query, ms_field="occurred_ms", at=at, tie_field="id", tie=last_id)
        cursor = self._touchpoints.find(query).sort([("occurred_ms", -1), ("id", -1)]).limit(limit)
        return [_touchpoint(doc) async for doc in cursor]


_LEGACY_FIELDS = ("journey", "reached_ms", "furthest_rank", "latest")
FUNNEL_BUCKETS = 64
# `fx` of a document all of whose journeys carry their funnel facts in the current format; 0 while
# one does not (a state loaded from an old document and not re-measured since); absent on documents
# written before facts were kept. Formats: 1 `version,rank,entered_ms,gap2..gapR`; 2 (current)
# `version,rank,entered_ms,offset1..offsetR` (when each stage was reached, which the REACHED period
# basis needs and the gaps follow from). A document of an older format is read from its `reached_ms`
# (as if it had no facts) until its next write stores the current ones.
FACTS_KEPT = 2
OLDER_FACTS: list[int | None] = [None, *range(FACTS_KEPT)]


def funnel_bucket(customer_id: str) -> int:
    """A stable bucket of the customer, so the funnel's `$group` splits a tenant into small groups."""
    return zlib.crc32(customer_id.encode()) % FUNNEL_BUCKETS


def progress_fields(customer_id: str, progress: CustomerProgress) -> dict[str, Any]:
    """The stored fields of a customer's progress (all journeys), without version or outbox."""
    last = max((s.last_touch_at for s in progress.journeys.values() if s.last_touch_at), default=None)
    journeys = {key: state_document(state) for key, state in progress.journeys.items()}
    return {
        "customer_id": customer_id,
        "fb": funnel_bucket(customer_id),
        "j": journeys,
        "fx": FACTS_KEPT if all("f" in state for state in journeys.values()) else 0,
        "last_touch_ms": to_millis(last) if last else 0,
    }


def state_document(state: ProgressState) -> dict[str, Any]:
    """The stored form of one journey's progress, with its funnel facts (`fv`, `f`) when the stage
    order of its version is known (progress.funnel_facts, the one place they are derived)."""
    facts = funnel_facts(state)
    funnel = (
        {} if facts is None else {"stages": list(state.stage_keys), "fv": facts.version, "f": facts.packed()}
    )
    return {
        "reached_ms": {stage: to_millis(at) for stage, at in state.reached.items()},
        "furthest_rank": state.furthest_rank,
        "latest": state.latest,
        "last_touch_ms": to_millis(state.last_touch_at) if state.last_touch_at else 0,
        "version": state.version,
        "entered_ms": to_millis(state.entered_at) if state.entered_at else 0,
        "moves": [[to_millis(at), stage] for at, stage in state.moves],
        "stale_ms": state.stale_entered_ms,
        **funnel,
    }


def customer_progress(doc: dict[str, Any]) -> CustomerProgress:
    journeys = {key: _state(key, fields) for key, fields in (doc.get("j") or {}).items()}
    if doc.get("journey") and doc["journey"] not in journeys:
        journeys[doc["journey"]] = _state(doc["journey"], doc)  # a document from before `j`
    return CustomerProgress(
        journeys=journeys,
        owner_id=str(doc.get("owner_id") or ""),
        source_channel=str(doc.get("source_channel") or ""),
    )


def _state(journey: str, doc: dict[str, Any]) -> ProgressState:
    last = int(doc.get("last_touch_ms") or 0)
    entered = int(doc.get("entered_ms") or 0)
    return ProgressState(
        journey=journey,
        reached={stage: from_millis(int(ms)) for stage, ms in (doc.get("reached_ms") or {}).items()},
        furthest_rank=int(doc.get("furthest_rank") or 0),
        latest=str(doc.get("latest") or ""),
        last_touch_at=from_millis(last) if last else None,
        version=int(doc.get("version") or 1) if "entered_ms" in doc else 1,
        entered_at=from_millis(entered) if entered else None,
        moves=tuple((from_millis(int(ms)), str(stage)) for ms, stage in doc.get("moves") or ()),
        stale_entered_ms=int(doc.get("stale_ms") or 0),
        stage_keys=tuple(str(key) for key in doc.get("stages") or ()),
    )


def _kinds_filter(kinds: Sequence[str]) -> dict[str, Any]:
    if "touchpoint" not in kinds:
        return {"kind": {"$in": list(kinds)}}
    return {"$or": [{"kind": {"$exists": False}}, {"kind": {"$in": list(kinds)}}]}


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
        kind=doc.get("kind", "touchpoint"),
        summary=doc.get("summary", ""),
        source_event_id=doc.get("source_event_id", ""),
        refs=tuple((str(r.get("name", "")), str(r.get("id", ""))) for r in doc.get("refs") or ()),
    )
