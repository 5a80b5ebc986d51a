"""Bridges domain events on NATS to GraphQL subscribers.

A core (not JetStream) subscription per GraphQL subscription: live events only, no consumer state
left behind when the client goes away. The tenant comes from the caller's token, never from the
client, so a subscriber only ever sees its own tenant's subject tree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from common import cloudevents
from common.errors import InvalidArgument
from gateway.errors import SERVICE_UNAVAILABLE, GatewayError
from gateway.validation import require_customer_id

if TYPE_CHECKING:
    from gateway.context import GatewayInfo

log = logging.getLogger(__name__)
MAX_PENDING = 1000


def tenant_events_subject(root: str, tenant: str) -> str:
    return f"{root}.evt.{tenant}.>"


async def domain_events(
    nc: NATS, *, root: str, tenant: str, customer_id: str | None = None
) -> AsyncGenerator[dict[str, Any], None]:
    """Yield the tenant's CloudEvents as they are published, optionally only those about one customer.

    A subscriber too slow to keep up loses the oldest-pending overflow (logged) rather than making
    the gateway buffer without bound.
    """
    queue: asyncio.Queue[Msg] = asyncio.Queue(maxsize=MAX_PENDING)

    async def on_message(msg: Msg) -> None:
        try:
            queue.put_nowait(msg)
        except asyncio.QueueFull:
            log.warning("subscriber of %s is too slow; dropped an event", msg.subject)

    subscription = await nc.subscribe(tenant_events_subject(root, tenant), cb=on_message)
    try:
        while True:
            msg = await queue.get()
            try:
                event = cloudevents.decode(msg.data)
            except InvalidArgument:
                continue  # not ours to judge here; the services' consumers dead-letter malformed events
            if event.get("tenantid", tenant) != tenant:
                continue
            if customer_id and event.get("subject") != customer_id:
                continue
            yield event
    finally:
        try:
            await subscription.unsubscribe()
        except Exception:  # the connection may already be closing during shutdown
            log.debug("unsubscribe failed", exc_info=True)


async def caller_events(info: GatewayInfo, customer_id: Any = None) -> AsyncGenerator[dict[str, Any], None]:
    """The caller's tenant's events (optionally about one customer) for a GraphQL subscription.

    The customer id is checked first; without NATS the subscription fails with SERVICE_UNAVAILABLE.
    The NATS subscription ends as soon as the client completes or disconnects, not at GC.
    """
    principal = info.context.authenticated()
    cid = require_customer_id(str(customer_id), field="customerId") if customer_id is not None else None
    nc = info.context.services.nats
    if nc is None:
        raise GatewayError("event streaming is unavailable", code=SERVICE_UNAVAILABLE, service="nats")
    events = domain_events(
        nc, root=info.context.settings.subject_root, tenant=principal.tenant, customer_id=cid
    )
    async with aclosing(events):
        async for event in events:
            yield event
