"""Range-capable bitmap structures for one tag: sorted value buckets, and a bit-sliced timestamp.

Why two structures (argued in docs/segment-index.md):
- `SortedPoints` (number and date values): one bitmap per distinct value, the values kept sorted in
  buckets of at most `2 * BUCKET` values, each bucket with the union of its values' bitmaps. A range is
  the union of the buckets wholly inside it plus the single values of the (at most two) buckets at its
  edges: about `distinct / BUCKET + 2 * BUCKET` bitmaps, however many distinct values there are. An
  update touches one value bitmap and one bucket union (a customer holds one value per tag, so removing
  it from its bucket's union is exact) — O(log distinct), unlike prefix unions, which a single update
  would have to change for every value above it (too slow at 1,000 updates/s with many values).
- `BitSliced` (assignment times in epoch ms): almost every assignment has its own millisecond, so one
  bitmap per value would be one bitmap per assignment. A bit-sliced index keeps bit i of every
  customer's value in bitmap i (`BITS` bitmaps, whatever the number of customers), answers "< c" with
  two bitmap operations per bit, and reads one customer's value back with `BITS` membership tests.

Both are pure and in memory; callers never mutate the bitmaps they get back.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

from pyroaring import BitMap

BUCKET = 64
BITS = 42  # epoch milliseconds stay below 2**42 until the year 2109


class SortedPoints:
    """Customers by a numeric value (a number, or a date as its ordinal): equality and ranges."""

    def __init__(self) -> None:
        self._buckets: list[list[float]] = []  # sorted values, bucket after bucket
        self._firsts: list[float] = []  # each bucket's smallest value, for bisect
        self._unions: list[BitMap] = []  # each bucket's customers
        self.bitmaps: dict[float, BitMap] = {}

    def __len__(self) -> int:
        return len(self.bitmaps)

    def add(self, number: int, point: float) -> None:
        bitmap = self.bitmaps.get(point)
        if bitmap is None:
            bitmap = self.bitmaps[point] = BitMap()
            self._insert(point)
        bitmap.add(number)
        self._unions[self._bucket_of(point)].add(number)

    def discard(self, number: int, point: float) -> None:
        bitmap = self.bitmaps.get(point)
        if bitmap is None or number not in bitmap:
            return
        bitmap.discard(number)
        b = self._bucket_of(point)
        self._unions[b].discard(number)
        if not bitmap:
            del self.bitmaps[point]
            bucket = self._buckets[b]
            bucket.remove(point)
            if not bucket:
                del self._buckets[b], self._firsts[b], self._unions[b]
            else:
                self._firsts[b] = bucket[0]

    def point_of(self, number: int) -> float | None:
        """The value a customer holds (a scan of the buckets that contain it: rare, for repairs)."""
        for bucket, union in zip(self._buckets, self._unions, strict=True):
            if number in union:
                for point in bucket:
                    if number in self.bitmaps[point]:
                        return point
        return None

    def between(
        self,
        low: float | None,
        high: float | None,
        *,
        low_inclusive: bool = True,
        high_inclusive: bool = True,
    ) -> BitMap:
        parts: list[BitMap] = []
        for bucket, union in zip(self._buckets, self._unions, strict=True):
            first, last = bucket[0], bucket[-1]
            if high is not None and (first > high or (first == high and not high_inclusive)):
                break
            if low is not None and (last < low or (last == low and not low_inclusive)):
                continue
            if _inside(first, low, high, low_inclusive, high_inclusive) and _inside(
                last, low, high, low_inclusive, high_inclusive
            ):
                parts.append(union)
                continue
            start = 0 if low is None else (bisect_left if low_inclusive else bisect_right)(bucket, low)
            end = (
                len(bucket)
                if high is None
                else (bisect_right if high_inclusive else bisect_left)(bucket, high)
            )
            parts.extend(self.bitmaps[p] for p in bucket[start:end])
        if not parts:
            return BitMap()
        return BitMap.union(*parts) if len(parts) > 1 else parts[0]

    def _bucket_of(self, point: float) -> int:
        return max(0, bisect_right(self._firsts, point) - 1)

    def _insert(self, point: float) -> None:
        if not self._buckets:
            self._buckets.append([point])
            self._firsts.append(point)
            self._unions.append(BitMap())
            return
        b = self._bucket_of(point)
        bucket = self._buckets[b]
        insort(bucket, point)
        self._firsts[b] = bucket[0]
        if len(bucket) > 2 * BUCKET:  # split in halves, each with its own union
            low, high = bucket[:BUCKET], bucket[BUCKET:]
            self._buckets[b : b + 1] = [low, high]
            self._firsts[b : b + 1] = [low[0], high[0]]
            self._unions[b : b + 1] = [self._union(low), self._union(high)]

    def _union(self, points: list[float]) -> BitMap:
        return BitMap.union(*(self.bitmaps[p] for p in points)) if points else BitMap()

    def run_optimize(self) -> None:
        for bitmap in (*self.bitmaps.values(), *self._unions):
            bitmap.run_optimize()


def _inside(x: float, low: float | None, high: float | None, low_inc: bool, high_inc: bool) -> bool:
    if low is not None and (x < low or (x == low and not low_inc)):
        return False
    return not (high is not None and (x > high or (x == high and not high_inc)))


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
