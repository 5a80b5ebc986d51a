"""Honest gRPC health: SERVING only while the process has what it needs to do its work.

Kubernetes readiness reads the stock gRPC health service. A service is ready when its own NATS
connection is up, its own MongoDB answers a ping within a short timeout, and its consumers are alive
and pulling — never because of the health of a peer. The watchdog checks every `interval` seconds,
sets SERVING or NOT_SERVING for "" and every service name, and logs each transition with its reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from grpc_health.v1 import health, health_pb2
from nats.aio.client import Client as NATS
from pymongo.asynchronous.database import AsyncDatabase

log = logging.getLogger(__name__)
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING

UNREADY_INTERVAL = 0.2  # seconds between checks while not serving


class HealthWatchdog:
    """Keeps the health servicer's statuses in step with the process's own dependencies."""

    def __init__(
        self,
        *,
        health_servicer: health.aio.HealthServicer,
        names: Sequence[str],
        nc: NATS,
        db: AsyncDatabase[dict[str, Any]],
        consumer_problems: Callable[[], list[str]],
        interval: float = 2.0,
        ping_timeout: float = 1.5,
    ) -> None:
        self._health = health_servicer
        self._names = list(names)
        self._nc = nc
        self._db = db
        self._consumer_problems = consumer_problems
        self._interval = interval
        self._ping_timeout = ping_timeout
        self._task: asyncio.Task[None] | None = None
        self.problems: list[str] = []
        self._serving: bool | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="health-watchdog")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check(self) -> list[str]:
        """What the process lacks right now; [] when it can serve."""
        problems = []
        if not self._nc.is_connected:
            problems.append("NATS is not connected")
        try:
            async with asyncio.timeout(self._ping_timeout):
                await self._db.command("ping")
        except Exception as err:
            problems.append(f"MongoDB does not answer: {type(err).__name__}: {str(err)[:200]}")
        problems.extend(self._consumer_problems())
        return problems

    async def _watch(self) -> None:
        while True:
            try:
                await self._apply(await self.check())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("health check failed")
            # Until ready, look again soon: a rebuild finishing should not wait out a whole interval.
            await asyncio.sleep(self._interval if self._serving else min(self._interval, UNREADY_INTERVAL))

    async def _apply(self, problems: list[str]) -> None:
        self.problems = problems
        serving = not problems
        if serving == self._serving:
            return
        if serving:
            log.info("ready: SERVING" if self._serving is None else "ready again: SERVING")
        else:
            log.error("not ready: NOT_SERVING (%s)", "; ".join(problems))
        self._serving = serving
        for name in self._names:
            await self._health.set(name, SERVING if serving else NOT_SERVING)
