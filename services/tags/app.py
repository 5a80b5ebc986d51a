"""The tags service: its indexes, how its servicer and consumers are built, and its definition."""

from __future__ import annotations

from collections.abc import Mapping

from crm.tags.v1 import segments_pb2, segments_pb2_grpc, tags_pb2, tags_pb2_grpc

from common.customers import batch_warmer
from common.service import Runtime, ServiceDefinition, ServiceParts
from services.tags.api import TagsServicer
from services.tags.config import TagsConfig
from services.tags.customer_merges import customer_merges_consumer
from services.tags.deal_won import deal_won_consumers
from services.tags.events import conversations_consumer, intent_level_consumer
from services.tags.expiry.timers import ExpiryTimers
from services.tags.heard.listening import ConversationOperations
from services.tags.heard.store import CONVERSATIONS, SUGGESTIONS, ConversationStore
from services.tags.lead_released import lead_released_consumer
from services.tags.lead_status import lead_status_consumer
from services.tags.library.merging import MERGE_TIMER, MergeRunner
from services.tags.library.operations import LibraryOperations
from services.tags.library.store import LIBRARY_INDEXES, MERGES, MergeStore
from services.tags.library.usage import References, SegmentRef, UsageMarks
from services.tags.operations import TagOperations
from services.tags.segments.api import SegmentsServicer
from services.tags.segments.catalogue import SegmentCatalogue
from services.tags.segments.index import TagUsage
from services.tags.segments.keeper import IndexKeeper
from services.tags.segments.membership import SegmentMembership
from services.tags.segments.operations import SegmentOperations
from services.tags.segments.roaring_index import RoaringIndex
from services.tags.segments.saved_store import SAVED_SEGMENT_INDEXES, SEGMENTS, SavedSegmentStore
from services.tags.segments.store import INDEXES as SEGMENT_INDEXES
from services.tags.segments.store import SegmentStore
from services.tags.segments.sync_store import SyncStore
from services.tags.segments.syncing import SYNC_TIMER, SegmentSync
from services.tags.segments.tombstones import PURGE_KIND, TombstonePurge
from services.tags.segments.windows import WINDOW_TIMER, WindowChecks
from services.tags.store import CUSTOMERS, DEFINITIONS, INDEXES, TagStore

SERVICE_NAME = tags_pb2.DESCRIPTOR.services_by_name["TagsService"].full_name
SEGMENTS_SERVICE_NAME = segments_pb2.DESCRIPTOR.services_by_name["SegmentsService"].full_name
CONFIG = TagsConfig.from_env()


def build(runtime: Runtime, *, config: TagsConfig | None = None) -> ServiceParts:
    """Wire the store, operations, servicer and consumers onto the runtime's connections."""
    config = config or CONFIG  # looked up now, not at import: tests may swap the module's CONFIG
    # Every event goes through the outbox, stored with the change it announces (common/outbox.py).
    store = TagStore(runtime.db)
    # One segment index per process: rebuilt at start, fresh from own writes and the event stream.
    keeper = IndexKeeper(
        RoaringIndex(),
        tags=store,
        segments=SegmentStore(runtime.db),
        js=runtime.js,
        root=runtime.settings.subject_root,
    )
    saved = SavedSegmentStore(runtime.db)
    catalogue = SegmentCatalogue(saved)
    # Saved-segment membership is judged inside every write of a customer's tags (segments/membership.py).
    membership = SegmentMembership(saved, catalogue, runtime.outbox)
    ops = TagOperations(store, runtime.outbox, runtime.scheduler, index=keeper, membership=membership)
    # New or edited segments announce their members, and WITHIN-n-DAYS windows the customers time
    # moves, on the common scheduler (segments/syncing.py, segments/windows.py).
    sync = SegmentSync(ops, saved, SyncStore(runtime.db), runtime.scheduler, keeper.index)
    windows = WindowChecks(
        ops, saved, runtime.scheduler, keeper.index, interval_seconds=config.segment_window_seconds
    )
    segments = SegmentOperations(
        saved,
        ops,
        catalogue,
        keeper.index,
        customers=runtime.customers,
        sync=sync,
        window_interval=windows.interval,
        tombstone_retention=config.segment_tombstone_retention,
    )
    tombstones = TombstonePurge(saved, runtime.scheduler, retention=config.segment_tombstone_retention)
    expiry = ExpiryTimers(ops, runtime.scheduler, runtime.db)
    # The governed library (services/tags/library/): usage marks from the segment index, references
    # from the saved segments.
    library = LibraryOperations(
        ops.store, runtime.outbox, usage=_usage_marks(keeper), references=_segment_references(catalogue)
    )
    merges = MergeRunner(library, MergeStore(runtime.db), runtime.scheduler, ops=ops)
    conversations = ConversationOperations(
        ConversationStore(runtime.db), ops, config, customers=runtime.customers
    )
    return ServiceParts(
        registrations=[
            (
                tags_pb2_grpc.add_TagsServiceServicer_to_server,
                TagsServicer(ops, conversations, customers=runtime.customers, library=library, merges=merges),
            ),
            (segments_pb2_grpc.add_SegmentsServiceServicer_to_server, SegmentsServicer(segments)),
        ],
        service_names=[SERVICE_NAME, SEGMENTS_SERVICE_NAME],
        consumers=[
            # intent.level trusts its peer: intent only scores customers it checked with leads.
            intent_level_consumer(ops),
            conversations_consumer(conversations, prepare=batch_warmer(runtime.customers)),
            # lead.lost_reason mirrors the leads pool's releases (services/tags/lead_released.py).
            lead_released_consumer(ops),
            # lead.status mirrors leads' profile events; deal.won_product journey's won deals.
            lead_status_consumer(ops),
            *deal_won_consumers(ops),
            # Leads merged a duplicate: its tags move onto the survivor (customer_merges.py).
            customer_merges_consumer(ops),
        ],
        # Expiry on the common scheduler (docs/tag-expiry.md): tags.expire, tags.expiry_sweep;
        # a resumable merge of one tag into another: tags.merge; deleted segments' tombstones go
        # after a retention: tags.segment_purge.
        timers={
            **expiry.handlers(),
            MERGE_TIMER: merges.step,
            SYNC_TIMER: sync.step,
            WINDOW_TIMER: windows.step,
            PURGE_KIND: tombstones.purge,
        },
        # A merge whose replica died mid-batch carries on at once, not after the timer's lease.
        on_start=[expiry.schedule_sweep, merges.resume, tombstones.schedule_existing],
        background=[keeper],
    )


DEFINITION = ServiceDefinition(
    name="tags",
    indexes=[*INDEXES, *LIBRARY_INDEXES, *SEGMENT_INDEXES, *SAVED_SEGMENT_INDEXES],
    build=build,
    outbox_collections=[CUSTOMERS, DEFINITIONS, CONVERSATIONS, SUGGESTIONS, MERGES, SEGMENTS],
)


def _usage_marks(keeper: IndexKeeper) -> UsageMarks:
    """The library's usage marks: what this replica's segment index knows (docs/segment-index.md)."""

    async def marks(tenant: str) -> Mapping[str, TagUsage]:
        return keeper.index.usage(tenant)

    return marks


def _segment_references(catalogue: SegmentCatalogue) -> References:
    """The library's "referenced by saved segments": the catalogue of the tenant's saved segments."""

    async def references(tenant: str, keys: list[str]) -> dict[str, list[SegmentRef]]:
        found = await catalogue.referencing(tenant, keys)
        return {key: [SegmentRef(id=s.id, name=s.name) for s in saved] for key, saved in found.items()}

    return references
