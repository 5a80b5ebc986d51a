"""The bus is locked down: a real nats-server running the production config (root `crm`).

A partner of tenant acme can write acme's ingest and read acme's events from its durable consumer,
and nothing else: not globex's events (JetStream, core subscribe, `_INBOX.>`, direct get, a consumer
of its own), not forged domain events, not globex's ingest. A service publishes only its own events.
Every refusal is asserted as the client sees it: a permissions violation on the error callback and,
for JetStream publishes and requests, no acknowledgement.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig

from common import bus, nats_auth
from common.local_servers import start_nats

ROOT = "crm"
EVT = bus.stream_name(ROOT, "evt")
IN = bus.stream_name(ROOT, "in")


class Client:
    """A NATS connection that keeps what the server refused (its error callback)."""

    def __init__(self) -> None:
        self.nc = NATS()
        self.errors: list[str] = []

    async def on_error(self, err: Exception) -> None:
        self.errors.append(str(err))

    async def violation(self, fragment: str, *, within: float = 5.0) -> str:
        """Wait until the server reported a permissions violation mentioning `fragment`.

        nats-py lower-cases the server's message, so the comparison ignores case.
        """
        async with asyncio.timeout(within):
            while True:
                for error in self.errors:
                    if "permissions violation" in error.lower() and fragment.lower() in error.lower():
                        return error
                await asyncio.sleep(0.02)


Login = Callable[[str], Awaitable["Client"]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, nats_auth.Credentials]]:
    credentials = nats_auth.generate(partners=["acme", "globex"])
    directory: Path = tmp_path_factory.mktemp("nats-prod-model")
    running = start_nats(
        directory / "store", authorization=nats_auth.render_authorization(credentials.users(root=ROOT))
    )
    try:
        yield running.url, credentials
    finally:
        running.stop()


@pytest.fixture
async def login(server: tuple[str, nats_auth.Credentials]) -> AsyncIterator[Login]:
    """`await login(user)`: a connected Client as `user`, the way a partner is told to connect."""
    url, credentials = server
    opened: list[Client] = []

    async def connect(user: str) -> Client:
        client = Client()
        await client.nc.connect(
            url,
            user=user,
            password=credentials.password(user),
            inbox_prefix=nats_auth.inbox_prefix(user),
            error_cb=client.on_error,
            max_reconnect_attempts=0,
        )
        opened.append(client)
        return client

    try:
        yield connect
    finally:
        for client in opened:
            await client.nc.close()


@pytest.fixture
async def platform(login: Login) -> AsyncIterator[Client]:
    """Streams, both partners' durables, and one event per tenant published by the tags service."""
    admin: Client = await login(nats_auth.ADMIN)
    js = admin.nc.jetstream()
    for kind in ("evt", "in", "dlq"):  # a fresh bus per test
        with contextlib.suppress(NatsError):
            await js.delete_stream(bus.stream_name(ROOT, kind))
    await bus.ensure_streams(js, root=ROOT)
    for tenant in ("acme", "globex"):
        await nats_auth.ensure_partner_consumer(js, root=ROOT, tenant=tenant)
    tags: Client = await login("tags")
    publisher = bus.EventPublisher(tags.nc.jetstream(), root=ROOT, service="tags")
    for tenant in ("acme", "globex"):
        await publisher.publish(tenant=tenant, event="assigned", data={"secret": f"{tenant}-only"})
    yield admin


async def _events_seen(client: Client, durable: str) -> list[dict[str, object]]:
    sub = await client.nc.jetstream().pull_subscribe_bind(durable=durable, stream=EVT)
    msgs = await sub.fetch(10, timeout=2)
    for msg in msgs:
        await msg.ack()
    return [json.loads(m.data) for m in msgs]


async def test_partner_reads_its_own_tenants_events_from_its_durable(platform: Client, login: Login) -> None:
    acme: Client = await login("partner-acme")
    # The usual nats-py call works too: pull_subscribe on the existing durable only INFOs it.
    sub = await acme.nc.jetstream().pull_subscribe(f"{ROOT}.evt.acme.>", durable="partner-acme", stream=EVT)
    msgs = await sub.fetch(10, timeout=2)
    for msg in msgs:
        await msg.ack()
    assert [json.loads(m.data)["tenantid"] for m in msgs] == ["acme"]
    assert acme.errors == []


async def test_partner_cannot_read_another_tenants_durable(platform: Client, login: Login) -> None:
    acme: Client = await login("partner-acme")
    sub = await acme.nc.jetstream().pull_subscribe_bind(durable="partner-globex", stream=EVT)
    with pytest.raises((NatsTimeout, TimeoutError)):
        await sub.fetch(1, timeout=1)
    await acme.violation(f"$JS.API.CONSUMER.MSG.NEXT.{EVT}.partner-globex")
    # globex's event is still there for globex: acme's attempt consumed nothing.
    globex: Client = await login("partner-globex")
    assert [e["data"] for e in await _events_seen(globex, "partner-globex")] == [{"secret": "globex-only"}]


