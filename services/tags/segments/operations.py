"""The segment use cases: compile text, preview, save, list members, explain.

Text is compiled against the tenant's tag library (keys and display names, `parser.parse`); what is
stored and shown back is the printer's canonical text (tags by key) plus the tree. Counts, samples
and members come from the Roaring index (`evaluate.py` on `TagIndex`); explain judges one customer's
stored assignments with the pure matcher, so it answers from the same facts a write would.

Saved segments carry their own `segment_created` / `segment_updated` / `segment_deleted` events in
the segment's document (common/outbox.py), together with the timers that announce its members in
the background (`syncing.py`) and, for `WITHIN n DAYS` windows, as time moves them (`windows.py`);
the count a create or update returns is the segment's size at that moment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pyroaring import BitMap

from common.customers import KnownCustomers
from common.errors import Contended, InvalidArgument, NotFound
from common.ids import new_id
from common.mongo import epoch_ms
from common.outbox import Pending, PendingEvent
from common.scheduler import TIMERS
from services.tags.model import TagDef
from services.tags.operations import TagOperations, now_ms
from services.tags.segments import saved
from services.tags.segments.catalogue import SegmentCatalogue
from services.tags.segments.evaluate import evaluate
from services.tags.segments.explanation import Explanation
from services.tags.segments.expression import Node
from services.tags.segments.features import Feature, FeatureCount, count_within, page_features
from services.tags.segments.index import TagIndex
from services.tags.segments.match import explain, matches
from services.tags.segments.names import TagNames
from services.tags.segments.parser import parse_segment
from services.tags.segments.printer import to_text
from services.tags.segments.saved import SavedSegment
from services.tags.segments.saved_store import SEGMENTS, SavedSegmentStore
from services.tags.segments.syncing import SegmentSync, sync_timer
from services.tags.segments.tombstones import DEFAULT_RETENTION, purge_timer_document
from services.tags.segments.windows import DEFAULT_INTERVAL_SECONDS, moves_with_time, window_timer

LIBRARY_PAGE = 500
MAX_LIBRARY = 10_000
SEGMENT_PREFIX = "seg"


class SegmentOperations:
    """Everything a person does with segments; the servicer only decodes and encodes."""

    def __init__(
        self,
        store: SavedSegmentStore,
        tags: TagOperations,
        catalogue: SegmentCatalogue,
        index: TagIndex,
        *,
        customers: KnownCustomers,
        sync: SegmentSync | None = None,
        window_interval: timedelta = timedelta(seconds=DEFAULT_INTERVAL_SECONDS),
        tombstone_retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self.store = store
        self._tombstone_retention = tombstone_retention
        self._tags = tags
        self._catalogue = catalogue
        self.index = index
        self._customers = customers
        # Announces a new or edited segment's members in the background (syncing.py).
        self.sync = sync
        self._window_interval = window_interval

    # ---- text and evaluation ----

    async def library(self, tenant: str) -> TagNames:
        """The tenant's library as segment text sees it (keys, then display names), archived tags included."""
        definitions: list[TagDef] = []
        after: str | None = None
        while len(definitions) < MAX_LIBRARY:
            page = await self._tags.store.list_definitions(
                tenant, after_key=after, group="", include_archived=True, limit=LIBRARY_PAGE
            )
            definitions.extend(page)
            if len(page) < LIBRARY_PAGE:
                break
            after = page[-1].key
        return TagNames(definitions)

    async def compile(
        self, tenant: str, text: str, *, field: str = "expression"
    ) -> tuple[Node, str, TagNames]:
        """(tree, canonical text, library) of a typed expression; SegmentSyntaxError with the position."""
        source = saved.require_expression_text(text, field=field)
        names = await self.library(tenant)
        node = parse_segment(source, names, field=field)
        types = {key: d.value_type for key, d in names.by_key.items()}
        return node, to_text(node, value_types=types), names

    def members_bitmap(self, tenant: str, node: Node) -> BitMap:
        return evaluate(node, self.index, tenant, now_ms=epoch_ms(now_ms()))

    def count(self, tenant: str, node: Node) -> int:
        return len(self.members_bitmap(tenant, node))

    async def preview(self, tenant: str, text: str, *, sample_size: int) -> tuple[str, int, list[str]]:
        """(canonical text, count, sample ids): the first `sample_size` members in number order."""
        node, canonical, _ = await self.compile(tenant, text)
        members = self.members_bitmap(tenant, node)
        sample = self.index.customer_ids(tenant, list(members[:sample_size])) if sample_size else []
        return canonical, len(members), sample

    # ---- look-alike features (services/tags/segments/features.py) ----

    async def count_features(self, tenant: str, within: str) -> tuple[str, int, int, list[FeatureCount]]:
        """(canonical text, customers, customers within, per-feature counts) for the set `within` selects."""
        node, canonical, names = await self.compile(tenant, within, field="within")
        members = self.members_bitmap(tenant, node)
        counts = count_within(self.index, tenant, names, members)
        return canonical, len(self.index.universe(tenant)), len(members), counts

    async def expression_members(
        self, tenant: str, text: str, *, after_number: int | None, size: int
    ) -> tuple[str, list[str], list[tuple[Feature, list[int]]], int | None, int]:
        """(canonical text, customer ids, feature columns, number to resume after or None, count).

        Pages resume after a customer number, as saved segments' members do (`members`). An empty
        text selects every customer the index knows (recovery search without a filter)."""
        if text.strip():
            node, canonical, names = await self.compile(tenant, text)
            members = self.members_bitmap(tenant, node)
        else:
            canonical, names, members = "", await self.library(tenant), self.index.universe(tenant)
        start = members.rank(after_number) if after_number is not None else 0
        numbers = list(members[start : start + size + 1])
        page, more = numbers[:size], len(numbers) > size
        ids = self.index.customer_ids(tenant, page)
        if len(ids) != len(page):  # a number without an id would shift every position after it
            page = [n for n in page if self.index.customer_ids(tenant, [n])]
            ids = self.index.customer_ids(tenant, page)
        columns = page_features(self.index, tenant, names, page)
        return canonical, ids, columns, (page[-1] if more else None), len(members)

    # ---- saved segments ----

    async def get(self, tenant: str, segment_id: str) -> SavedSegment:
        found = await self.store.get(tenant, _require_id(segment_id))
        if found is None:
            raise NotFound(
                f"no segment {segment_id}", field="segment_id", metadata={"segment_id": segment_id}
            )
        return found[0]

    async def create(
        self, tenant: str, *, name: str, description: str, text: str, owner: str
    ) -> tuple[SavedSegment, int]:
        name = saved.require_name(name)
        description = saved.require_description(description)
        node, canonical, _ = await self.compile(tenant, text)
        at = now_ms()
        segment = SavedSegment(
            id=new_id(SEGMENT_PREFIX),
            tenant=tenant,
            name=name,
            description=description,
            expression=canonical,
            tree=node,
            owner=owner,
            version=1,
            created_at=at,
            updated_at=at,
            expression_version=1,
        )
        count = self.count(tenant, node)
        items = [self._event(segment, "created", count=count), *self._membership_work(segment)]
        await self.store.insert(segment, events=items)
        await self._catalogue.changed(tenant)
        await self._tags.outbox.publish(SEGMENTS, segment.id, items)
        return segment, count

    async def update(
        self,
        tenant: str,
        segment_id: str,
        *,
        name: str | None,
        description: str | None,
        text: str | None,
        caller: str,
        roles: frozenset[str] | None,
    ) -> tuple[SavedSegment, int]:
        """Change the fields given; nothing given or nothing different writes nothing."""
        found = await self.store.get(tenant, _require_id(segment_id))
        if found is None:
            raise NotFound(f"no segment {segment_id}", field="id", metadata={"segment_id": segment_id})
        current, raw = found
        saved.require_may_change(current, caller=caller, roles=roles)
        changed = current
        if name is not None:
            changed = replace(changed, name=saved.require_name(name))
        if description is not None:
            changed = replace(changed, description=saved.require_description(description))
        if text is not None:
            node, canonical, _ = await self.compile(tenant, text)
            changed = replace(changed, tree=node, expression=canonical)
        count = self.count(tenant, changed.tree)
        if changed == current:
            return current, count
        changed = replace(changed, version=current.version + 1, updated_at=now_ms())
        items: list[Pending] = [self._event(changed, "updated", count=count)]
        if changed.tree != current.tree:  # a new expression owes its members' announcements
            changed = replace(changed, expression_version=changed.version)
            items += self._membership_work(changed)
        if not await self.store.replace(changed, read=raw, events=items):
            raise _changed_meanwhile(current)
        await self._catalogue.changed(tenant)
        await self._tags.outbox.publish(SEGMENTS, changed.id, items)
        return changed, count

    async def delete(
        self, tenant: str, segment_id: str, *, caller: str, roles: frozenset[str] | None
    ) -> SavedSegment:
        found = await self.store.get(tenant, _require_id(segment_id))
        if found is None:
            raise NotFound(f"no segment {segment_id}", field="id", metadata={"segment_id": segment_id})
        current, raw = found
        saved.require_may_change(current, caller=caller, roles=roles)
        gone = replace(current, version=current.version + 1, updated_at=now_ms())
        event = self._event(gone, "deleted")
        # The tombstone's purge timer rides in the delete's own write (segments/tombstones.py).
        timer = purge_timer_document(
            tenant, gone.id, deleted_at=gone.updated_at, retention=self._tombstone_retention
        )
        items: list[Pending] = [event, self._tags.outbox.insert(TIMERS, timer)]
        if not await self.store.replace(gone, read=raw, events=items, deleted=True):
            raise _changed_meanwhile(current)
        await self._catalogue.changed(tenant)
        await self._tags.outbox.publish(SEGMENTS, gone.id, items)
        return gone

    async def members(
        self, tenant: str, segment_id: str, *, after_number: int | None, size: int
    ) -> tuple[list[str], int | None, int]:
        """(customer ids, the number to resume after or None, count) in customer-number order.

        Resuming after a number, not an offset, keeps pages stable while members come and go: a
        customer who joined or left behind the cursor does not shift the next page.
        """
        segment = await self.get(tenant, segment_id)
        members = self.members_bitmap(tenant, segment.tree)
        start = members.rank(after_number) if after_number is not None else 0
        numbers = list(members[start : start + size + 1])
        page, more = numbers[:size], len(numbers) > size
        return self.index.customer_ids(tenant, page), (page[-1] if more else None), len(members)

    async def explain(
        self, tenant: str, *, customer_id: str, segment_id: str, text: str
    ) -> tuple[Explanation, str, SavedSegment | None]:
        """Why the customer is in or out of a saved segment or a typed expression (exactly one given)."""
        if bool(segment_id.strip()) == bool(text.strip()):
            raise InvalidArgument("give either segment_id or expression, not both", field="segment_id")
        await self._customers.require(tenant, [customer_id], field="customer_id")
        segment: SavedSegment | None = None
        if segment_id.strip():
            segment = await self.get(tenant, segment_id)
            node, canonical, names = segment.tree, segment.expression, await self.library(tenant)
        else:
            node, canonical, names = await self.compile(tenant, text)
        stored = (await self._tags.store.customer(tenant, customer_id)).assignments
        explained = explain(node, stored, now=now_ms(), definitions=names.by_key)
        return explained, canonical, segment

    def _membership_work(self, segment: SavedSegment) -> list[Pending]:
        """Timers stored with the segment's write: the sync of its members, and (for a `WITHIN n DAYS`
        window) the checks that announce customers time moves in or out (syncing.py, windows.py)."""
        if self.sync is None:
            return []
        outbox = self._tags.outbox
        work: list[Pending] = [sync_timer(outbox, segment)]
        if moves_with_time(segment.tree):
            work.append(window_timer(outbox, segment, interval=self._window_interval))
        return work

    async def customer_segments(
        self, tenant: str, customer_ids: list[str]
    ) -> dict[str, list[tuple[SavedSegment, datetime | None]]]:
        """Per customer, the saved segments they are in now (the matcher on their stored tags, as
        explain judges) with since when they were announced as entering (None: not yet announced)."""
        segments = await self._catalogue.segments(tenant)
        stored = await self._tags.store.customers(tenant, customer_ids) if customer_ids else {}
        at = now_ms()
        out: dict[str, list[tuple[SavedSegment, datetime | None]]] = {}
        for customer_id, read in stored.items():
            out[customer_id] = [
                (segment, _ms_time(read.segments.get(segment.id)))
                for segment in segments
                if matches(segment.tree, read.assignments, now=at)
            ]
        return out

    def _event(self, segment: SavedSegment, change: str, *, count: int | None = None) -> PendingEvent:
        return self._tags.outbox.event(
            tenant=segment.tenant,
            event=f"segment_{change}",
            data=saved.segment_event_data(segment, change=change, count=count),
            subject_id=segment.id,
        )


def _ms_time(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms is not None else None


def _require_id(segment_id: str) -> str:
    value = (segment_id or "").strip()
    if not value:
        raise InvalidArgument("a segment id is required", field="segment_id")
    return value


def _changed_meanwhile(segment: SavedSegment) -> Contended:
    return Contended(f"segment {segment.name!r} changed meanwhile; read it again and retry", field="id")
