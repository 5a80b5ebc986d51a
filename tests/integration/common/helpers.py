"""Waiting helpers for the plumbing tests: consumers work asynchronously, so tests poll what a client sees."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from nats.js import JetStreamContext


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 10.0, every: float = 0.05
) -> None:
    """Poll `check` until it holds; fail with TimeoutError after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            if await check():
                return
            await asyncio.sleep(every)


async def settled(jsc: JetStreamContext, stream: str, durable: str, *, within: float = 10.0) -> None:
    """Wait until the durable consumer has nothing pending and nothing awaiting an ack."""

    async def check() -> bool:
        info = await jsc.consumer_info(stream, durable)
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(check, within=within, every=0.1)
