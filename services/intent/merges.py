"""Leads merged a duplicate customer into a survivor: the survivor's intent takes the duplicate's.

Consumed: `<root>.evt.<tenant>.leads.customers_merged` (durable `intent-merges`). The aggregates
are sums (services/intent/aggregate.py: day buckets of count, points and `ref` decayed to their
day's start), so merging two customers' intent is a sum of their buckets per (type, topic, day);
the top contributions are the larger of both lists, the last signal the later one. The survivor is
re-planned through `IntentEngine.update` (level, history, `level_changed`) in one write that also
records the duplicate in `merged_ids`, which makes a redelivered event change nothing. The
duplicate's aggregate is then emptied and marked `merged_into`, so it drops off the call list.
"""

from __future__ import annotations

from typing import Any

from common.bus import Consumer, Handler
from common.errors import InvalidArgument
from services.intent.aggregate import TOP_KEPT, Bucket, IntentState, state_from_document
from services.intent.engine import IntentEngine, StepResult
from services.intent.model import IntentModel
from services.intent.store import IntentStore

DURABLE = "intent-merges"
SUBJECT = "evt.*.leads.customers_merged"
MERGE = "merge"


def merge_states(survivor: IntentState, duplicate: IntentState, *, half_life_ms: float) -> IntentState:
    """The survivor's state with the duplicate's signals added, bucket by bucket (pure)."""
    buckets = {key: Bucket(**vars(b)) for key, b in survivor.buckets.items()}
    for key, b in duplicate.buckets.items():
        into = buckets.setdefault(key, Bucket())
        into.count += b.count
        into.base += b.base
        into.points += b.points
        into.ref += b.ref
    seen = {t.signal_id for t in survivor.top}
    top = [*survivor.top, *(t for t in duplicate.top if t.signal_id not in seen)]
    top.sort(key=lambda t: (-t.key(half_life_ms), -t.at_ms, t.signal_id))
    return IntentState(
        customer_id=survivor.customer_id,
        model_version=survivor.model_version,
        buckets=buckets,
        top=top[:TOP_KEPT],
        last_signal_ms=max(survivor.last_signal_ms, duplicate.last_signal_ms),
        applied=survivor.applied + duplicate.applied,
    )


def merge_consumer(engine: IntentEngine, store: IntentStore) -> Consumer:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        data = event.get("data")
        survivor_id = data.get("survivor_id") if isinstance(data, dict) else None
        merged_id = data.get("merged_id") if isinstance(data, dict) else None
        if not isinstance(survivor_id, str) or not isinstance(merged_id, str) or survivor_id == merged_id:
            raise InvalidArgument("customers_merged needs survivor_id and merged_id", field="data")
        found = await store.aggregates(tenant, [merged_id])
        duplicate_doc = found.get(merged_id)
        if duplicate_doc is None or duplicate_doc.get("merged_into"):
            return  # the duplicate had no intent, or it was moved already

        async def fold(
            state: IntentState, doc: dict[str, Any] | None, model: IntentModel
        ) -> StepResult | None:
            merged_ids = list((doc or {}).get("merged_ids") or [])
            if merged_id in merged_ids:
                return None
            duplicate = state_from_document(merged_id, duplicate_doc)
            merged = merge_states(state, duplicate, half_life_ms=model.half_life_ms)
            return merged, [], {"merged_ids": [*merged_ids, merged_id]}

        await engine.update(tenant, [survivor_id], fold, cause=MERGE)

        async def empty(
            state: IntentState, doc: dict[str, Any] | None, model: IntentModel
        ) -> StepResult | None:
            if doc is None or doc.get("merged_into"):
                return None
            return IntentState(customer_id=merged_id), [], {"merged_into": survivor_id}

        await engine.update(tenant, [merged_id], empty, cause=MERGE)

    handler: Handler = handle
    return Consumer(durable=DURABLE, stream_kind="evt", filter_subject=SUBJECT, handler=handler)
