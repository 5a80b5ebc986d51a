"""The life of a backend service process: connections, gRPC server, consumers, graceful stop.

A service describes itself once (`ServiceDefinition`); `start_service` opens MongoDB and NATS,
creates indexes and streams, starts the gRPC server and the consumers, and returns a handle whose
`stop()` undoes it all in reverse. Tests call `start_service` in-process with their own settings;
`serve` is what `python -m services.<name>` runs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol

import grpc
from grpc_health.v1 import health, health_pb2
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase

from common import bus
from common.config import ConfigError, Settings
from common.consumers import ConsumerRunner
from common.customers import KnownCustomers
from common.grpc_server import Registration, start_grpc_server
from common.logs import setup_logging
from common.mongo import IndexSpec, ensure_indexes, open_client
from common.outbox import Outbox, outbox_indexes
from common.readiness import HealthWatchdog
from common.scheduler import Scheduler, TimerBatchHandler, TimerHandler, scheduler_indexes
from common.telemetry import setup_tracing

log = logging.getLogger(__name__)
LIVENESS = "liveness"


@dataclass(frozen=True, kw_only=True)
class Runtime:
    """The connections a service's servicers and consumers are built from."""

    settings: Settings
    db: AsyncDatabase[dict[str, Any]]
    nc: NATS
    js: JetStreamContext
    events: bus.EventPublisher
    # Events are stored with the change they announce and relayed from here (common/outbox.py).
    outbox: Outbox
    # Due-time work ("do X for this key at T, once"): common/scheduler.py, docs/scheduler.md.
    scheduler: Scheduler
    # Whether customers exist in a tenant, asked of leads before any fact is stored (common/customers.py).
    customers: KnownCustomers


