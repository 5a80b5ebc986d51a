"""The journey service's wiring: its indexes, and how its servicer and consumer are built."""

from __future__ import annotations

from crm.journey.v1 import journey_pb2, journey_pb2_grpc

from common.service import Runtime, ServiceDefinition, ServiceParts
from services.journey.api import JourneyServicer
from services.journey.customer_facts import customer_facts_consumer
from services.journey.deal_service import DealBook
from services.journey.deal_stale import StaleDeals
from services.journey.deal_store import DEAL_INDEXES, DEALS, DealStore
from services.journey.definition_store import DEFINITION_INDEXES, DefinitionStore
from services.journey.events import JourneyEvents, ingest_consumer
from services.journey.merges import JourneyMerges, merges_consumer
from services.journey.recording import TouchpointRecorder
from services.journey.reminders import TaskReminders
from services.journey.stale import STALE_KIND
from services.journey.store import INDEXES, OUTBOX_COLLECTIONS, JourneyStore
from services.journey.task_config import TaskConfig
from services.journey.task_service import TaskBook
from services.journey.task_store import TASK_INDEXES, TASKS, TaskStore
from services.journey.timeline_sources import timeline_consumers

TASK_CONFIG = TaskConfig.from_env()


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
    # Deals and tasks: their use cases, and the reminder timers' handlers.
    deal_store, task_store = DealStore(runtime.db), TaskStore(runtime.db)
    servicer.attach_work(
        deal_book=DealBook(store=deal_store, outbox=runtime.outbox, customers=runtime.customers),
        task_book=TaskBook(
            store=task_store,
            deals=deal_store,
            outbox=runtime.outbox,
            scheduler=runtime.scheduler,
            customers=runtime.customers,
            grace_ms=TASK_CONFIG.grace_ms,
        ),
    )
    reminders = TaskReminders(store=task_store, outbox=runtime.outbox)
    merges = JourneyMerges(
        store=store, deals=deal_store, tasks=task_store, events=events, definitions=definitions
    )
    return ServiceParts(
        registrations=[(journey_pb2_grpc.add_JourneyServiceServicer_to_server, servicer)],
        service_names=[journey_pb2.DESCRIPTOR.services_by_name["JourneyService"].full_name],
        consumers=[
            ingest_consumer(recorder, customers=runtime.customers, definitions=definitions),
            customer_facts_consumer(store),
            # Leads merged two customers: the duplicate's journey, deals and tasks move to the survivor.
            merges_consumer(merges),
            # Other services' events on the timeline: intent, tags, leads (services/journey/timeline_feed.py).
            *timeline_consumers(store, recorder, definitions),
        ],
        timers={STALE_KIND: stale.fire},
        # Reminders are many at once (10,000 due in a minute): one handler call per claimed batch.
        batch_timers=reminders.batch_handlers(),
    )


DEFINITION = ServiceDefinition(
    name="journey",
    indexes=(*INDEXES, *DEFINITION_INDEXES, *DEAL_INDEXES, *TASK_INDEXES),
    build=build,
    outbox_collections=(*OUTBOX_COLLECTIONS, DEALS, TASKS),
)
