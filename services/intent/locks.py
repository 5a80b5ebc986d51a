"""Per-customer locks inside one process, so concurrent requests on one customer queue instead of racing.

The compare-and-set write (services/intent/store.py) keeps customers correct across replicas; inside a
replica, fifty concurrent requests on one customer would otherwise spend their time losing that race
and re-reading. Locks are taken in sorted order (no deadlock between two batches) and forgotten when
nobody holds or waits for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, keys: Iterable[str]) -> AsyncIterator[None]:
        ordered = sorted(set(keys))
        taken: list[str] = []  # counted as users
        acquired: set[str] = set()  # actually held: a wait cancelled half-way holds nothing to release
        try:
            for key in ordered:
                lock, users = self._locks.get(key, (asyncio.Lock(), 0))
                self._locks[key] = (lock, users + 1)
                taken.append(key)
                await lock.acquire()
                acquired.add(key)
            yield
        finally:
            for key in reversed(taken):
                lock, users = self._locks[key]
                if key in acquired:
                    lock.release()
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
