"""A released lead's reason becomes its `lead.lost_reason` tag in the tags service (real NATS)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from crm.leads.v1 import pool_pb2
from crm.tags.v1 import tags_pb2, tags_pb2_grpc

from common.config import Settings
from common.service import start_service
from services.tags.app import DEFINITION as TAGS
from tests.integration.leads.pool_helpers import as_rep, pool_world
from tests.support.rpc import channel, metadata


async def test_a_released_leads_reason_is_its_lost_reason_tag_and_a_later_release_replaces_it(
    settings_for: Callable[..., Settings],
) -> None:
    async with pool_world(settings_for("leads")) as world:
        address = f"127.0.0.1:{world.running.port}"
        tags = await start_service(TAGS, settings_for("tags", peers={"leads": address}))
        try:
            async with channel(tags.port) as ch:
                stub = tags_pb2_grpc.TagsServiceStub(ch)
                pool = await world.define(cooldown_hours=0)
                (lead,) = await world.pooled(pool.id, 1)

                async def lost_reason() -> str:
                    reply = await stub.ListCustomerTags(
                        tags_pb2.ListCustomerTagsRequest(customer_id=lead), metadata=metadata()
                    )
                    return next((t.value for t in reply.tags if t.tag_key == "lead.lost_reason"), "")

                async def wait_for(value: str) -> None:
                    deadline = time.monotonic() + 20
                    while await lost_reason() != value:
                        assert time.monotonic() < deadline, f"lead.lost_reason never became {value}"
                        await asyncio.sleep(0.2)

                for reason in ("选择竞品", "预算不足"):
                    await world.pool.ClaimLead(
                        pool_pb2.ClaimLeadRequest(customer_id=lead, pool_id=pool.id), metadata=as_rep("li")
                    )
                    await world.pool.ReleaseLead(
                        pool_pb2.ReleaseLeadRequest(customer_id=lead, reason=reason), metadata=as_rep("li")
                    )
                    await wait_for(reason)

                other = await stub.ListCustomerTags(
                    tags_pb2.ListCustomerTagsRequest(customer_id=lead), metadata=metadata("globex")
                )
                assert list(other.tags) == []
        finally:
            await tags.stop()
