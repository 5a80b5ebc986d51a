"""A JetStream context with the test's three streams, and a database for consumers' records."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from common import bus
from tests.support.events import connect


@pytest.fixture
async def js(nats_url: str, namespace: str) -> AsyncIterator[tuple[NATS, JetStreamContext]]:
    nc = await connect(nats_url)
    jsc = nc.jetstream()
    await bus.ensure_streams(jsc, root=namespace)
    try:
        yield nc, jsc
    finally:
        for kind in ("evt", "in", "dlq"):
            with contextlib.suppress(Exception):
                await jsc.delete_stream(bus.stream_name(namespace, kind))
        await nc.close()


@pytest.fixture
def db(mongo_client: AsyncMongoClient[dict[str, Any]], namespace: str) -> AsyncDatabase[dict[str, Any]]:
    return mongo_client[f"{namespace}_test"]
