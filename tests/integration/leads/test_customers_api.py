"""The leads service over real gRPC, NATS and the MongoDB stand-in: creating, reading and listing customers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from crm.leads.v1 import leads_pb2, leads_pb2_grpc
from pymongo import AsyncMongoClient

from common.config import Settings
from common.grpc_client import error_metadata, field_violations
from common.ids import new_customer_id
from common.service import start_service
from services.leads.app import DEFINITION
from tests.support import events
from tests.support.rpc import channel, metadata

ACME = metadata("acme")
GLOBEX = metadata("globex")


@pytest.fixture
async def leads(settings_for: Callable[..., Settings]) -> AsyncIterator[leads_pb2_grpc.LeadsServiceStub]:
    running = await start_service(DEFINITION, settings_for("leads"))
    chan = channel(running.port)
    try:
        yield leads_pb2_grpc.LeadsServiceStub(chan)
    finally:
        await chan.close()
        await running.stop()


@pytest.fixture
def db(mongo_client: AsyncMongoClient[dict[str, Any]], namespace: str) -> Any:
    return mongo_client[f"{namespace}_leads"]


async def create(stub: leads_pb2_grpc.LeadsServiceStub, md: Any = ACME, **fields: str) -> leads_pb2.Customer:
    request = leads_pb2.CreateCustomerRequest(customer=leads_pb2.CustomerInput(**fields))
    return await stub.CreateCustomer(request, metadata=md)


async def test_created_customer_is_returned_normalised_and_can_be_read_back(
    leads: leads_pb2_grpc.LeadsServiceStub,
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    created = await create(
        leads,
        name=" 张三 ",
        company="上海某某科技",
        phone="138-0013-8000",
        email="Zhang.San@Example.com",
        wechat_id="zhang_san88",
        source_channel="trade_show",
    )
    assert created.id.startswith("cus_")
    assert created.name == "张三"
    assert created.phone == "+8613800138000"
    assert created.email == "zhang.san@example.com"
    assert created.status == "new"
    assert created.created_at.ToDatetime(tzinfo=UTC) >= before
    assert created.updated_at == created.created_at

    fetched = await leads.GetCustomer(leads_pb2.GetCustomerRequest(id=created.id), metadata=ACME)
    assert fetched == created


@pytest.mark.parametrize(
    ("first", "second", "identity"),
    [
        ({"email": "li@example.com"}, {"email": "LI@example.com"}, "email"),
        ({"phone": "13800138000"}, {"phone": "+86 138 0013 8000"}, "phone"),
        ({"wechat_id": "li_si_2024"}, {"wechat_id": "Li_Si_2024"}, "wechat_id"),
    ],
)
async def test_duplicate_contact_is_already_exists_naming_the_existing_customer(
    leads: leads_pb2_grpc.LeadsServiceStub,
    db: Any,
    first: dict[str, str],
    second: dict[str, str],
    identity: str,
) -> None:
    existing = await create(leads, name="Li Si", **first)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(leads, name="Li Si again", **second)
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert existing.id in (caught.value.details() or "")
    assert error_metadata(caught.value) == {"existing_customer_id": existing.id, "identity": identity}
    assert [f for f, _ in field_violations(caught.value)] == [f"customer.{identity}"]
    assert await db.customers.count_documents({}) == 1


async def test_concurrent_creates_with_the_same_phone_let_exactly_one_succeed(
    leads: leads_pb2_grpc.LeadsServiceStub, db: Any
) -> None:
    attempts = 6
    results = await asyncio.gather(
        *(
            create(leads, name=f"Caller {i}", phone="+86 139 1234 5678", email=f"caller{i}@example.com")
            for i in range(attempts)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, leads_pb2.Customer)]
    losers = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(winners) == 1
    assert len(losers) == attempts - 1
    for err in losers:
        assert err.code() == grpc.StatusCode.ALREADY_EXISTS
        assert error_metadata(err)["existing_customer_id"] == winners[0].id
    assert await db.customers.count_documents({}) == 1
    # The losers released the email keys they had claimed before colliding on the phone.
    assert sorted([d["kind"] async for d in db.identities.find({})]) == ["email", "phone"]


async def test_failed_create_leaves_no_identity_keys_behind(leads: leads_pb2_grpc.LeadsServiceStub) -> None:
    await create(leads, name="Owner", phone="13700137000")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(leads, name="Newcomer", email="new@example.com", phone="13700137000")
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS

    # The email claimed before the phone collided was released, so it is free for a real create.
    newcomer = await create(leads, name="Newcomer", email="new@example.com", phone="13600136000")
    assert newcomer.email == "new@example.com"


async def claim_in_flight(db: Any, phone: str) -> str:
    """Claim `phone` the way a create does before inserting its customer; returns that customer's id."""
    in_flight = new_customer_id()
    await db.identities.insert_one(
        {
            "_id": f"acme|phone|{phone}",
            "tenant_id": "acme",
            "kind": "phone",
            "value": phone,
            "customer_id": in_flight,
            "claimed_at": datetime.now(UTC),
        }
    )
    return in_flight


