"""The leads service as the runtime sees it: its indexes and how its servicer is built."""

from __future__ import annotations

from crm.leads.v1 import leads_pb2, leads_pb2_grpc, recovery_pb2, recovery_pb2_grpc

from common.bus import unknown_ingest_consumer
from common.service import Runtime, ServiceDefinition, ServiceParts
from services.leads.api import LeadsServicer
from services.leads.changes import ProfileChanges
from services.leads.channel_store import INDEXES as CHANNEL_INDEXES
from services.leads.channel_store import ChannelStore
from services.leads.events import OUTBOX_COLLECTIONS, LeadsEvents
from services.leads.journey_facts import journey_consumer
from services.leads.recovery import Recovery
from services.leads.recovery_api import RecoveryServicer
from services.leads.store import INDEXES as STORE_INDEXES
from services.leads.store import CustomerStore
from services.leads.tags_client import TagsClient

INDEXES = [*STORE_INDEXES, *CHANNEL_INDEXES]
UNKNOWN_INGEST_DURABLE = "leads-unknown-ingest"
SERVICE_NAME = leads_pb2.DESCRIPTOR.services_by_name["LeadsService"].full_name
RECOVERY_SERVICE_NAME = recovery_pb2.DESCRIPTOR.services_by_name["RecoveryService"].full_name


def build(runtime: Runtime) -> ServiceParts:
    """The leads servicer over this process's database and outbox, and the catch-all of ingest.

    Leads, which has no ingest kind of its own yet, runs the one consumer that dead-letters messages on
    `<root>.in.<tenant>.<kind>` subjects no service consumes (to `<root>.dlq.leads`); exactly one service
    may run it, or each unknown message would be dead-lettered once per service.
    """
    store, events = CustomerStore(runtime.db), LeadsEvents(runtime.outbox)
    changes, channels = ProfileChanges(store, events), ChannelStore(runtime.db)
    servicer = LeadsServicer(store=store, events=events, changes=changes, channels=channels)
    # Recovery search asks the tags service's segment index (services/leads/tags_client.py).
    tags = TagsClient(
        address=runtime.settings.peers.get("tags"),
        token=runtime.settings.internal_token,
        caller=runtime.settings.service,
    )
    recovery = RecoveryServicer(Recovery(tags=tags, store=store))
    return ServiceParts(
        registrations=[
            (leads_pb2_grpc.add_LeadsServiceServicer_to_server, servicer),
            (recovery_pb2_grpc.add_RecoveryServiceServicer_to_server, recovery),
        ],
        service_names=[SERVICE_NAME, RECOVERY_SERVICE_NAME],
        consumers=[
            unknown_ingest_consumer(durable=UNKNOWN_INGEST_DURABLE),
            # Contacts → contacted, signed/paid deals → won and channel revenue (journey_facts.py).
            journey_consumer(changes, channels, store),
        ],
        background=[tags],
    )


DEFINITION = ServiceDefinition(
    name="leads", indexes=INDEXES, build=build, outbox_collections=OUTBOX_COLLECTIONS
)
