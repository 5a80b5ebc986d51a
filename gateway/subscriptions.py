"""Bridges domain events on NATS to GraphQL subscribers.

A core (not JetStream) subscription per GraphQL subscription: live events only, no consumer state
left behind when the client goes away. The tenant comes from the caller's token, never from the
client, so a subscriber only ever sees its own tenant's subject tree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from common import cloudevents
from common.errors import InvalidArgument

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
