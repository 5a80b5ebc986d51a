"""The lean assignment-time structure (`segments/times.py`) against a naive scan of the same times:
random adds, moves and removals, windows of every shape, leaves split and emptied, many periods."""

from __future__ import annotations

import random

import pytest
from pyroaring import BitMap

from services.tags.segments import times as times_module
from services.tags.segments.times import PERIOD_BITS, AssignedTimes

DAY_MS = 86_400_000
BASE = 1_767_225_600_000  # 2026-01-01


def _naive(held: dict[int, int], low: int | None, high: int | None) -> BitMap:
    return BitMap(n for n, ms in held.items() if (low is None or ms >= low) and (high is None or ms < high))


def _windows(rng: random.Random, held: dict[int, int]) -> list[tuple[int | None, int | None]]:
    some = list(held.values()) or [BASE]
    out: list[tuple[int | None, int | None]] = [(None, None), (BASE + 5 * DAY_MS, None), (None, BASE)]
    for _ in range(25):
        a, b = rng.choice(some), rng.choice(some)
        out.append((min(a, b), max(a, b)))  # edges exactly on stored times
        out.append((min(a, b) + rng.randrange(-3, 4), max(a, b) + rng.randrange(-3, 4)))
        out.append((a, a + 1))  # one millisecond
    out.append((BASE + DAY_MS, BASE))  # empty: high before low
    return out


def _check(times: AssignedTimes, held: dict[int, int], rng: random.Random) -> None:
    for low, high in _windows(rng, held):
        assert times.between(low, high) == _naive(held, low, high), (low, high)
    assert len(times) == len(held)


@pytest.fixture
def small_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(times_module, "LEAF_MAX", 64)  # many leaves and splits from few customers


def test_windows_match_a_naive_scan_through_adds_moves_and_removals(small_leaves: None) -> None:
    rng = random.Random(11)
    times = AssignedTimes()
    held: dict[int, int] = {}
    spread = 3 * (1 << PERIOD_BITS)  # about five months: leaves in several periods
    for step in range(6000):
        number = rng.randrange(1, 3000)
        roll = rng.random()
        if roll < 0.6:
            ms = BASE + rng.randrange(spread)
            if rng.random() < 0.1:
                ms = BASE + 1000  # many customers on one millisecond
            times.set(number, ms)
            held[number] = ms
        elif roll < 0.9:
            hint = held.get(number) if rng.random() < 0.5 else None
            assert times.discard(number, hint) == held.pop(number, None)
        else:
            assert times.get(number) == held.get(number)
        if step % 1000 == 999:
            _check(times, held, rng)
    assert times.leaves() > 20
    for number in list(held):  # every leaf empties out
        times.discard(number)
        del held[number]
    assert times.leaves() == 0 and times.between(None, None) == BitMap()


def test_a_bulk_load_answers_like_adds_and_takes_live_changes_after(small_leaves: None) -> None:
    rng = random.Random(12)
    numbers = rng.sample(range(1, 100_000), 5000)
    at = [BASE + rng.randrange(400 * DAY_MS) // 1000 * 1000 for _ in numbers]  # whole seconds: ties
    times = AssignedTimes()
    times.load(numbers, at)
    held = dict(zip(numbers, at, strict=True))
    _check(times, held, rng)
    for number in numbers[:500]:
        held[number] = BASE + rng.randrange(400 * DAY_MS)
        times.set(number, held[number])
    more = [n for n in range(100_000, 100_300)]
    more_at = [BASE - rng.randrange(30 * DAY_MS) for _ in more]  # before every leaf
    times.load(more, more_at)  # into a non-empty structure: one by one
    held.update(zip(more, more_at, strict=True))
    _check(times, held, rng)


def test_a_leaf_of_one_millisecond_does_not_split_and_still_answers(small_leaves: None) -> None:
    times = AssignedTimes()
    for number in range(500):
        times.add(number, BASE)
    times.add(1000, BASE + 1)
    assert times.between(BASE, BASE + 1) == BitMap(range(500))
    assert times.between(BASE + 1, None) == BitMap([1000])
    assert times.discard(1000) == BASE + 1


def test_times_before_1970_and_far_ahead_are_exact() -> None:
    times = AssignedTimes()
    times.add(1, -5)
    times.add(2, 0)
    times.add(3, 1 << 44)
    assert times.between(None, 0) == BitMap([1])
    assert times.between(0, 1 << 44) == BitMap([2])
    assert times.between(1 << 44, None) == BitMap([3])
