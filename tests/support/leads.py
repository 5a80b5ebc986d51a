"""A leads service for tests of the services that only store facts about customers leads has.

Tags, journey and intent refuse signals, touchpoints, assignments and conversations for a customer
id leads does not have in the tenant (common/customers.py). Their tests therefore create real
customers, through leads' own `CreateCustomer` RPC, exactly as a partner would before sending facts.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from crm.leads.v1 import leads_pb2, leads_pb2_grpc

from common.config import Settings
from common.service import start_service
from services.leads.app import DEFINITION
from tests.support.rpc import channel, metadata


@dataclass(frozen=True)
class Leads:
    """A running leads service: its address (for `peers`) and a way to create customers in it."""

    address: str
    stub: leads_pb2_grpc.LeadsServiceStub

    @property
    def peers(self) -> dict[str, str]:
        """The `Settings.peers` a service under test needs to check customers against this leads."""
        return {"leads": self.address}

    async def customer(self, tenant: str = "acme", *, name: str = "Test Customer") -> str:
        """The id of a new customer of `tenant`, created through leads as a partner would."""
        request = leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name=name))
        created: leads_pb2.Customer = await self.stub.CreateCustomer(request, metadata=metadata(tenant))
        return created.id

    async def customers(self, count: int, tenant: str = "acme") -> list[str]:
        return [await self.customer(tenant) for _ in range(count)]


@contextlib.asynccontextmanager
async def running_leads(settings: Settings) -> AsyncIterator[Leads]:
    """Leads on a free port with `settings` until the block ends."""
    running = await start_service(DEFINITION, settings)
    try:
        async with channel(running.port) as ch:
            yield Leads(address=f"127.0.0.1:{running.port}", stub=leads_pb2_grpc.LeadsServiceStub(ch))
    finally:
        await running.stop()
