"""Group commit: writes to one key that arrive while a commit for that key runs go together next.

Journey progress is one document per customer, written under a version guard. Fifty touchpoints of
one customer arriving at once would otherwise take turns (or fight over the version): fifty reads and
fifty writes, one after the other. Here the first caller for a key starts a drain task; callers that
arrive while it commits queue up and are committed by its next pass, all in one guarded write. The
result is the same as committing them one by one in queue order; the cost is one read and one write
per pass instead of per touchpoint.

The drain runs in its own task, so a caller that goes away (a cancelled RPC) never cancels the
commit of the others queued with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")


class GroupCommitter(Generic[K, T, R]):
    """Runs `commit(key, items)` for queued items of one key at a time, at most `max_group` per pass.

    `commit` returns one result per item, in order; an exception it raises fails every item of that
    pass (the next pass still runs).
    """

    def __init__(self, commit: Callable[[K, Sequence[T]], Awaitable[Sequence[R]]], *, max_group: int) -> None:
        self._commit = commit
        self._max_group = max_group
        self._queues: dict[K, list[tuple[T, asyncio.Future[R]]]] = {}
        self._drains: set[asyncio.Task[None]] = set()

    async def submit(self, key: K, item: T) -> R:
        """Commit `item` with whatever else is queued for `key`; returns its result."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(key)
        if queue is None:
            self._queues[key] = [(item, future)]
            task = asyncio.create_task(self._drain(key), name=f"group-commit:{key}")
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        else:
            queue.append((item, future))
        # Shielded: a caller that is cancelled leaves the pass it belongs to untouched.
        return await asyncio.shield(future)

    async def _drain(self, key: K) -> None:
        queue = self._queues[key]
        try:
            while queue:
                group = queue[: self._max_group]
                del queue[: self._max_group]
                try:
                    results = await self._commit(key, [item for item, _ in group])
                except asyncio.CancelledError:
                    queue[:0] = group
                    raise
                except Exception as err:
                    for _, future in group:
                        _fail(future, err)
                    continue
                for (_, future), result in zip(group, results, strict=True):
                    if not future.done():  # done: its caller was cancelled, and the future with it
                        future.set_result(result)
        except asyncio.CancelledError:
            for _, future in queue:
                _fail(future, RuntimeError("the service is stopping; retry (recording is idempotent)"))
            raise
        finally:
            del self._queues[key]


def _fail(future: asyncio.Future[R], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
