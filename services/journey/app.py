"""The journey service's wiring: its indexes, and how its servicer and consumer are built."""

from __future__ import annotations

from crm.journey.v1 import journey_pb2, journey_pb2_grpc

from common.service import Runtime, ServiceDefinition, ServiceParts
from services.journey.api import JourneyServicer
from services.journey.customer_facts import customer_facts_consumer
from services.journey.deal_stale import StaleDeals
from services.journey.definition_store import DEFINITION_INDEXES, DefinitionStore
from services.journey.events import JourneyEvents, ingest_consumer
from services.journey.recording import TouchpointRecorder
from services.journey.stale import STALE_KIND
from services.journey.store import INDEXES, OUTBOX_COLLECTIONS, JourneyStore
from services.journey.timeline_sources import timeline_consumers


def build(runtime: Runtime) -> ServiceParts:
    """The gRPC servicer and the touchpoint ingest consumer, sharing one store and recorder."""
    store = JourneyStore(runtime.db)
    events = JourneyEvents(runtime.outbox)
    recorder = TouchpointRecorder(store=store, events=events)
    definitions = DefinitionStore(runtime.db)
    stale = StaleDeals(store=store, definitions=definitions, events=events)
    servicer = JourneyServicer(
        store=store, recorder=recorder, customers=runtime.customers, definitions=definitions, stale=stale
    )
    return ServiceParts(
        registrations=[(journey_pb2_grpc.add_JourneyServiceServicer_to_server, servicer)],
        service_names=[journey_pb2.DESCRIPTOR.services_by_name["JourneyService"].full_name],
        consumers=[
            ingest_consumer(recorder, customers=runtime.customers, definitions=definitions),
            customer_facts_consumer(store),
            # Other services' events on the timeline: intent, tags, leads (services/journey/timeline_feed.py).
            *timeline_consumers(store),
        ],
        timers={STALE_KIND: stale.fire},
    )


DEFINITION = ServiceDefinition(
    name="journey",
    indexes=(*INDEXES, *DEFINITION_INDEXES),
    build=build,
    outbox_collections=OUTBOX_COLLECTIONS,
)