async def test_create_racing_an_in_flight_create_reports_it_once_its_customer_lands(
    leads: leads_pb2_grpc.LeadsServiceStub, db: Any
) -> None:
    in_flight = await claim_in_flight(db, "+8613200132000")
    racing = asyncio.ensure_future(create(leads, name="Second", phone="13200132000"))
    await asyncio.sleep(0.2)
    assert not racing.done()  # waiting for the other create to finish, not failing on a ghost
    await db.customers.insert_one({"_id": in_flight, "tenant_id": "acme", "name": "First"})
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await racing
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_metadata(caught.value)["existing_customer_id"] == in_flight


async def test_create_racing_an_in_flight_create_that_rolls_back_succeeds(
    leads: leads_pb2_grpc.LeadsServiceStub, db: Any
) -> None:
    await claim_in_flight(db, "+8613100131000")
    racing = asyncio.ensure_future(create(leads, name="Second", phone="13100131000"))
    await asyncio.sleep(0.2)
    await db.identities.delete_one({"_id": "acme|phone|+8613100131000"})
    created = await racing
    assert created.phone == "+8613100131000"


async def test_identity_key_left_by_a_create_that_died_midway_is_taken_over_once_stale(
    leads: leads_pb2_grpc.LeadsServiceStub, db: Any
) -> None:
    # What a process killed between claiming a key and inserting its customer leaves behind.
    ghost = new_customer_id()
    await db.identities.insert_one(
        {
            "_id": "acme|phone|+8613300133000",
            "tenant_id": "acme",
            "kind": "phone",
            "value": "+8613300133000",
            "customer_id": ghost,
            "claimed_at": datetime.now(UTC) - timedelta(minutes=5),
        }
    )
    created = await create(leads, name="Real owner", phone="133 0013 3000")
    holder = await db.identities.find_one({"_id": "acme|phone|+8613300133000"})
    assert holder["customer_id"] == created.id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "customer.name"),
        ({"name": "Zhang", "phone": "call me maybe"}, "customer.phone"),
        ({"name": "Zhang", "email": "zhang@"}, "customer.email"),
        ({"name": "Zhang", "wechat_id": "9lives"}, "customer.wechat_id"),
        ({"name": "Zhang", "company": "c" * 201}, "customer.company"),
    ],
)
async def test_bad_input_is_invalid_argument_naming_the_field_and_stores_nothing(
    leads: leads_pb2_grpc.LeadsServiceStub, db: Any, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await create(leads, **{"phone": "13800138000", **fields})
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(caught.value)] == [field]
    assert await db.customers.count_documents({}) == 0
    assert await db.identities.count_documents({}) == 0


async def test_malformed_id_is_invalid_argument_and_unknown_id_is_not_found(
    leads: leads_pb2_grpc.LeadsServiceStub,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.GetCustomer(leads_pb2.GetCustomerRequest(id="42"), metadata=ACME)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(caught.value)] == ["id"]

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.GetCustomer(leads_pb2.GetCustomerRequest(id=new_customer_id()), metadata=ACME)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_another_tenant_can_neither_see_nor_block_a_customer(
    leads: leads_pb2_grpc.LeadsServiceStub,
) -> None:
    theirs = await create(
        leads, ACME, name="Acme's customer", email="shared@example.com", phone="13500135000"
    )

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.GetCustomer(leads_pb2.GetCustomerRequest(id=theirs.id), metadata=GLOBEX)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    batch = await leads.BatchGetCustomers(
        leads_pb2.BatchGetCustomersRequest(ids=[theirs.id]), metadata=GLOBEX
    )
    assert list(batch.customers) == []
    assert list(batch.missing_ids) == [theirs.id]

    ours = await create(
        leads, GLOBEX, name="Globex's customer", email="shared@example.com", phone="13500135000"
    )
    assert ours.id != theirs.id
    listed = await leads.ListCustomers(leads_pb2.ListCustomersRequest(), metadata=GLOBEX)
    assert [c.id for c in listed.customers] == [ours.id]


