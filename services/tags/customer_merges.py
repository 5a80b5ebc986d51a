"""Leads merged a duplicate customer into a survivor: the duplicate's tags move onto the survivor.

Consumed: `<root>.evt.<tenant>.leads.customers_merged` (durable `tags-customer-merges`). Every write
goes through `TagOperations.write` (the one door: history, expiry timers, segment membership and
the index in the same write). Two writes, in this order, each retried from a fresh read:
1. the survivor gains each of the duplicate's active tags it lacks (history `assigned`, reason
   "merged from <id>", provenance kept); a tag the survivor already has keeps the survivor's value,
   and an exclusive tag whose group already holds a value on the survivor is not moved;
2. the duplicate loses all its tags (history `removed`, reason "merged into <id>").
A redelivery, or a crash between the two, is harmless: step 1 finds the tags already there.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from typing import Any

from common.bus import Consumer, Handler
from common.errors import Contended, InvalidArgument
from common.ids import new_id
from services.tags.assignments import plan as assignment
from services.tags.model import Assignment, HistoryEntry, TagDef
from services.tags.operations import TagOperations, now_ms

DURABLE = "tags-customer-merges"
SUBJECT = "evt.*.leads.customers_merged"
ACTOR = "system:leads-merge"
MAX_ATTEMPTS = 20


def movable(
    duplicate: dict[str, Assignment],
    survivor: dict[str, Assignment],
    definitions: dict[str, TagDef],
    *,
    now: Any,
) -> list[Assignment]:
    """The duplicate's active assignments the survivor can take without displacing its own (pure)."""
    held_groups = {
        definitions[k].group
        for k in survivor
        if k in definitions and definitions[k].exclusive and definitions[k].group
    }
    out: list[Assignment] = []
    for key, a in sorted(duplicate.items()):
        definition = definitions.get(key)
        if key in survivor or a.is_expired(now) or definition is None:
            continue
        if definition.exclusive and definition.group and definition.group in held_groups:
            continue
        out.append(a)
    return out


def _entry(a: Assignment, *, customer_id: str, action: str, reason: str, at: Any) -> HistoryEntry:
    return HistoryEntry(
        id=new_id("th"), customer_id=customer_id, tag_key=a.tag_key, action=action, value=a.value,
        previous_value="", source=a.source, confidence=a.confidence, evidence=a.evidence, actor=ACTOR,
        reason=reason, at=at,
    )  # fmt: skip


def _ordered(entries: list[HistoryEntry], last_id: str) -> list[HistoryEntry]:
    ids = sorted(e.id for e in entries)
    return assignment.ordered_after([replace(e, id=i) for e, i in zip(entries, ids, strict=True)], last_id)


async def move_tags(ops: TagOperations, tenant: str, survivor_id: str, merged_id: str) -> None:
    for attempt in range(MAX_ATTEMPTS):
        duplicate = await ops.store.customer(tenant, merged_id)
        if not duplicate.assignments:
            return
        survivor = await ops.store.customer(tenant, survivor_id)
        now = now_ms()
        definitions = await ops.store.definitions(
            tenant, set(duplicate.assignments) | set(survivor.assignments)
        )
        moving = movable(duplicate.assignments, survivor.assignments, definitions, now=now)
        if moving:
            gained = {a.tag_key: replace(a, customer_id=survivor_id) for a in moving}
            history = [_entry(a, customer_id=survivor_id, action="assigned", reason=f"merged from {merged_id}", at=now)
                       for a in moving]  # fmt: skip
            if not await ops.write(
                survivor, {**survivor.assignments, **gained}, _ordered(history, survivor.last_history_id)
            ):
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
        removed = [
            _entry(a, customer_id=merged_id, action="removed", reason=f"merged into {survivor_id}", at=now)
            for _, a in sorted(duplicate.assignments.items())
        ]
        if await ops.write(duplicate, {}, _ordered(removed, duplicate.last_history_id)):
            return
        await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise Contended(f"the tags of {merged_id} or {survivor_id} kept changing during the merge")


def customer_merges_consumer(ops: TagOperations) -> Consumer:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        data = event.get("data")
        survivor = data.get("survivor_id") if isinstance(data, dict) else None
        merged = data.get("merged_id") if isinstance(data, dict) else None
        if not isinstance(survivor, str) or not isinstance(merged, str) or not survivor or survivor == merged:
            raise InvalidArgument("customers_merged needs survivor_id and merged_id", field="data")
        await move_tags(ops, tenant, survivor, merged)

    handler: Handler = handle
    return Consumer(durable=DURABLE, stream_kind="evt", filter_subject=SUBJECT, handler=handler)
