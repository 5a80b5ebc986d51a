"""Run one service in-process for a test: start it, open a channel and a NATS connection, clean up after."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from nats.aio.client import Client as NATS

from common import bus
from common.config import Settings
from common.service import RunningService, ServiceDefinition, start_service
from tests.support.events import connect
from tests.support.rpc import channel


@dataclass(frozen=True)
class ServiceUnderTest:
    running: RunningService
    channel: grpc.aio.Channel
    nc: NATS


@contextlib.asynccontextmanager
async def service_under_test(
    definition: ServiceDefinition, settings: Settings, *, nats_url: str
) -> AsyncIterator[ServiceUnderTest]:
    """The service running on a free port; afterwards it is stopped and the test's streams are deleted."""
    running = await start_service(definition, settings)
    nc = await connect(nats_url)
    try:
        async with channel(running.port) as ch:
            yield ServiceUnderTest(running=running, channel=ch, nc=nc)
    finally:
        await running.stop()
        # The NATS server lives for the whole session: leave no streams of this test behind.
        for kind in ("evt", "in", "dlq"):
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_stream(bus.stream_name(settings.subject_root, kind))
        await nc.close()
