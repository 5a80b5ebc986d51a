"""The tags service: its indexes, how its servicer and consumers are built, and its definition."""

from __future__ import annotations

from crm.tags.v1 import tags_pb2, tags_pb2_grpc

from common.customers import batch_warmer
from common.service import Runtime, ServiceDefinition, ServiceParts
from services.tags.api import TagsServicer
from services.tags.config import TagsConfig
from services.tags.events import conversations_consumer, intent_level_consumer
from services.tags.expiry.timers import ExpiryTimers
from services.tags.heard.listening import ConversationOperations
from services.tags.heard.store import CONVERSATIONS, SUGGESTIONS, ConversationStore
from services.tags.library.merging import MERGE_TIMER, MergeRunner
from services.tags.library.operations import LibraryOperations
from services.tags.library.store import LIBRARY_INDEXES, MERGES, MergeStore
from services.tags.operations import TagOperations
from services.tags.store import CUSTOMERS, DEFINITIONS, INDEXES, TagStore

SERVICE_NAME = tags_pb2.DESCRIPTOR.services_by_name["TagsService"].full_name
CONFIG = TagsConfig.from_env()


def build(runtime: Runtime) -> ServiceParts:
    """Wire the store, operations, servicer and consumers onto the runtime's connections."""
    # Every event goes through the outbox, stored with the change it announces (common/outbox.py).
    ops = TagOperations(TagStore(runtime.db), runtime.outbox, runtime.scheduler)
    expiry = ExpiryTimers(ops, runtime.scheduler, runtime.db)
    # The governed library (services/tags/library/). Usage marks come from the segment index and
    # saved-segment references from the segments part once they are wired in (`usage=`, `references=`).
    library = LibraryOperations(ops.store, runtime.outbox)
    merges = MergeRunner(library, MergeStore(runtime.db), runtime.scheduler)
    conversations = ConversationOperations(
        ConversationStore(runtime.db), ops, CONFIG, customers=runtime.customers
    )
    return ServiceParts(
        registrations=[
            (
                tags_pb2_grpc.add_TagsServiceServicer_to_server,
                TagsServicer(ops, conversations, customers=runtime.customers, library=library, merges=merges),
            )
        ],
        service_names=[SERVICE_NAME],
        consumers=[
            # intent.level trusts its peer: intent only scores customers it checked with leads.
            intent_level_consumer(ops),
            conversations_consumer(conversations, prepare=batch_warmer(runtime.customers)),
        ],
        # Expiry on the common scheduler (docs/tag-expiry.md): tags.expire, tags.expiry_sweep;
        # a resumable merge of one tag into another: tags.merge.
        timers={**expiry.handlers(), MERGE_TIMER: merges.step},
        on_start=[expiry.schedule_sweep],
    )


DEFINITION = ServiceDefinition(
    name="tags",
    indexes=[*INDEXES, *LIBRARY_INDEXES],
    build=build,
    outbox_collections=[CUSTOMERS, DEFINITIONS, CONVERSATIONS, SUGGESTIONS, MERGES],
)
