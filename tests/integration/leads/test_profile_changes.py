"""Issue 11 profiles over real gRPC, NATS and the stand-in: partial updates with history, the status
lifecycle by people and by journey's events, merges, and exact channel analytics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from crm.leads.v1 import leads_pb2 as L
from crm.leads.v1 import leads_pb2_grpc
from google.protobuf.field_mask_pb2 import FieldMask

from common import cloudevents
from common.bus import publish_event
from common.config import Settings
from common.grpc_client import error_metadata
from common.service import start_service
from services.leads.app import DEFINITION
from tests.support import events
from tests.support.rpc import channel, metadata

ACME = metadata("acme", caller="rep-li", roles="sales")
ADMIN = metadata("acme", caller="boss", roles="admin")
GLOBEX = metadata("globex")
Stub = leads_pb2_grpc.LeadsServiceStub


@pytest.fixture
async def leads(settings_for: Callable[..., Settings]) -> AsyncIterator[Stub]:
    running = await start_service(DEFINITION, settings_for("leads"))
    chan = channel(running.port)
    try:
        yield Stub(chan)
    finally:
        await chan.close()
        await running.stop()


async def create(stub: Stub, md: Any = ACME, **fields: str) -> L.Customer:
    fields.setdefault("name", "客户")
    return await stub.CreateCustomer(L.CreateCustomerRequest(customer=L.CustomerInput(**fields)), metadata=md)


async def update(stub: Stub, cid: str, md: Any = ACME, **fields: str) -> L.Customer:
    request = L.UpdateCustomerRequest(
        id=cid, customer=L.CustomerInput(**fields), update_mask=FieldMask(paths=list(fields))
    )
    return await stub.UpdateCustomer(request, metadata=md)


async def test_partial_update_changes_only_named_fields_and_records_who_changed_what(
    leads: Stub, nats_url: str, namespace: str
) -> None:
    nc = await events.connect(nats_url)
    try:
        updated_events = await events.subscribe(nc, f"{namespace}.evt.acme.leads.customer_updated")
        created = await create(leads, name="张三", company="旧公司", phone="13800138000", region="上海")
        updated = await update(leads, created.id, company="新公司", title="采购经理")
        assert (updated.company, updated.title, updated.phone, updated.region) == (
            "新公司", "采购经理", "+8613800138000", "上海"
        )  # fmt: skip
        again = await leads.GetCustomer(L.GetCustomerRequest(id=created.id), metadata=ACME)
        assert again.company == "新公司" and again.name == "张三"

        history = await leads.ListProfileHistory(L.ListProfileHistoryRequest(id=created.id), metadata=ACME)
        [entry] = history.entries
        assert entry.actor == "rep-li"
        assert {(c.field, c.old_value, c.new_value) for c in entry.changes} == {
            ("company", "旧公司", "新公司"), ("title", "", "采购经理")
        }  # fmt: skip

        [event] = await updated_events.wait_for(1)
        data = event["data"]
        assert data["id"] == created.id and data["company"] == "新公司" and data["region"] == "上海"
        assert sorted(data["changed_fields"]) == ["company", "title"]
        assert set(data) >= {"id", "name", "owner_id", "status", "created_at", "updated_at", "industry"}
    finally:
        await nc.close()


async def test_taking_another_customers_phone_is_conflict_naming_it_and_changes_nothing(leads: Stub) -> None:
    other = await create(leads, name="李四", phone="13900139000")
    mine = await create(leads, name="王五", phone="13700137000")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await update(leads, mine.id, phone="139 0013 9000", company="X")
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_metadata(caught.value)["existing_customer_id"] == other.id
    still = await leads.GetCustomer(L.GetCustomerRequest(id=mine.id), metadata=ACME)
    assert still.phone == "+8613700137000" and still.company == ""

    # Changing my phone frees the old one for someone else.
    await update(leads, mine.id, phone="13600136000")
    third = await create(leads, name="赵六", phone="13700137000")
    assert third.id != mine.id


async def test_bad_updates_are_invalid_argument_and_change_nothing(leads: Stub) -> None:
    created = await create(leads, name="张三", email="a@example.com")
    for fields in ({"email": "not-an-email"}, {"name": ""}, {"owner_id": "rep-x"}):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await update(leads, created.id, **fields)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    empty = L.UpdateCustomerRequest(id=created.id, customer=L.CustomerInput(name="x"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.UpdateCustomer(empty, metadata=ACME)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    still = await leads.GetCustomer(L.GetCustomerRequest(id=created.id), metadata=ACME)
    assert (still.name, still.email, still.owner_id) == ("张三", "a@example.com", "")
    history = await leads.ListProfileHistory(L.ListProfileHistoryRequest(id=created.id), metadata=ACME)
    assert list(history.entries) == []


async def test_other_tenants_can_neither_update_nor_read_history(leads: Stub) -> None:
    created = await create(leads, name="张三")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await update(leads, created.id, GLOBEX, company="hijack")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.ListProfileHistory(L.ListProfileHistoryRequest(id=created.id), metadata=GLOBEX)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_status_follows_the_lifecycle_and_refuses_forbidden_moves(leads: Stub) -> None:
    created = await create(leads)

    async def move(status: str) -> L.Customer:
        request = L.SetCustomerStatusRequest(id=created.id, status=status, reason="called")
        return await leads.SetCustomerStatus(request, metadata=ACME)

    assert (await move("contacted")).status == "contacted"
    assert (await move("opportunity")).status == "opportunity"
    for bad in ("new", "invalid", "bogus"):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await move(bad)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await move("won")).status == "won"
    with pytest.raises(grpc.aio.AioRpcError):
        await move("lost")
    history = await leads.ListProfileHistory(L.ListProfileHistoryRequest(id=created.id), metadata=ACME)
    moves = [(c.old_value, c.new_value) for e in reversed(history.entries) for c in e.changes]
    assert moves == [("new", "contacted"), ("contacted", "opportunity"), ("opportunity", "won")]


async def test_merge_moves_contacts_keeps_history_and_announces_it(
    leads: Stub, nats_url: str, namespace: str
) -> None:
    nc = await events.connect(nats_url)
    try:
        merged_events = await events.subscribe(nc, f"{namespace}.evt.acme.leads.customers_merged")
        survivor = await create(leads, name="张三", phone="13800138000")
        duplicate = await create(leads, name="张三 (微信)", wechat_id="zhang_san88", company="某某科技")
        await update(leads, duplicate.id, title="经理")
        with pytest.raises(grpc.aio.AioRpcError) as caught:  # a rep may not merge
            await leads.MergeCustomers(
                L.MergeCustomersRequest(survivor_id=survivor.id, duplicate_id=duplicate.id), metadata=ACME
            )
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED

        request = L.MergeCustomersRequest(survivor_id=survivor.id, duplicate_id=duplicate.id)
        merged = await leads.MergeCustomers(request, metadata=ADMIN)
        assert merged.id == survivor.id and list(merged.merged_ids) == [duplicate.id]
        assert merged.company == "某某科技" and merged.name == "张三"  # gaps filled, own values kept
        assert (await leads.MergeCustomers(request, metadata=ADMIN)).merged_ids == [duplicate.id]  # retry

        gone = await leads.GetCustomer(L.GetCustomerRequest(id=duplicate.id), metadata=ACME)
        assert gone.merged_into == survivor.id
        # The duplicate's WeChat id now resolves to the survivor.
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await create(leads, name="又一个", wechat_id="Zhang_San88")
        assert error_metadata(caught.value)["existing_customer_id"] == survivor.id
        # Its history is kept, on both.
        history = await leads.ListProfileHistory(L.ListProfileHistoryRequest(id=survivor.id), metadata=ACME)
        assert any(
            e.merged_from == duplicate.id and [c.field for c in e.changes] == ["title"]
            for e in history.entries
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await update(leads, duplicate.id, company="late")
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION

        [event] = await merged_events.wait_for(1)
        assert event["data"] == {"survivor_id": survivor.id, "merged_id": duplicate.id, "actor": "boss"}
        await asyncio.sleep(0.3)
        assert len(merged_events.events) == 1
    finally:
        await nc.close()


async def journey_event(nc: Any, namespace: str, kind: str, data: dict[str, Any]) -> None:
    envelope = cloudevents.make_event(
        type=f"crm.journey.{kind}.v1", source="crm/journey", tenant="acme", data=data,
        subject=data["customer_id"],
    )  # fmt: skip
    await publish_event(nc.jetstream(), f"{namespace}.evt.acme.journey.{kind}", envelope)


async def wait_status(leads: Stub, cid: str, status: str) -> None:
    for _ in range(300):  # 15 s: the consumer runs on a loaded box
        if (await leads.GetCustomer(L.GetCustomerRequest(id=cid), metadata=ACME)).status == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{cid} never became {status}")


def deal(cid: str, deal_id: str, minor: int) -> dict[str, Any]:
    return {"deal_id": deal_id, "customer_id": cid, "amount": f"{minor / 100:.2f}", "currency": "CNY",
            "amount_minor": minor, "status": "signed"}  # fmt: skip


async def test_channel_analytics_are_exact_for_known_leads_deals_and_costs(
    leads: Stub, nats_url: str, namespace: str
) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    nc = await events.connect(nats_url)
    try:
        show = [await create(leads, name=f"展会{i}", source_channel="trade_show") for i in range(4)]
        web = [await create(leads, name=f"官网{i}", source_channel="website") for i in range(5)]
        # trade_show: 3 contacted (one by a call touchpoint), 2 opportunities, 1 won by a signed deal
        # of 120,000.00 that is then paid 120,000.00 (counted once), 1 won by a paid deal of 30,000.50.
        await journey_event(
            nc,
            namespace,
            "touchpoint_recorded",
            {"customer_id": show[0].id, "type": "call", "occurred_at": "2026-01-01T00:00:00Z"},
        )
        await wait_status(leads, show[0].id, "contacted")
        for c in show[1:3]:
            await leads.SetCustomerStatus(
                L.SetCustomerStatusRequest(id=c.id, status="opportunity"), metadata=ACME
            )
        await journey_event(nc, namespace, "deal_signed", deal(show[1].id, "deal_a", 12_000_000))
        await journey_event(nc, namespace, "deal_paid", deal(show[1].id, "deal_a", 12_000_000))
        await journey_event(nc, namespace, "deal_paid", deal(show[2].id, "deal_b", 3_000_050))
        await wait_status(leads, show[1].id, "won")
        await wait_status(leads, show[2].id, "won")
        # website: 1 contacted then lost, nothing won.
        await leads.SetCustomerStatus(
            L.SetCustomerStatusRequest(id=web[0].id, status="contacted"), metadata=ACME
        )
        await leads.SetCustomerStatus(L.SetCustomerStatusRequest(id=web[0].id, status="lost"), metadata=ACME)
        # The touchpoint of a non-contact kind changes nothing.
        await journey_event(
            nc,
            namespace,
            "touchpoint_recorded",
            {"customer_id": web[1].id, "type": "page_view", "occurred_at": "2026-01-01T00:00:00Z"},
        )
    finally:
        await nc.close()
    for channel_name, amount in (
        ("trade_show", "50000.00"),
        ("website", "1000.00"),
        ("wechat_ads", "300.00"),
    ):
        cost = L.SetChannelCostRequest(channel=channel_name, period=month, amount=amount, currency="CNY")
        await leads.SetChannelCost(cost, metadata=ADMIN)
    await leads.SetChannelCost(L.SetChannelCostRequest(channel="website", period=month, amount="1500.00"),
                               metadata=ADMIN)  # replaces  # fmt: skip
    for bad in ("-1", "abc", "1.001"):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await leads.SetChannelCost(L.SetChannelCostRequest(channel="website", period=month, amount=bad),
                                       metadata=ADMIN)  # fmt: skip
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.SetChannelCost(
            L.SetChannelCostRequest(channel="x", period=month, amount="1"), metadata=ACME
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED

    report = await leads.GetChannelAnalytics(L.GetChannelAnalyticsRequest(from_period=month, to_period=month),
                                             metadata=ACME)  # fmt: skip
    rows = {r.channel: r for r in report.channels}
    assert sorted(rows) == ["trade_show", "website", "wechat_ads"]
    t = rows["trade_show"]
    assert (t.leads, t.contacted, t.opportunities, t.won) == (4, 3, 2, 2)
    assert (t.contact_rate, t.opportunity_rate, t.win_rate) == (0.75, 0.5, 0.5)
    assert (t.revenue, t.cost, t.cost_per_lead, t.cost_per_won) == (
        "150000.50",
        "50000.00",
        "12500.00",
        "25000.00",
    )
    assert t.has_roi and t.roi == pytest.approx((15_000_050 - 5_000_000) / 5_000_000, abs=0)
    w = rows["website"]
    assert (w.leads, w.contacted, w.opportunities, w.won, w.revenue, w.cost) == (
        5,
        1,
        0,
        0,
        "0.00",
        "1500.00",
    )
    assert (w.cost_per_lead, w.cost_per_won, w.roi) == ("300.00", "", -1.0)
    a = rows["wechat_ads"]
    assert (a.leads, a.cost, a.cost_per_lead, a.roi) == (0, "300.00", "", -1.0)
    total = report.total
    assert (total.leads, total.won, total.revenue, total.cost) == (9, 2, "150000.50", "51800.00")
    # Another tenant sees none of it.
    theirs = await leads.GetChannelAnalytics(L.GetChannelAnalyticsRequest(from_period=month, to_period=month),
                                             metadata=GLOBEX)  # fmt: skip
    assert list(theirs.channels) == [] and theirs.total.leads == 0
