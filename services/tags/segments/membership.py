"""Segment membership judged inside the one write path of a customer's tags.

Every change of a customer's tags (assign, remove, expire, merge, heard in a conversation, an intent
level) is one versioned write of the customer's document (`TagOperations._write` →
`TagStore.write_customer`). That document also records which saved segments the customer is in as
far as anyone was told (`CustomerTags.segments`: segment id → entered at). `TagOperations` asks
`SegmentMembership.judge(...)` for what the write must carry: for the saved segments that name a
tag this write changes (plus, for the background sync of a new or edited segment and for the
time-window timer, the segments they ask about), the pure matcher judges the assignments after the
write; where that differs from the record, one history row (a pending insert into
`tag_segment_history`), one `segment_entered` / `segment_left` event and the new record are stored
by the same single-document write as the tag change itself. Hence: atomic with the change, exactly
once (a write that loses its version race stores nothing, and its retry judges afresh against the
record it re-reads), correct with any number of replicas and with the sync and the timer running at
the same time, and no consumer to run or to fall behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from common.ids import new_id
from common.mongo import epoch_ms
from common.outbox import Outbox, Pending
from common.timeutil import utcnow
from services.tags.model import Assignment, HistoryEntry
from services.tags.segments.catalogue import SegmentCatalogue
from services.tags.segments.expression import Node
from services.tags.segments.match import matches
from services.tags.segments.saved import Recheck, change_event_data, membership_changes
from services.tags.segments.saved_store import MEMBERSHIP, SavedSegmentStore
from services.tags.store import CustomerTags

ENTERED = "segment_entered"
LEFT = "segment_left"


def customer_matches(node: Node, assignments: Mapping[str, Assignment], at: datetime) -> bool:
    """Whether a customer with these stored assignments is in the segment at `at` (the pure matcher)."""
    return matches(node, assignments, now=at)


def _now() -> datetime:
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Judged:
    """What one customer write must carry for saved segments: outbox items and recorded membership."""

    items: list[Pending] = field(default_factory=list)
    # Segment id → entered at (epoch ms) to record, or None to forget (the customer left it).
    marks: dict[str, int | None] = field(default_factory=dict)


class SegmentMembership:
    """Builds the membership items of one customer write (see the module docstring)."""

    def __init__(self, store: SavedSegmentStore, catalogue: SegmentCatalogue, outbox: Outbox) -> None:
        self._store = store
        self._catalogue = catalogue
        self._outbox = outbox

    async def judge(
        self,
        read: CustomerTags,
        *,
        after: Mapping[str, Assignment],
        history: list[HistoryEntry],
        recheck: Recheck | None = None,
    ) -> Judged:
        """History inserts, events and recorded-membership marks for the segments this write moves the
        customer into or out of, judged against what the customer's document records (`saved.membership_changes`)."""
        if not history and recheck is None:
            return Judged()
        segments = await self._catalogue.segments(read.tenant)
        if not segments and recheck is None:
            return Judged()
        at = history[-1].at if history else _now()
        changes = membership_changes(
            segments,
            customer_id=read.customer_id,
            before=read.assignments,
            after=after,
            history=history,
            at=at,
            matches=customer_matches,
            new_id=lambda: new_id("mem"),
            recorded=read.segments,
            recheck=recheck,
        )
        judged = Judged()
        for change in changes:
            judged.items.append(
                self._outbox.insert(MEMBERSHIP, self._store.history_document(read.tenant, change))
            )
            judged.items.append(
                self._outbox.event(
                    tenant=read.tenant,
                    event=ENTERED if change.change == "entered" else LEFT,
                    data=change_event_data(change),
                    subject_id=read.customer_id,
                )
            )
            judged.marks[change.segment_id] = epoch_ms(change.at) if change.change == "entered" else None
        return judged
