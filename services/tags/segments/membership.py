"""Segment membership judged inside the one write path of a customer's tags.

Membership of a customer in a saved segment changes only when the customer's tags change, and every
such change (assign, remove, expire, merge, heard in a conversation, an intent level) is one
versioned write of the customer's document (`TagOperations._write` → `TagStore.write_customer`).
`TagOperations` asks `SegmentMembership.items(...)` for the outbox items of that write: for every
saved segment of the tenant, the pure matcher judges the assignments before and after; each segment
entered or left yields one history row (a pending insert into `tag_segment_history`) and one
`segment_entered` / `segment_left` event, stored by the same single-document write as the tag
change itself. Hence: atomic with the change, exactly once (a write that loses its version race
stores nothing, and its retry judges afresh), correct with any number of replicas, and no
consumer to run or to fall behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from common.ids import new_id
from common.outbox import Outbox, Pending
from services.tags.model import Assignment, HistoryEntry
from services.tags.segments.catalogue import SegmentCatalogue
from services.tags.segments.expression import Node
from services.tags.segments.match import matches
from services.tags.segments.saved import change_event_data, membership_changes
from services.tags.segments.saved_store import MEMBERSHIP, SavedSegmentStore

ENTERED = "segment_entered"
LEFT = "segment_left"


def customer_matches(node: Node, assignments: Mapping[str, Assignment], at: datetime) -> bool:
    """Whether a customer with these stored assignments is in the segment at `at` (the pure matcher)."""
    return matches(node, assignments, now=at)


class SegmentMembership:
    """Builds the membership items of one customer write (see the module docstring)."""

    def __init__(self, store: SavedSegmentStore, catalogue: SegmentCatalogue, outbox: Outbox) -> None:
        self._store = store
        self._catalogue = catalogue
        self._outbox = outbox

    async def items(
        self,
        tenant: str,
        customer_id: str,
        *,
        before: Mapping[str, Assignment],
        after: Mapping[str, Assignment],
        history: list[HistoryEntry],
    ) -> list[Pending]:
        """History inserts and events for the segments this write moves the customer into or out of."""
        if not history:
            return []
        segments = await self._catalogue.segments(tenant)
        if not segments:
            return []
        changes = membership_changes(
            segments,
            customer_id=customer_id,
            before=before,
            after=after,
            history=history,
            at=history[-1].at,
            matches=customer_matches,
            new_id=lambda: new_id("mem"),
        )
        items: list[Pending] = []
        for change in changes:
            items.append(self._outbox.insert(MEMBERSHIP, self._store.history_document(tenant, change)))
            items.append(
                self._outbox.event(
                    tenant=tenant,
                    event=ENTERED if change.change == "entered" else LEFT,
                    data=change_event_data(change),
                    subject_id=customer_id,
                )
            )
        return items
