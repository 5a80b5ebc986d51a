"""A running intent service per test, with a gRPC stub and a NATS connection to watch and publish."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import pytest
from crm.intent.v1 import intent_pb2_grpc

from common import bus
from common.config import Settings
from common.service import start_service
from services.intent.app import DEFINITION
from tests.integration.intent.helpers import Intent
from tests.support.events import connect
from tests.support.rpc import channel


@pytest.fixture
async def intent(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str
) -> AsyncIterator[Intent]:
    running = await start_service(DEFINITION, settings_for("intent"))
    nc = await connect(nats_url)
    try:
        async with channel(running.port) as ch:
            yield Intent(
                stub=intent_pb2_grpc.IntentServiceStub(ch), nc=nc, js=nc.jetstream(), namespace=namespace
            )
    finally:
        await running.stop()
        # The NATS server lives for the whole session: leave no streams of this test behind.
        for kind in ("evt", "in", "dlq"):
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_stream(bus.stream_name(namespace, kind))
        await nc.close()
