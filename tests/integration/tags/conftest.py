"""A running tags service per test, called over a real gRPC channel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from crm.tags.v1 import tags_pb2_grpc

from common.config import Settings
from common.service import RunningService, start_service
from services.tags.app import DEFINITION
from tests.support.leads import Leads
from tests.support.rpc import channel


@dataclass
class TagsClient:
    """The running service and a stub bound to it."""

    running: RunningService
    stub: tags_pb2_grpc.TagsServiceStub
    # Facts are only stored for customers leads has (common/customers.py): create them here.
    leads: Leads

    async def customer(self, tenant: str = "acme") -> str:
        """A real customer of `tenant`, created through leads."""
        return await self.leads.customer(tenant)


@pytest.fixture
async def tags(settings_for: Callable[..., Settings], leads: Leads) -> AsyncIterator[TagsClient]:
    running = await start_service(DEFINITION, settings_for("tags"))
    try:
        async with channel(running.port) as ch:
            yield TagsClient(running=running, stub=tags_pb2_grpc.TagsServiceStub(ch), leads=leads)
    finally:
        await running.stop()