class Background(Protocol):
    """Work a service runs beside its RPCs and consumers (e.g. the tags service's segment index):
    started after the consumers, stopped before them; its problems make the process unready."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def problems(self) -> list[str]: ...


@dataclass(kw_only=True)
class ServiceParts:
    """What a service plugs into the runtime: gRPC servicers and NATS consumers."""

    registrations: list[Registration]
    service_names: list[str]
    consumers: list[bus.Consumer] = field(default_factory=list)
    # Timer kind -> handler(tenant, key, payload), fired by runtime.scheduler (common/scheduler.py).
    timers: dict[str, TimerHandler] = field(default_factory=dict)
    # Timer kind -> handler(items) fired a whole claimed batch at a time (`Scheduler.register_batch`).
    batch_timers: dict[str, TimerBatchHandler] = field(default_factory=dict)
    # Awaited once at start, after the timers are registered and before anything is served or fired
    # (e.g. tags schedules its one-time expiry sweep); keep them short: start-up waits for them.
    on_start: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    background: list[Background] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ServiceDefinition:
    name: str
    indexes: Sequence[IndexSpec]
    build: Callable[[Runtime], ServiceParts]
    # Collections whose documents carry pending events (see common/outbox.py).
    outbox_collections: Sequence[str] = ()


@dataclass(kw_only=True)
class RunningService:
    """A started service; `port` is the bound gRPC port (useful when asked for port 0)."""

    name: str
    port: int
    runtime: Runtime
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    _stack: AsyncExitStack
    watchdog: HealthWatchdog | None = None
    parts: ServiceParts | None = None  # what `build` returned (tests reach background parts through it)

    async def stop(self, grace: float = 2.0) -> None:
        """Report NOT_SERVING, finish in-flight RPCs within `grace`, stop consumers, drain NATS."""
        await self.health.enter_graceful_shutdown()
        await self._stack.aclose()


async def start_service(definition: ServiceDefinition, settings: Settings) -> RunningService:
    """Open connections, ensure indexes and streams, and start serving; see the module docstring."""
    stack = AsyncExitStack()
    try:
        client = open_client(settings.mongodb_uri)
        stack.push_async_callback(client.close)
        db = client[settings.database_name]
        await ensure_indexes(
            db,
            [*definition.indexes, *outbox_indexes(definition.outbox_collections), *scheduler_indexes()],
        )

        nc = await bus.connect(
            settings.nats_url,
            name=f"crm-{settings.service}",
            user=settings.nats_user,
            password=settings.nats_password,
        )
        stack.push_async_callback(_drain, nc)
        js = nc.jetstream()
        await bus.ensure_streams(
            js,
            root=settings.subject_root,
            replicas=settings.stream_replicas,
            ingest_max_bytes=settings.ingest_max_message_bytes,
        )
        runtime = Runtime(
            settings=settings,
            db=db,
            nc=nc,
            js=js,
            events=bus.EventPublisher(js, root=settings.subject_root, service=settings.service),
            outbox=Outbox(
                db,
                js,
                root=settings.subject_root,
                service=settings.service,
                collections=definition.outbox_collections,
            ),
            scheduler=Scheduler(db, service=settings.service),
            customers=KnownCustomers(
                address=settings.peers.get("leads"),
                token=settings.internal_token,
                caller=settings.service,
            ),
        )
        stack.push_async_callback(runtime.customers.close)
        parts = definition.build(runtime)
        for kind, handler in parts.timers.items():
            runtime.scheduler.register(kind, handler)
        for kind, batch_handler in parts.batch_timers.items():
            runtime.scheduler.register_batch(kind, batch_handler)
        for hook in parts.on_start:
            await hook()

        server, port, health_servicer = await start_grpc_server(
            host=settings.grpc_host,
            port=settings.grpc_port,
            internal_token=settings.internal_token,
            registrations=parts.registrations,
            service_names=parts.service_names,
        )
        stack.push_async_callback(server.stop, 2.0)

        runner = ConsumerRunner(
            js,
            root=settings.subject_root,
            service=settings.service,
            db=db,
            max_deliver=settings.consumer_max_deliver,
        )
        stack.push_async_callback(runner.stop)
        for consumer in parts.consumers:
            await runner.start(consumer)
        if definition.outbox_collections:
            runtime.outbox.start()
            stack.push_async_callback(runtime.outbox.stop)
        runtime.scheduler.start()  # only polls when the service registered timer handlers
        stack.push_async_callback(runtime.scheduler.stop)
        for part in parts.background:
            await part.start()
            stack.push_async_callback(part.stop)

        # Readiness reflects this process's own NATS, MongoDB and consumers (common/readiness.py).
        watchdog = HealthWatchdog(
            health_servicer=health_servicer,
            names=["", *parts.service_names],
            nc=nc,
            db=db,
            consumer_problems=lambda: [
                *runner.problems(),
                *runtime.scheduler.problems(),
                *(problem for part in parts.background for problem in part.problems()),
            ],
        )
        watchdog.start()
        stack.push_async_callback(watchdog.stop)
        # Liveness (deploy/k8s) asks for "liveness": SERVING while the process runs, whatever its
        # dependencies, so a NATS or MongoDB outage makes pods unready but does not restart them.
        await health_servicer.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)
    except BaseException:
        await stack.aclose()
        raise
    log.info("%s serving gRPC on %s:%d", definition.name, settings.grpc_host, port)
    return RunningService(
        name=definition.name,
        port=port,
        runtime=runtime,
        server=server,
        health=health_servicer,
        _stack=stack,
        watchdog=watchdog,
        parts=parts,
    )


async def _drain(nc: NATS) -> None:
    await bus.close_quietly(nc)


async def serve(definition: ServiceDefinition) -> None:
    """Run a service until SIGTERM or SIGINT, then stop gracefully. Used by `python -m services.<name>`."""
    try:
        settings = Settings.from_env(definition.name)
    except ConfigError as err:  # stop with the message, not a traceback: it names the variable to fix
        raise SystemExit(f"{definition.name}: configuration error: {err}") from None
    setup_logging(definition.name, settings.log_level)
    setup_tracing(definition.name)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    running = await start_service(definition, settings)
    await stop.wait()
    log.info("%s stopping", definition.name)
    await running.stop()


def health_status_name(status: int) -> str:
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(status))
