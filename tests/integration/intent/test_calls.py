"""The call list over gRPC: leads' owner and journey's contacts projected from NATS, manager-only lists,
tenants apart, and a contact older than the surge leaving the customer on the list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from crm.intent.v1 import intent_pb2
from crm.leads.v1 import leads_pb2

from common import bus, cloudevents
from common.timeutil import iso_utc, to_timestamp
from tests.integration.intent.helpers import Intent, eventually, signal
from tests.support.rpc import metadata


async def owned_customer(intent: Intent, owner: str, *, tenant: str = "acme", region: str = "") -> str:
    request = leads_pb2.CreateCustomerRequest(
        customer=leads_pb2.CustomerInput(name="Call Me", owner_id=owner, region=region)
    )
    created = await intent.leads.stub.CreateCustomer(request, metadata=metadata(tenant))
    # The session's leads publishes under its own root: announce the customer here as leads does.
    data = {
        "id": created.id,
        "name": created.name,
        "owner_id": owner,
        "region": region,
        "industry": "",
        "company_size": "",
        "status": "new",
        "created_at": iso_utc(created.created_at.ToDatetime(UTC)),
        "updated_at": iso_utc(created.updated_at.ToDatetime(UTC)),
    }
    event = cloudevents.make_event(
        type="crm.leads.customer_created.v1", source="crm/leads", tenant=tenant, data=data, subject=created.id
    )
    await bus.publish_event(intent.js, f"{intent.namespace}.evt.{tenant}.leads.customer_created", event)
    return str(created.id)


async def call_list(
    intent: Intent, *, caller: str, roles: str = "sales", tenant: str = "acme", **kw: Any
) -> Any:
    request = intent_pb2.ListCallListRequest(**kw)
    return await intent.stub.ListCallList(request, metadata=metadata(tenant, caller=caller, roles=roles))


async def surging(intent: Intent, customer_id: str, *, tenant: str = "acme") -> None:
    now = datetime.now(UTC)
    views = [
        signal(customer_id, "pricing_page_view", occurred_at=to_timestamp(now - timedelta(hours=h)))
        for h in (1, 2, 3)
    ]
    await intent.ingest(*views, tenant=tenant)


async def touchpoint(
    intent: Intent, customer_id: str, kind: str, at: datetime, *, tenant: str = "acme"
) -> None:
    """journey's `touchpoint_recorded`, as the journey service publishes it."""
    data = {
        "id": f"tp-{kind}-{at.timestamp()}",
        "customer_id": customer_id,
        "type": kind,
        "occurred_at": iso_utc(at),
    }
    event = cloudevents.make_event(
        type="crm.journey.touchpoint_recorded.v1",
        source="crm/journey",
        tenant=tenant,
        data=data,
        subject=customer_id,
    )
    await bus.publish_event(intent.js, f"{intent.namespace}.evt.{tenant}.journey.touchpoint_recorded", event)


async def ids_on_list(intent: Intent, caller: str, **kw: Any) -> list[str]:
    return [e.customer_id for e in (await call_list(intent, caller=caller, **kw)).entries]


async def test_owner_comes_from_leads_and_a_rep_sees_only_their_own_open_customers(intent: Intent) -> None:
    mine = await owned_customer(intent, "rep-1")
    theirs = await owned_customer(intent, "rep-2")
    globex = await owned_customer(intent, "rep-1", tenant="globex")
    for cid, tenant in ((mine, "acme"), (theirs, "acme"), (globex, "globex")):
        await surging(intent, cid, tenant=tenant)

    async def listed() -> bool:
        return bool(await ids_on_list(intent, "rep-1"))

    await eventually(listed)
    assert await ids_on_list(intent, "rep-1") == [mine]
    reply = await call_list(intent, caller="rep-1")
    [entry] = reply.entries
    assert entry.owner_id == "rep-1" and entry.reason == "3× 定价页 in 2 days; usually 0"
    assert entry.surge.open and entry.rank > entry.score
    assert reply.as_of.seconds > 0 and not reply.candidates_truncated
    assert await ids_on_list(intent, "rep-1", tenant="globex") == [globex]
    team = await ids_on_list(intent, "boss", roles="admin", owner_ids=["rep-1", "rep-2"])
    assert sorted(team) == sorted([mine, theirs])
    assert sorted(await ids_on_list(intent, "boss", roles="admin", all_owners=True)) == sorted([mine, theirs])

    for kw in ({"owner_ids": ["rep-2"]}, {"all_owners": True}):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call_list(intent, caller="rep-1", **kw)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await call_list(intent, caller="rep-1", page_token="bm90LWEtY3Vyc29y")
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_only_a_contact_after_the_surge_of_a_contact_type_closes_it(intent: Intent) -> None:
    cid = await owned_customer(intent, "rep-3")
    await surging(intent, cid)

    async def on_list() -> bool:
        return cid in await ids_on_list(intent, "rep-3")

    await eventually(on_list)
    now = datetime.now(UTC)
    # A call a day ago (before the surge) and an e-mail open now do not answer the surge.
    await touchpoint(intent, cid, "call", now - timedelta(days=1))
    await touchpoint(intent, cid, "email_open", now)
    await touchpoint(intent, cid, "visit", now - timedelta(hours=5))  # also before the surge (now)
    marker = await owned_customer(intent, "rep-3")
    await surging(intent, marker)
    await touchpoint(intent, marker, "call", now + timedelta(seconds=1))  # processed after the three above

    async def marker_gone() -> bool:
        return marker not in await ids_on_list(intent, "rep-3")

    await eventually(marker_gone)
    assert cid in await ids_on_list(intent, "rep-3")
    await touchpoint(intent, cid, "call", datetime.now(UTC) + timedelta(seconds=1))

    async def gone() -> bool:
        return cid not in await ids_on_list(intent, "rep-3")

    await eventually(gone)
    score = await intent.score(cid)
    assert score.surge.reason == "3× 定价页 in 2 days; usually 0" and not score.surge.open
