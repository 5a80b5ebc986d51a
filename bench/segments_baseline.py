"""The segment index's earlier forms, kept only so that bench/segments.py can measure them against
the lean ones in the same run (not used by the service; running this file does nothing).

- number ↔ id maps as two Python dicts and the indexed versions as a third (≈ 270 MB per million
  customers with 30-character ids), now `segments.idmap.IdMap` / `Versions`;
- assignment times as a bit-sliced index (`BitSliced`: bit i of every customer's time in bitmap i,
  O'Neil & Quass), now `segments.times.AssignedTimes`.
"""

from __future__ import annotations

from pyroaring import BitMap

BITS = 42  # epoch milliseconds stay below 2**42 until the year 2109


def dict_maps(n: int) -> tuple[dict[str, int], dict[int, str], dict[int, int]]:
    """The earlier `_Tenant.numbers`, `.ids` and `.versions` for customers 1..n (ids as the bench makes them)."""
    numbers: dict[str, int] = {}
    ids: dict[int, str] = {}
    versions: dict[int, int] = {}
    for i in range(1, n + 1):
        cid = f"cus_{i:026d}"
        numbers[cid] = i
        ids[i] = cid
        versions[i] = 1
    return numbers, ids, versions


def bit_sliced(numbers: list[int], times: list[int]) -> BitSliced:
    """A `BitSliced` built whole (as the earlier rebuild did): one bitmap per bit."""
    sliced = BitSliced()
    sliced.exists = BitMap(numbers)
    for bit in range(BITS):
        sliced.slices[bit] = BitMap([n for n, ms in zip(numbers, times, strict=True) if (ms >> bit) & 1])
    sliced.run_optimize()
    return sliced


class BitSliced:
    """Customers by an integer in [0, 2**BITS): bit i of each customer's value is in `slices[i]`."""

    def __init__(self) -> None:
        self.exists = BitMap()
        self.slices = [BitMap() for _ in range(BITS)]

    def set(self, number: int, value: int) -> None:
        value = min(max(value, 0), (1 << BITS) - 1)
        self.exists.add(number)
        for i, bitmap in enumerate(self.slices):
            if (value >> i) & 1:
                bitmap.add(number)
            else:
                bitmap.discard(number)

    def discard(self, number: int) -> None:
        if number in self.exists:
            self.exists.discard(number)
            for bitmap in self.slices:
                bitmap.discard(number)

    def get(self, number: int) -> int | None:
        if number not in self.exists:
            return None
        return sum(1 << i for i, bitmap in enumerate(self.slices) if number in bitmap)

    def less_than(self, bound: int) -> BitMap:
        """Customers whose value is < bound (O'Neil & Quass: two operations per bit, top bit first)."""
        if bound <= 0:
            return BitMap()
        if bound >= 1 << BITS:
            return self.exists
        below = BitMap()
        equal = self.exists
        for i in range(BITS - 1, -1, -1):
            bitmap = self.slices[i]
            if (bound >> i) & 1:
                below |= equal - bitmap
                equal = equal & bitmap
            else:
                equal = equal - bitmap
            if not equal:
                break
        return below

    def between(self, low: int | None, high: int | None) -> BitMap:
        """Customers whose value is in [low, high)."""
        upper = self.exists if high is None else self.less_than(high)
        if low is None or low <= 0:
            return upper
        return upper - self.less_than(low)

    def run_optimize(self) -> None:
        self.exists.run_optimize()
        for bitmap in self.slices:
            bitmap.run_optimize()
