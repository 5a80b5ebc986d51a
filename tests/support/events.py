"""Test helpers for watching what a service publishes on NATS."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg


class Collector:
    """Collects CloudEvents published on a subject (core NATS subscription, no consumer state)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._arrived = asyncio.Condition()

    async def on_message(self, msg: Msg) -> None:
        async with self._arrived:
            self.events.append(json.loads(msg.data))
            self.headers.append(dict(msg.headers or {}))
            self._arrived.notify_all()

    async def wait_for(self, count: int, *, within: float = 10.0) -> list[dict[str, Any]]:
        """Wait until `count` events arrived; raises TimeoutError otherwise."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.events) >= count)
        return self.events


async def subscribe(nc: NATS, subject: str) -> Collector:
    collector = Collector()
    await nc.subscribe(subject, cb=collector.on_message)
    await nc.flush()
    return collector


async def connect(url: str) -> NATS:
    return await nats.connect(url)
