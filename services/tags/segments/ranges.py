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
GROUP = 16  # buckets per group (up to twice as many before a group splits)
BITS = 42  # epoch milliseconds stay below 2**42 until the year 2109


class SortedPoints:
    """Customers by a numeric value (a number, or a date as its ordinal): equality and ranges."""

    def __init__(self) -> None:
        self._buckets: list[list[float]] = []  # sorted values, bucket after bucket
        self._firsts: list[float] = []  # each bucket's smallest value, for bisect
        self._unions: list[BitMap] = []  # each bucket's customers
        # Groups of consecutive buckets (at most 2 * GROUP), each with the union of its buckets: a
        # wide range is mostly a few dense group unions, cheap to OR (bitset containers).
        self._group_sizes: list[int] = []
        self._group_unions: list[BitMap] = []
        self.bitmaps: dict[float, BitMap] = {}

    def __len__(self) -> int:
        return len(self.bitmaps)

    def add(self, number: int, point: float) -> None:
        bitmap = self.bitmaps.get(point)
        if bitmap is None:
            bitmap = self.bitmaps[point] = BitMap()
            self._insert(point)
        bitmap.add(number)
        b = self._bucket_of(point)
        self._unions[b].add(number)
        self._group_unions[self._group_of(b)].add(number)

    def discard(self, number: int, point: float) -> None:
        bitmap = self.bitmaps.get(point)
        if bitmap is None or number not in bitmap:
            return
        bitmap.discard(number)
        b = self._bucket_of(point)
        g = self._group_of(b)
        self._unions[b].discard(number)
        self._group_unions[g].discard(number)
        if not bitmap:
            del self.bitmaps[point]
            bucket = self._buckets[b]
            bucket.remove(point)
            if not bucket:
                del self._buckets[b], self._firsts[b], self._unions[b]
                self._group_sizes[g] -= 1
                if not self._group_sizes[g]:
                    del self._group_sizes[g], self._group_unions[g]
            else:
                self._firsts[b] = bucket[0]

    def load(self, bitmaps: dict[float, BitMap]) -> None:
        """Replace the contents with whole bitmaps per value (a bulk load, e.g. the benchmark's)."""
        self.bitmaps = dict(bitmaps)
        ordered = sorted(self.bitmaps)
        self._buckets = [ordered[i : i + BUCKET] for i in range(0, len(ordered), BUCKET)]
        self._firsts = [bucket[0] for bucket in self._buckets]
        self._unions = [self._union(bucket) for bucket in self._buckets]
        self._group_sizes = [min(GROUP, len(self._buckets) - i) for i in range(0, len(self._buckets), GROUP)]
        self._group_unions = [
            BitMap.union(BitMap(), *self._unions[i : i + GROUP]) for i in range(0, len(self._buckets), GROUP)
        ]

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
        parts = self.parts(low, high, low_inclusive=low_inclusive, high_inclusive=high_inclusive)
        if not parts:
            return BitMap()
        return BitMap.union(*parts) if len(parts) > 1 else parts[0]

    def parts(
        self,
        low: float | None,
        high: float | None,
        *,
        low_inclusive: bool = True,
        high_inclusive: bool = True,
    ) -> list[BitMap]:
        """The bitmaps whose union is the range: whole buckets inside it, single values at its edges."""
        parts: list[BitMap] = []
        start = 0
        for size, group_union in zip(self._group_sizes, self._group_unions, strict=True):
            end = start + size
            first, last = self._buckets[start][0], self._buckets[end - 1][-1]
            if high is not None and (first > high or (first == high and not high_inclusive)):
                break
            if not (low is not None and (last < low or (last == low and not low_inclusive))):
                if _inside(first, low, high, low_inclusive, high_inclusive) and _inside(
                    last, low, high, low_inclusive, high_inclusive
                ):
                    parts.append(group_union)
                else:
                    parts.extend(self._bucket_parts(start, end, low, high, low_inclusive, high_inclusive))
            start = end
        return parts

    def _bucket_parts(
        self, start: int, end: int, low: float | None, high: float | None, low_inc: bool, high_inc: bool
    ) -> list[BitMap]:
        parts: list[BitMap] = []
        for b in range(start, end):
            bucket, union = self._buckets[b], self._unions[b]
            first, last = bucket[0], bucket[-1]
            if high is not None and (first > high or (first == high and not high_inc)):
                break
            if low is not None and (last < low or (last == low and not low_inc)):
                continue
            if _inside(first, low, high, low_inc, high_inc) and _inside(last, low, high, low_inc, high_inc):
                parts.append(union)
                continue
            lo = 0 if low is None else (bisect_left if low_inc else bisect_right)(bucket, low)
            hi = len(bucket) if high is None else (bisect_right if high_inc else bisect_left)(bucket, high)
            parts.extend(self.bitmaps[p] for p in bucket[lo:hi])
        return parts

    def _group_of(self, bucket: int) -> int:
        for g, size in enumerate(self._group_sizes):
            if bucket < size:
                return g
            bucket -= size
        raise IndexError(bucket)

    def _bucket_of(self, point: float) -> int:
        return max(0, bisect_right(self._firsts, point) - 1)

    def _insert(self, point: float) -> None:
        if not self._buckets:
            self._buckets.append([point])
            self._firsts.append(point)
            self._unions.append(BitMap())
            self._group_sizes.append(1)
            self._group_unions.append(BitMap())
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
            g = self._group_of(b)
            self._group_sizes[g] += 1
            if self._group_sizes[g] > 2 * GROUP:  # split the group in halves, each with its own union
                first = sum(self._group_sizes[:g])
                half = self._group_sizes[g] // 2
                self._group_sizes[g : g + 1] = [half, self._group_sizes[g] - half]
                self._group_unions[g : g + 1] = [
                    BitMap.union(BitMap(), *self._unions[first : first + half]),
                    BitMap.union(
                        BitMap(), *self._unions[first + half : first + self._group_sizes[g + 1] + half]
                    ),
                ]

    def _union(self, points: list[float]) -> BitMap:
        return BitMap.union(*(self.bitmaps[p] for p in points)) if points else BitMap()

    def run_optimize(self) -> None:
        for bitmap in (*self.bitmaps.values(), *self._unions, *self._group_unions):
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
