"""A leads service with its pool for tests, and calls as a given rep or admin would make them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from crm.leads.v1 import leads_pb2, leads_pb2_grpc, pool_pb2, pool_pb2_grpc

from common.config import Settings
from common.service import RunningService, start_service
from services.leads.app import DEFINITION
from tests.support.rpc import channel, metadata


def as_rep(rep: str, tenant: str = "acme", roles: str = "sales") -> tuple[tuple[str, str], ...]:
    return metadata(tenant, caller=rep, roles=roles)


def as_admin(tenant: str = "acme") -> tuple[tuple[str, str], ...]:
    return metadata(tenant, caller="boss", roles="admin")


@dataclass(frozen=True)
class PoolWorld:
    running: RunningService
    leads: leads_pb2_grpc.LeadsServiceStub
    pool: pool_pb2_grpc.LeadPoolServiceStub

    async def customers(self, count: int, tenant: str = "acme", *, region: str = "") -> list[str]:
        ids = []
        for _ in range(count):
            created = await self.leads.CreateCustomer(
                leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(name="Lead", region=region)),
                metadata=as_admin(tenant),
            )
            ids.append(created.id)
        return ids

    async def define(self, tenant: str = "acme", **fields: object) -> pool_pb2.Pool:
        # A region keeps the pool out of the intake of new customers without one (services/leads/pool/intake.py),
        # so the leads a test puts into the pool are the ones it added; pass region="" for a default pool.
        values: dict[str, object] = {"name": "华东一组", "claim_limit": 3, "region": "测试区", **fields}
        reply: pool_pb2.Pool = await self.pool.DefinePool(
            pool_pb2.DefinePoolRequest(pool=pool_pb2.Pool(**values)),  # type: ignore[arg-type]
            metadata=as_admin(tenant),
        )
        return reply

    async def pooled(self, pool_id: str, count: int, tenant: str = "acme") -> list[str]:
        ids = await self.customers(count, tenant)
        await self.pool.AddLeads(
            pool_pb2.AddLeadsRequest(pool_id=pool_id, customer_ids=ids), metadata=as_admin(tenant)
        )
        return ids

    async def facts(self, customer_id: str, tenant: str = "acme") -> pool_pb2.LeadFacts:
        reply = await self.pool.BatchGetLeadFacts(
            pool_pb2.BatchGetLeadFactsRequest(customer_ids=[customer_id]), metadata=as_admin(tenant)
        )
        assert len(reply.facts) == 1
        fact: pool_pb2.LeadFacts = reply.facts[0]
        return fact


@contextlib.asynccontextmanager
async def pool_world(settings: Settings) -> AsyncIterator[PoolWorld]:
    running = await start_service(DEFINITION, settings)
    try:
        async with channel(running.port) as ch:
            yield PoolWorld(
                running=running,
                leads=leads_pb2_grpc.LeadsServiceStub(ch),
                pool=pool_pb2_grpc.LeadPoolServiceStub(ch),
            )
    finally:
        await running.stop()


def leads_settings(settings_for: Callable[..., Settings]) -> Settings:
    return settings_for("leads")
