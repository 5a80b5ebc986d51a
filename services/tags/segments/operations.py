"""The segment use cases: compile text, preview, save, list members, explain.

Text is compiled against the tenant's tag library (keys and display names, `parser.parse`); what is
stored and shown back is the printer's canonical text (tags by key) plus the tree. Counts, samples
and members come from the Roaring index (`evaluate.py` on `TagIndex`); explain judges one customer's
stored assignments with the pure matcher, so it answers from the same facts a write would.

Saved segments carry their own `segment_created` / `segment_updated` / `segment_deleted` events in
the segment's document (common/outbox.py). Creating or editing a segment does NOT announce each
current member as "entered": membership events are about customers whose tags changed
(`membership.py`); the count a create or update returns is the segment's size at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from pyroaring import BitMap

from common.customers import KnownCustomers
from common.errors import Contended, InvalidArgument, NotFound
from common.ids import new_id
from common.mongo import epoch_ms
from common.outbox import PendingEvent
from services.tags.model import Assignment, TagDef
from services.tags.operations import TagOperations, now_ms
from services.tags.segments import saved
from services.tags.segments.catalogue import SegmentCatalogue
from services.tags.segments.expression import Node
from services.tags.segments.saved import SavedSegment
from services.tags.segments.store import SEGMENTS, SegmentStore

if TYPE_CHECKING:
    from services.tags.segments.index import TagIndex

LIBRARY_PAGE = 500
MAX_LIBRARY = 10_000
SEGMENT_PREFIX = "seg"


class SegmentOperations:
    """Everything a person does with segments; the servicer only decodes and encodes."""

    def __init__(
        self,
        store: SegmentStore,
        tags: TagOperations,
        catalogue: SegmentCatalogue,
        index: TagIndex,
        *,
        customers: KnownCustomers,
    ) -> None:
        self.store = store
        self._tags = tags
        self._catalogue = catalogue
        self.index = index
        self._customers = customers

    # ---- text and evaluation ----

    async def resolver(self, tenant: str) -> Callable[[str], TagDef | None]:
        """Look a tag up by key or display name in the tenant's library (keys win over names)."""
        by_key: dict[str, TagDef] = {}
        after: str | None = None
        while len(by_key) < MAX_LIBRARY:
            page = await self._tags.store.list_definitions(
                tenant, after_key=after, group="", include_archived=True, limit=LIBRARY_PAGE
            )
            by_key.update((d.key, d) for d in page)
            if len(page) < LIBRARY_PAGE:
                break
            after = page[-1].key
        by_name = {d.display_name: d for d in by_key.values()}

        def resolve(name: str) -> TagDef | None:
            return by_key.get(name) or by_name.get(name)

        return resolve

    async def compile(self, tenant: str, text: str, *, field: str = "expression") -> tuple[Node, str]:
        """(tree, canonical text) of a typed expression; SegmentSyntaxError with the position otherwise."""
        from services.tags.segments.parser import parse, to_text

        source = saved.require_expression_text(text, field=field)
        try:
            node = parse(source, await self.resolver(tenant))
        except InvalidArgument as err:
            err.field = field  # the position stays in the metadata; the field is what the caller sent
            raise
        return node, to_text(node)

    def members_bitmap(self, tenant: str, node: Node) -> BitMap:
        from services.tags.segments.evaluate import evaluate

        return evaluate(node, self.index, tenant, now_ms=epoch_ms(now_ms()))

    def count(self, tenant: str, node: Node) -> int:
        return len(self.members_bitmap(tenant, node))

    async def preview(self, tenant: str, text: str, *, sample_size: int) -> tuple[str, int, list[str]]:
        """(canonical text, count, sample ids): the first `sample_size` members in number order."""
        node, canonical = await self.compile(tenant, text)
        members = self.members_bitmap(tenant, node)
        sample = self.index.customer_ids(tenant, list(members[:sample_size])) if sample_size else []
        return canonical, len(members), sample

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
        node, canonical = await self.compile(tenant, text)
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
        )
        count = self.count(tenant, node)
        event = self._event(segment, "created", count=count)
        await self.store.insert(segment, events=[event])
        await self._catalogue.changed(tenant)
        await self._tags.outbox.publish(SEGMENTS, segment.id, [event])
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
            node, canonical = await self.compile(tenant, text)
            changed = replace(changed, tree=node, expression=canonical)
        count = self.count(tenant, changed.tree)
        if changed == current:
            return current, count
        changed = replace(changed, version=current.version + 1, updated_at=now_ms())
        event = self._event(changed, "updated", count=count)
        if not await self.store.replace(changed, read=raw, events=[event]):
            raise _changed_meanwhile(current)
        await self._catalogue.changed(tenant)
        await self._tags.outbox.publish(SEGMENTS, changed.id, [event])
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
        if not await self.store.replace(gone, read=raw, events=[event], deleted=True):
            raise _changed_meanwhile(current)
        await self._catalogue.changed(tenant)
        await self._tags.outbox.publish(SEGMENTS, gone.id, [event])
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

    async def explain_target(
        self, tenant: str, *, customer_id: str, segment_id: str, text: str
    ) -> tuple[Node, str, SavedSegment | None]:
        """The tree to explain: a saved segment's or a typed expression's (exactly one of them)."""
        if bool(segment_id) == bool(text.strip()):
            raise InvalidArgument("give either segment_id or expression, not both", field="segment_id")
        await self._customers.require(tenant, [customer_id], field="customer_id")
        if segment_id:
            segment = await self.get(tenant, segment_id)
            return segment.tree, segment.expression, segment
        node, canonical = await self.compile(tenant, text)
        return node, canonical, None

    async def tags_of(self, tenant: str, customer_id: str) -> dict[str, Assignment]:
        """The customer's stored assignments (expired ones included: explain says they expired)."""
        return dict((await self._tags.store.customer(tenant, customer_id)).assignments)

    def _event(self, segment: SavedSegment, change: str, *, count: int | None = None) -> PendingEvent:
        return self._tags.outbox.event(
            tenant=segment.tenant,
            event=f"segment_{change}",
            data=saved.segment_event_data(segment, change=change, count=count),
            subject_id=segment.id,
        )


def _require_id(segment_id: str) -> str:
    value = (segment_id or "").strip()
    if not value:
        raise InvalidArgument("a segment id is required", field="segment_id")
    return value


def _changed_meanwhile(segment: SavedSegment) -> Contended:
    return Contended(f"segment {segment.name!r} changed meanwhile; read it again and retry", field="id")
