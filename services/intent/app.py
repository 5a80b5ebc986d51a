"""The intent service's definition: its indexes and how its servicer and consumer are built."""

from __future__ import annotations

from collections.abc import Sequence

from crm.intent.v1 import intent_pb2, intent_pb2_grpc

from common.customers import batch_warmer
from common.mongo import IndexSpec
from common.service import Runtime, ServiceDefinition, ServiceParts
from services.intent import events
from services.intent.api import IntentApi
from services.intent.call_reads import CallLists
from services.intent.config import IntentConfig
from services.intent.decay import RESCORE_KIND
from services.intent.engine import IntentEngine
from services.intent.merges import merge_consumer
from services.intent.migrations import MIGRATE_KIND, Migration
from services.intent.model_admin import ModelAdmin
from services.intent.model_store import MODEL_INDEXES, ModelStore
from services.intent.projections import contact_consumer, followup_consumer, profile_consumer
from services.intent.rescoring import RESCORE_MODEL_KIND, RescoreRunner
from services.intent.retention import RETENTION_KIND, Retention
from services.intent.signals import Signal
from services.intent.store import HISTORY, SCORES, SIGNALS, IntentStore

CONFIG = IntentConfig.from_env()

INDEXES = [
    # Explanations and re-scores read one customer's signals by scoring time (integer ms: indexed on
    # real MongoDB and the stand-in alike). The hot path reads no signals at all.
    # On (tenant, customer) only: the stand-in answers a range on the last field of a compound index
    # slower than no index at all (docs/mongo-standin.md); real MongoDB filters the customer's few.
    IndexSpec(SIGNALS, [("tenant_id", 1), ("customer_id", 1)]),
    # Retention. A TTL index must be on the date field alone; changing the retention later needs collMod.
    # Retention: the scheduler's hourly job deletes by this (services/intent/retention.py: not a TTL
    # index, which the stand-in purges on every read of the collection).
    IndexSpec(SIGNALS, [("tenant_id", 1), ("occurred_ms", 1)]),
    IndexSpec(SCORES, [("tenant_id", 1), ("customer_id", 1)], {"unique": True}),
    # The call list: one tenant's (or one owner's) customers with intent newer than their last contact,
    # highest stored score first (the bounded candidate read, services/intent/call_reads.py).
    IndexSpec(SCORES, [("tenant_id", 1), ("call_open", 1), ("owner_id", 1), ("score", -1)]),
    # A customer's score history, newest first.
    IndexSpec(HISTORY, [("tenant_id", 1), ("customer_id", 1), ("at_ms", -1)]),
    # The tenant's model: versions, re-score progress, the signal types it has sent.
    *MODEL_INDEXES,
]


def build(runtime: Runtime) -> ServiceParts:
    """Wire the engine to this process's database and publisher; expose it over gRPC and NATS."""
    models = ModelStore(runtime.db)
    store = IntentStore(runtime.db)
    retention = Retention(store.signals, runtime.scheduler, keep=CONFIG.retention)

    async def stored(tenant: str, signals: Sequence[Signal]) -> None:
        # A model may weigh the tenant's own signal types once it has sent them.
        await models.record_types(tenant, {s.type for s in signals})
        await retention.ensure(tenant)

    engine = IntentEngine(
        store=store,
        outbox=runtime.outbox,
        scheduler=runtime.scheduler,
        config=CONFIG,
        models=models,
        customers=runtime.customers,
        on_stored=stored,
    )
    rescores = RescoreRunner(engine=engine, store=store, models=models, scheduler=runtime.scheduler)
    admin = ModelAdmin(models=models, rescores=rescores)
    # Data stored before the aggregates is upgraded once, in the background (services/intent/migrations.py).
    migration = Migration(engine=engine, db=runtime.db, scheduler=runtime.scheduler)
    calls = CallLists(store=store, models=engine.models, max_candidates=CONFIG.call_list_max_candidates)
    return ServiceParts(
        registrations=[
            (
                intent_pb2_grpc.add_IntentServiceServicer_to_server,
                IntentApi(engine, models=admin, calls=calls, migration=migration),
            )
        ],
        service_names=[intent_pb2.DESCRIPTOR.services_by_name["IntentService"].full_name],
        consumers=[
            events.ingest_consumer(engine.ingest_events, prepare=batch_warmer(runtime.customers)),
            # Leads' profile/owner facts and journey's contacts (services/intent/projections.py).
            profile_consumer(engine),
            contact_consumer(engine),
            followup_consumer(engine),  # a lead follow-up is a contact whatever the model's types
            # Leads merged a duplicate: its intent is summed into the survivor's (merges.py).
            merge_consumer(engine, store),
        ],
        # Levels that would fall with time alone are rescored when they do (services/intent/decay.py).
        timers={
            RESCORE_KIND: engine.rescore_due,
            RESCORE_MODEL_KIND: rescores.step,
            RETENTION_KIND: retention.due,
            MIGRATE_KIND: migration.step,
        },
        on_start=[retention.drop_old_ttl_index, migration.schedule],
    )


# `level_changed` waits in the customer's scores document until relayed (common/outbox.py).
DEFINITION = ServiceDefinition(name="intent", indexes=INDEXES, build=build, outbox_collections=[SCORES])
