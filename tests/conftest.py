"""Real servers for the whole suite: nats-server (JetStream) and the nx-27017 MongoDB stand-in.

Set NATS_URL / MONGODB_URI to run the same suite against real clusters. Every test gets its own
namespace, used as the MongoDB database prefix and the NATS subject root, so tests never see each
other's documents or messages even on a shared server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pymongo import AsyncMongoClient

from common import nats_auth
from common.config import Settings
from common.local_servers import start_mongo_standin, start_nats
from common.mongo import open_client
from tests.support.nats import SessionNats

if TYPE_CHECKING:
    from tests.support.leads import Leads

TEST_TOKEN = "test-internal-token"


@pytest.fixture(scope="session", autouse=True)
def span_exporter() -> InMemorySpanExporter:
    """One in-memory exporter for the process, installed before any service creates a span."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture(scope="session")
def session_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionNats]:
    """nats-server with the production permission model (any subject root), or the external NATS_URL."""
    if os.environ.get("NATS_URL"):
        yield SessionNats(url=os.environ["NATS_URL"], credentials=None)
        return
    credentials = nats_auth.generate()
    server = start_nats(
        tmp_path_factory.mktemp("nats"),
        authorization=nats_auth.render_authorization(credentials.users(root="*")),
    )
    try:
        yield SessionNats(url=server.url, credentials=credentials)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def nats_url(session_nats: SessionNats) -> str:
    """The URL test helpers connect with: the admin user's (credentials embedded)."""
    return session_nats.admin_url


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    server = start_mongo_standin(tmp_path_factory.mktemp("mongo"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def namespace() -> str:
    """A fresh database prefix and subject root for one test."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def mongo_client(mongodb_uri: str, namespace: str) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    """A client for assertions on stored documents; drops the test's databases afterwards."""
    client = open_client(mongodb_uri)
    try:
        yield client
    finally:
        for name in await client.list_database_names():
            if name.startswith(f"{namespace}_"):
                await client.drop_database(name)
        await client.close()


@pytest.fixture(scope="session")
async def leads(mongodb_uri: str, session_nats: SessionNats) -> AsyncIterator[Leads]:
    """One leads service for the session, under its own namespace: tests create customers in it
    (`await leads.customer("acme")`) and the services they test check customers against it."""
    from tests.support.leads import running_leads  # it imports this module's TEST_TOKEN

    nats_url, nats_user, nats_password = session_nats.login("leads")
    settings = Settings(
        service="leads",
        grpc_port=0,
        mongodb_uri=mongodb_uri,
        mongodb_db_prefix="sessionleads",
        nats_url=nats_url,
        nats_user=nats_user,
        nats_password=nats_password,
        subject_root="sessionleads",
        internal_token=TEST_TOKEN,
    )
    async with running_leads(settings) as running:
        yield running


@pytest.fixture
def settings_for(
    mongodb_uri: str,
    session_nats: SessionNats,
    namespace: str,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    leads: Leads,
) -> Callable[..., Settings]:
    """Settings of a service for this test: free gRPC port, the test's namespace, the test token,
    the service's own NATS user (so a test fails if the service needs a permission it lacks), and
    the session's leads as the peer that says which customers exist (override `peers` to change)."""

    def make(service: str, **overrides: Any) -> Settings:
        nats_url, nats_user, nats_password = session_nats.login(service)
        values: dict[str, Any] = {
            "nats_user": nats_user,
            "nats_password": nats_password,
            "service": service,
            "grpc_port": 0,
            "mongodb_uri": mongodb_uri,
            "mongodb_db_prefix": namespace,
            "nats_url": nats_url,
            "subject_root": namespace,
            "internal_token": TEST_TOKEN,
            "consumer_max_deliver": 3,
            "peers": leads.peers,
        }
        values.update(overrides)
        return Settings(**values)

    return make
