"""The leads service as the runtime sees it: its indexes and how its servicer is built."""

from __future__ import annotations

from crm.leads.v1 import leads_pb2, leads_pb2_grpc, pool_pb2, pool_pb2_grpc, recovery_pb2, recovery_pb2_grpc

from common.bus import unknown_ingest_consumer
from common.service import Runtime, ServiceDefinition, ServiceParts
from services.leads.api import LeadsServicer
from services.leads.changes import ProfileChanges
from services.leads.channel_store import INDEXES as CHANNEL_INDEXES
from services.leads.channel_store import ChannelStore
from services.leads.events import OUTBOX_COLLECTIONS, LeadsEvents
from services.leads.journey_facts import journey_consumer
from services.leads.merging import CustomerMerges
from services.leads.pool.api import LeadPoolServicer
from services.leads.pool.callbacks import CALLBACK_DUE, CALLBACK_MISSED, CALLBACKS, CallbackStore
from services.leads.pool.callbacks import INDEXES as CALLBACK_INDEXES
from services.leads.pool.claims import AUTO_RELEASE, Claims
from services.leads.pool.followups import FollowUps
from services.leads.pool.heard import callback_promised_consumer
from services.leads.pool.intake import intake_consumer
from services.leads.pool.loads import LoadStore
from services.leads.pool.merge import PoolMerges, pool_merges_consumer
from services.leads.pool.owner import OwnerSync, owner_consumers
from services.leads.pool.store import INDEXES as POOL_INDEXES
from services.leads.pool.store import POOL_LEADS, PoolStore
from services.leads.recovery import Recovery
from services.leads.recovery_api import RecoveryServicer
from services.leads.store import INDEXES as STORE_INDEXES
from services.leads.store import CustomerStore
from services.leads.tags_client import TagsClient

INDEXES = [*STORE_INDEXES, *CHANNEL_INDEXES, *POOL_INDEXES, *CALLBACK_INDEXES]
UNKNOWN_INGEST_DURABLE = "leads-unknown-ingest"
SERVICE_NAME = leads_pb2.DESCRIPTOR.services_by_name["LeadsService"].full_name
RECOVERY_SERVICE_NAME = recovery_pb2.DESCRIPTOR.services_by_name["RecoveryService"].full_name
POOL_SERVICE_NAME = pool_pb2.DESCRIPTOR.services_by_name["LeadPoolService"].full_name


def build(runtime: Runtime) -> ServiceParts:
    """The leads servicer over this process's database and outbox, and the catch-all of ingest.

    Leads, which has no ingest kind of its own yet, runs the one consumer that dead-letters messages on
    `<root>.in.<tenant>.<kind>` subjects no service consumes (to `<root>.dlq.leads`); exactly one service
    may run it, or each unknown message would be dead-lettered once per service.
    The lead pool (services/leads/pool/, docs/lead-pool.md) is another servicer in the same server,
    with its call-back and intake consumers and its timers on the common scheduler.
    """
    store, events = CustomerStore(runtime.db), LeadsEvents(runtime.outbox)
    changes, channels = ProfileChanges(store, events), ChannelStore(runtime.db)
    # Recovery search asks the tags service's segment index (services/leads/tags_client.py).
    tags = TagsClient(
        address=runtime.settings.peers.get("tags"),
        token=runtime.settings.internal_token,
        caller=runtime.settings.service,
    )
    recovery = RecoveryServicer(Recovery(tags=tags, store=store))
    pool_store = PoolStore(runtime.db)
    callbacks = CallbackStore(runtime.db, runtime.outbox)
    claims = Claims(pool_store, LoadStore(runtime.db), runtime.outbox, runtime.scheduler)
    # The profile's owner follows the pool's claims and releases (pool/owner.py).
    owners = OwnerSync(pool_store, store, events, changes)
    claims.on_owner_change, claims.on_follow_up = owners.sync_owner, owners.followed_up
    follow_ups = FollowUps(claims, callbacks, runtime.outbox, runtime.scheduler)
    # A merge of duplicates moves the pool's side too (pool/merge.py).
    pool_merges = PoolMerges(claims, runtime.db, runtime.scheduler)
    merges = CustomerMerges(store, events, changes, after=pool_merges.rekey)
    servicer = LeadsServicer(store=store, events=events, changes=changes, channels=channels, merges=merges)
    pool = LeadPoolServicer(claims=claims, follow_ups=follow_ups, callbacks=callbacks, customers=store)
    return ServiceParts(
        registrations=[
            (leads_pb2_grpc.add_LeadsServiceServicer_to_server, servicer),
            (recovery_pb2_grpc.add_RecoveryServiceServicer_to_server, recovery),
            (pool_pb2_grpc.add_LeadPoolServiceServicer_to_server, pool),
        ],
        service_names=[SERVICE_NAME, RECOVERY_SERVICE_NAME, POOL_SERVICE_NAME],
        consumers=[
            unknown_ingest_consumer(durable=UNKNOWN_INGEST_DURABLE),
            # Contacts → contacted, signed/paid deals → won and channel revenue (journey_facts.py).
            journey_consumer(changes, channels, store),
            # The lead pool: call-backs heard in conversations, new customers into their pool.
            callback_promised_consumer(pool_store, callbacks),
            intake_consumer(claims),
            *owner_consumers(owners),
            pool_merges_consumer(pool_merges),
        ],
        timers={
            AUTO_RELEASE: claims.auto_release,
            CALLBACK_DUE: callbacks.fire_due,
            CALLBACK_MISSED: callbacks.fire_missed,
        },
        background=[tags],
    )


DEFINITION = ServiceDefinition(
    name="leads",
    indexes=INDEXES,
    build=build,
    outbox_collections=[*OUTBOX_COLLECTIONS, POOL_LEADS, CALLBACKS],
)
