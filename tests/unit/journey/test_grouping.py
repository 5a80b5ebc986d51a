"""Group commit: what queues up behind a running commit is committed together, in arrival order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.journey.grouping import GroupCommitter


class Log:
    def __init__(self) -> None:
        self.passes: list[tuple[str, list[int]]] = []
        self.fail_on: int | None = None

    async def commit(self, key: str, items: Sequence[int]) -> list[int]:
        self.passes.append((key, list(items)))
        await asyncio.sleep(0.01)
        if self.fail_on in items:
            raise ValueError("database away")
        return [i * 10 for i in items]


async def test_items_arriving_during_a_commit_are_committed_together_next() -> None:
    log = Log()
    groups: GroupCommitter[str, int, int] = GroupCommitter(log.commit, max_group=100)
    first = asyncio.create_task(groups.submit("a", 0))
    await asyncio.sleep(0.001)  # its commit is running
    results = await asyncio.gather(first, *(groups.submit("a", i) for i in range(1, 5)))
    assert results == [0, 10, 20, 30, 40]
    assert log.passes == [("a", [0]), ("a", [1, 2, 3, 4])]


async def test_keys_are_committed_independently_and_groups_are_bounded() -> None:
    log = Log()
    groups: GroupCommitter[str, int, int] = GroupCommitter(log.commit, max_group=2)
    await asyncio.gather(*(groups.submit(k, i) for i in range(5) for k in ("a", "b")))
    assert [items for key, items in log.passes if key == "a"] == [[0, 1], [2, 3], [4]]
    assert [items for key, items in log.passes if key == "b"] == [[0, 1], [2, 3], [4]]
    assert groups._queues == {}


async def test_a_failed_pass_fails_its_items_only() -> None:
    log = Log()
    log.fail_on = 2
    groups: GroupCommitter[str, int, int] = GroupCommitter(log.commit, max_group=2)
    outcomes = await asyncio.gather(*(groups.submit("a", i) for i in range(5)), return_exceptions=True)
    assert outcomes[:2] == [0, 10] and outcomes[4] == 40
    assert all(isinstance(o, ValueError) for o in outcomes[2:4])


async def test_a_cancelled_caller_does_not_cancel_the_commit_of_the_others() -> None:
    log = Log()
    groups: GroupCommitter[str, int, int] = GroupCommitter(log.commit, max_group=100)
    first = asyncio.create_task(groups.submit("a", 1))
    second = asyncio.create_task(groups.submit("a", 2))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == 20
    with pytest.raises(asyncio.CancelledError):
        await first
    assert log.passes == [("a", [1, 2])]