async def test_batch_get_returns_customers_in_request_order_and_lists_unknown_ids(
    leads: leads_pb2_grpc.LeadsServiceStub,
) -> None:
    first = await create(leads, name="First")
    second = await create(leads, name="Second")
    unknown = new_customer_id()
    batch = await leads.BatchGetCustomers(
        leads_pb2.BatchGetCustomersRequest(ids=[second.id, unknown, first.id]), metadata=ACME
    )
    assert [c.id for c in batch.customers] == [second.id, first.id]
    assert list(batch.missing_ids) == [unknown]
    assert batch.customers[0] == second


@pytest.mark.parametrize(
    ("ids", "field"),
    [([], "ids"), (["cus_bad"], "ids[0]"), ([new_customer_id() for _ in range(201)], "ids")],
)
async def test_batch_get_with_no_malformed_or_too_many_ids_is_invalid_argument(
    leads: leads_pb2_grpc.LeadsServiceStub, ids: list[str], field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.BatchGetCustomers(leads_pb2.BatchGetCustomersRequest(ids=ids), metadata=ACME)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(caught.value)] == [field]


async def test_list_pages_through_every_customer_newest_first_without_gaps_or_repeats(
    leads: leads_pb2_grpc.LeadsServiceStub,
) -> None:
    created = [(await create(leads, name=f"Customer {i}")).id for i in range(7)]
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = await leads.ListCustomers(
            leads_pb2.ListCustomersRequest(page_size=3, page_token=token), metadata=ACME
        )
        pages += 1
        assert len(page.customers) <= 3
        seen.extend(c.id for c in page.customers)
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert seen == sorted(created, reverse=True)
    assert set(seen) == set(created)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (leads_pb2.ListCustomersRequest(page_token="garbage!"), "page_token"),
        (leads_pb2.ListCustomersRequest(page_token="eyJiZWZvcmUiOiJ4In0"), "page_token"),
        (leads_pb2.ListCustomersRequest(page_size=201), "page_size"),
        (leads_pb2.ListCustomersRequest(page_size=-1), "page_size"),
    ],
)
async def test_list_with_tampered_token_or_bad_page_size_is_invalid_argument(
    leads: leads_pb2_grpc.LeadsServiceStub, request_: leads_pb2.ListCustomersRequest, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await leads.ListCustomers(request_, metadata=ACME)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(caught.value)] == [field]


async def test_customer_created_event_carries_the_profile_and_deduplication_id(
    leads: leads_pb2_grpc.LeadsServiceStub, nats_url: str, namespace: str
) -> None:
    nc = await events.connect(nats_url)
    try:
        collector = await events.subscribe(nc, f"{namespace}.evt.acme.leads.customer_created")
        created = await create(leads, name="王五", phone="13900139000", email="wang@example.com")
        [event] = await collector.wait_for(1)
    finally:
        await nc.close()
    assert event["type"] == "crm.leads.customer_created.v1"
    assert event["subject"] == created.id
    assert event["tenantid"] == "acme"
    assert collector.headers[0]["Nats-Msg-Id"] == event["id"]
    data = event["data"]
    assert data["id"] == created.id
    assert (data["name"], data["phone"], data["email"], data["status"]) == (
        "王五",
        "+8613900139000",
        "wang@example.com",
        "new",
    )
    created_at = datetime.fromisoformat(data["created_at"].replace("Z", "+00:00"))
    assert data["created_at"].endswith("Z")
    assert created_at == created.created_at.ToDatetime(tzinfo=UTC)


async def test_later_pages_hold_only_this_tenants_customers_even_when_created_in_the_same_second(
    leads: leads_pb2_grpc.LeadsServiceStub,
) -> None:
    mine: list[str] = []
    for i in range(5):
        mine.append((await create(leads, name=f"Acme {i}")).id)
        await create(leads, GLOBEX, name=f"Globex {i}")

    seen: list[str] = []
    token = ""
    for _ in range(10):
        page = await leads.ListCustomers(
            leads_pb2.ListCustomersRequest(page_size=2, page_token=token), metadata=ACME
        )
        seen.extend(c.id for c in page.customers)
        token = page.next_page_token
        if not token:
            break

    assert seen == list(reversed(mine))
