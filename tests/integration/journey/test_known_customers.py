"""Touchpoints are recorded only for customers leads has in the tenant (common/customers.py).

An unknown id, or a customer of another tenant, is refused over gRPC with NOT_FOUND naming the field
and dead-lettered on NATS; nothing is recorded and no progress moves. When leads does not answer,
gRPC says UNAVAILABLE and nothing is stored unchecked.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from crm.journey.v1 import journey_pb2_grpc

from common.config import Settings
from common.grpc_client import error_metadata, field_violations
from services.journey.app import DEFINITION
from tests.integration.journey.helpers import Journey, eventually, unknown_customer
from tests.support.events import subscribe
from tests.support.leads import Leads
from tests.support.service import service_under_test


async def assert_not_found(journey: Journey, customer_id: str, *, tenant: str = "acme") -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await journey.record(customer_id, "purchase", minutes=1, tenant=tenant)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert [f for f, _ in field_violations(caught.value)] == ["touchpoint.customer_id"]
    assert error_metadata(caught.value) == {"customer_id": customer_id}
    assert list((await journey.timeline(customer_id, tenant=tenant)).touchpoints) == []
    [progress] = await journey.progress(customer_id, tenant=tenant)
    assert progress.current_stage == ""


async def test_a_touchpoint_for_a_customer_leads_never_created_is_not_found(journey: Journey) -> None:
    await assert_not_found(journey, unknown_customer())


async def test_a_touchpoint_for_a_customer_of_another_tenant_is_not_found(journey: Journey) -> None:
    theirs = await journey.customer("globex")
    await assert_not_found(journey, theirs, tenant="acme")
    assert (await journey.record(theirs, "purchase", minutes=1, tenant="globex")).stage_changed


async def test_unknown_customers_on_nats_are_dead_lettered_and_record_nothing(journey: Journey) -> None:
    dlq = await subscribe(journey.nc, f"{journey.namespace}.dlq.journey")
    buyer, stranger, theirs = await journey.customer(), unknown_customer(), await journey.customer("globex")
    await journey.publish_touchpoints(
        {"items": [{"customer_id": buyer, "type": "inquiry"}, {"customer_id": stranger, "type": "inquiry"}]}
    )
    await journey.publish_touchpoints({"customer_id": theirs, "type": "purchase"})
    await journey.publish_touchpoints({"customer_id": buyer, "type": "purchase", "id": "good"})

    first, second = await dlq.wait_for(2)
    assert [first["deliveries"], second["deliveries"]] == [1, 1]  # not retried: it will not get better
    assert first["error"].startswith("NotFound:") and "items[1].customer_id" in first["error"]
    assert second["error"].startswith("NotFound:") and theirs in second["error"]

    async def recorded() -> bool:
        return len((await journey.timeline(buyer)).touchpoints) == 1

    await eventually(recorded)
    assert [t.id for t in (await journey.timeline(buyer)).touchpoints] == ["good"]
    assert list((await journey.timeline(stranger)).touchpoints) == []
    assert list((await journey.timeline(theirs, tenant="acme")).touchpoints) == []
    assert list((await journey.timeline(theirs, tenant="globex")).touchpoints) == []


async def test_when_leads_does_not_answer_a_touchpoint_is_unavailable_and_not_recorded(
    settings_for: Callable[..., Settings], nats_url: str, namespace: str, leads: Leads
) -> None:
    settings = settings_for("journey", peers={"leads": "127.0.0.1:1"})
    async with service_under_test(DEFINITION, settings, nats_url=nats_url) as svc:
        journey = Journey(
            stub=journey_pb2_grpc.JourneyServiceStub(svc.channel),
            nc=svc.nc,
            js=svc.nc.jetstream(),
            namespace=namespace,
            leads=leads,
        )
        buyer = await journey.customer()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await journey.record(buyer, "purchase", minutes=1)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert list((await journey.timeline(buyer)).touchpoints) == []