async def test_partner_cannot_create_a_consumer_on_another_tenant(platform: Client, login: Login) -> None:
    acme: Client = await login("partner-acme")
    config = ConsumerConfig(name="sneaky", durable_name="sneaky", filter_subject=f"{ROOT}.evt.globex.>")
    with pytest.raises((NatsTimeout, TimeoutError)):
        await acme.nc.jetstream().add_consumer(EVT, config, timeout=1)
    await acme.violation(f"$JS.API.CONSUMER.CREATE.{EVT}.sneaky")
    names = [c.name for c in await platform.nc.jetstream().consumers_info(EVT)]
    assert "sneaky" not in names


async def test_partner_cannot_read_messages_by_sequence(platform: Client, login: Login) -> None:
    acme: Client = await login("partner-acme")
    js = acme.nc.jetstream()
    with pytest.raises((NatsTimeout, TimeoutError)):
        await js.get_msg(EVT, seq=2, direct=True)
    await acme.violation(f"$JS.API.DIRECT.GET.{EVT}")
    with pytest.raises((NatsTimeout, TimeoutError)):
        await js.get_msg(EVT, seq=2)
    await acme.violation(f"$JS.API.STREAM.MSG.GET.{EVT}")


async def test_partner_cannot_subscribe_to_events_or_other_inboxes(platform: Client, login: Login) -> None:
    acme: Client = await login("partner-acme")
    seen: list[str] = []

    async def record(msg: nats.aio.msg.Msg) -> None:
        seen.append(msg.subject)

    await acme.nc.subscribe(f"{ROOT}.evt.globex.>", cb=record)
    await acme.nc.subscribe("_INBOX.>", cb=record)
    await acme.nc.subscribe(f"{ROOT}.evt.>", cb=record)
    await acme.nc.flush()
    await acme.violation(f'Subscription to "{ROOT}.evt.globex.>"')
    await acme.violation('Subscription to "_INBOX.>"')
    # globex reads its events (deliveries and API replies cross the inbox space) while acme listens.
    globex: Client = await login("partner-globex")
    assert len(await _events_seen(globex, "partner-globex")) == 1
    tags: Client = await login("tags")
    await bus.EventPublisher(tags.nc.jetstream(), root=ROOT, service="tags").publish(
        tenant="globex", event="assigned", data={"secret": "live"}
    )
    await asyncio.sleep(0.3)
    assert seen == []


async def test_partner_cannot_forge_domain_events(platform: Client, login: Login) -> None:
    acme: Client = await login("partner-acme")
    with pytest.raises((NatsTimeout, TimeoutError)):
        await acme.nc.jetstream().publish(f"{ROOT}.evt.acme.tags.assigned", b"{}", timeout=1)
    await acme.violation(f'Publish to "{ROOT}.evt.acme.tags.assigned"')
    info = await platform.nc.jetstream().stream_info(EVT)
    assert info.state.messages == 2  # only the two the tags service published


async def test_partner_writes_only_its_own_tenants_ingest(platform: Client, login: Login) -> None:
    acme: Client = await login("partner-acme")
    js = acme.nc.jetstream()
    ack = await js.publish(f"{ROOT}.in.acme.signals", b'{"ok": true}', timeout=2)
    assert ack.stream == IN
    with pytest.raises((NatsTimeout, TimeoutError)):
        await js.publish(f"{ROOT}.in.globex.signals", b"{}", timeout=1)
    await acme.violation(f'Publish to "{ROOT}.in.globex.signals"')
    info = await platform.nc.jetstream().stream_info(IN)
    assert info.state.messages == 1


async def test_service_publishes_only_its_own_events(platform: Client, login: Login) -> None:
    tags: Client = await login("tags")
    js = tags.nc.jetstream()
    ack = await js.publish(f"{ROOT}.evt.acme.tags.assigned", b"{}", timeout=2)
    assert ack.stream == EVT
    with pytest.raises((NatsTimeout, TimeoutError)):
        await js.publish(f"{ROOT}.evt.acme.journey.stage_reached", b"{}", timeout=1)
    await tags.violation(f'Publish to "{ROOT}.evt.acme.journey.stage_reached"')
    with pytest.raises((NatsTimeout, TimeoutError)):
        await js.publish(f"{ROOT}.dlq.intent", b"{}", timeout=1)
    await tags.violation(f'Publish to "{ROOT}.dlq.intent"')


async def test_gateway_only_listens(platform: Client, login: Login) -> None:
    gateway: Client = await login(nats_auth.GATEWAY)
    await gateway.nc.publish(f"{ROOT}.in.acme.signals", b"{}")
    await gateway.nc.flush()
    await gateway.violation(f'Publish to "{ROOT}.in.acme.signals"')


async def test_anonymous_and_wrong_password_are_refused(server: tuple[str, nats_auth.Credentials]) -> None:
    url, _ = server
    for credentials in ({}, {"user": "partner-acme", "password": "guess"}):
        nc = NATS()
        try:
            with pytest.raises(NatsError, match=r"(?i)authorization"):
                await nc.connect(url, allow_reconnect=False, connect_timeout=2, **credentials)
        finally:
            await nc.close()  # a refused connect leaves nats-py's socket open otherwise
