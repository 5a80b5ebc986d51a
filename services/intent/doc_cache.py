"""The aggregate documents this process wrote last, so a busy customer's next batch needs no read.

Reading a customer's aggregate is the largest cost of ingest on the MongoDB stand-in (it walks every
value of every returned document in Python), and in steady state the document read is the one this
very process wrote a batch ago. Writes are compare-and-set on the version `v` (services/intent/
store.py), so a cached copy can only be *stale*, never wrong: when another replica (or another
writer) changed the document, the write's filter on `v` matches nothing, the engine re-reads the
customer from the database and applies its change again (engine.py `_update`). Only fields the engine
writes are cached; the outbox's pending events are left out (the relay removes them without a version
bump, and no plan reads them). Whether the document may still hold pending items is kept beside it
(`clean`): a document known to hold none lets the next write's items be marked sent in one update
(common/outbox.py `publish_many(alone=...)`).

Bounded: least recently used customers are forgotten first (`INTENT_AGGREGATE_CACHE`, documents).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from common.outbox import DUE_MS, FIELD, REV


class AggregateCache:
    """Per (tenant, customer): the document as the last successful write of this process left it."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._docs: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._clean: set[tuple[str, str]] = set()

    def get_many(self, tenant: str, customer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The cached documents among `customer_ids` (the others must be read)."""
        found = {}
        for cid in customer_ids:
            doc = self._docs.get((tenant, cid))
            if doc is not None:
                self._docs.move_to_end((tenant, cid))
                found[cid] = doc
        return found

    def clean(self, tenant: str, customer_id: str) -> bool:
        """True when the cached document is known to hold no pending outbox item."""
        return (tenant, customer_id) in self._clean

    def written(
        self,
        tenant: str,
        customer_id: str,
        before: dict[str, Any] | None,
        fields: dict[str, Any],
        *,
        clean: bool = False,
    ) -> None:
        """Record a won write: the document as read (`before`) with `fields` set on it; `clean` when
        no outbox item is left pending in it (all of this write's were marked sent, none were before)."""
        if self._capacity <= 0:
            return
        if clean:
            self._clean.add((tenant, customer_id))
        else:
            self._clean.discard((tenant, customer_id))
        doc = {k: v for k, v in (before or {}).items() if k not in (FIELD, DUE_MS, REV)}
        doc.update(
            (k, v) for k, v in fields.items() if not k.startswith(f"{FIELD}.") and k not in (DUE_MS, REV)
        )
        self._docs[(tenant, customer_id)] = doc
        self._docs.move_to_end((tenant, customer_id))
        while len(self._docs) > self._capacity:
            key, _ = self._docs.popitem(last=False)
            self._clean.discard(key)

    def forget(self, tenant: str, customer_ids: Sequence[str]) -> None:
        """Drop documents known to be stale (a lost compare-and-set)."""
        for cid in customer_ids:
            self._docs.pop((tenant, cid), None)
            self._clean.discard((tenant, cid))
