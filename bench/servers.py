"""The servers a single-service benchmark runs against: embedded ones, or real ones from the environment.

`NATS_URL` / `MONGODB_URI` point a benchmark at servers you run; otherwise it starts the real
nats-server and the nx-27017 stand-in in a temporary directory and stops them afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from crm.leads.v1 import leads_pb2, leads_pb2_grpc

from common.config import Settings
from common.context import CallContext
from common.grpc_client import open_channel
from common.local_servers import LocalServer, start_mongo_standin, start_nats
from common.roles import PLATFORM
from common.service import RunningService, ServiceDefinition, start_service
from services.leads.app import DEFINITION as LEADS


@dataclass(frozen=True)
class BenchServers:
    nats_url: str
    mongodb_uri: str

    def settings(self, service: str) -> Settings:
        """Settings of `service` on a free port, with a fresh database prefix and subject root."""
        prefix = f"bench{uuid.uuid4().hex[:6]}"
        return Settings(
            service=service,
            grpc_port=0,
            mongodb_uri=self.mongodb_uri,
            nats_url=self.nats_url,
            mongodb_db_prefix=prefix,
            subject_root=prefix,
        )


@contextlib.contextmanager
def bench_servers() -> Iterator[BenchServers]:
    """NATS and MongoDB for one benchmark run; embedded ones are stopped on the way out."""
    started: list[LocalServer] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            nats_url = os.environ.get("NATS_URL") or ""
            mongodb_uri = os.environ.get("MONGODB_URI") or ""
            if not nats_url:
                started.append(start_nats(Path(tmp) / "nats"))
                nats_url = started[-1].url
            if not mongodb_uri:
                started.append(start_mongo_standin(Path(tmp) / "mongo"))
                mongodb_uri = started[-1].url
            yield BenchServers(nats_url=nats_url, mongodb_uri=mongodb_uri)
        finally:
            for server in started:
                server.stop()


@dataclass(frozen=True)
class BenchService:
    """A service under benchmark, with the metadata to call it and a way to create real customers."""

    running: RunningService
    metadata: tuple[tuple[str, str], ...]
    create_customer: Callable[[], Awaitable[str]]
    # Another tenant's metadata and customers, for benchmarks of one tenant's load on another.
    metadata_for: Callable[[str], tuple[tuple[str, str], ...]]
    create_customer_in: Callable[[str], Awaitable[str]]


@contextlib.asynccontextmanager
async def service_beside_leads(
    servers: BenchServers, definition: ServiceDefinition
) -> AsyncIterator[BenchService]:
    """`definition` running with leads beside it: facts are stored only for customers leads has
    (common/customers.py). Calls carry the `platform` role (docs/authorization.md): a benchmark is an
    internal tool. Both databases are dropped afterwards."""
    leads = await start_service(LEADS, servers.settings("leads"))
    settings = replace(servers.settings(definition.name), peers={"leads": f"127.0.0.1:{leads.port}"})
    running = await start_service(definition, settings)
    caller = CallContext(tenant="bench", caller="bench", roles=frozenset({PLATFORM}))
    metadata = caller.outgoing_metadata(settings.internal_token)
    try:
        async with open_channel(f"127.0.0.1:{leads.port}") as channel:
            stub = leads_pb2_grpc.LeadsServiceStub(channel)

            def metadata_for(tenant: str) -> tuple[tuple[str, str], ...]:
                other = CallContext(tenant=tenant, caller="bench", roles=frozenset({PLATFORM}))
                return other.outgoing_metadata(settings.internal_token)

            async def create_customer_in(tenant: str) -> str:
                request = leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name="Bench"))
                return str((await stub.CreateCustomer(request, metadata=metadata_for(tenant))).id)

            async def create_customer() -> str:
                return await create_customer_in("bench")

            yield BenchService(
                running=running,
                metadata=metadata,
                create_customer=create_customer,
                metadata_for=metadata_for,
                create_customer_in=create_customer_in,
            )
    finally:
        for service in (running, leads):
            await service.runtime.db.client.drop_database(service.runtime.settings.database_name)
            await service.stop()
