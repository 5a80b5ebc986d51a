"""When each customer's active value of one tag was assigned, in ~7 bytes per assignment.

Why not a bit-sliced index (the first version, kept in bench/segments_baseline.py to compare): its
42 bitmaps each hold about half of the tag's customers, ~35 bytes per assignment for a tag on fewer
than 1 in 8 of the tenant's customers; 30.8 bytes on average over the bench's tenant, ≈ 1.9 GB at
60 M assignments, against 6–7.5 here (bench/segments.py measures both in one run).

Here a tag's assignments are cut by time into *leaves*: consecutive intervals [low, next low) of the
time axis, each holding at most `LEAF_MAX` assignments, all in one 2³² ms (~49.7 day) period so that
each time fits 32 bits as an offset in it. A leaf keeps
- `members`: a Roaring bitmap of its customers (2 bytes each in array containers, plus ~60 bytes
  per container: about one byte more per customer when 8–16 k customers spread over 10 M), and
- `times`: their exact offsets in an `array('I')`, aligned with `members` (the i-th smallest number
  has the i-th time), so no number is stored twice.
`[after, before)` is the union of the leaves inside it (bitmaps, no per-customer work) plus, for at
most the two leaves it cuts, an exact check of those leaves' times (≤ `LEAF_MAX` each). An insert or
removal touches one leaf (a `rank`, an array insert of ≤ `LEAF_MAX` items); a leaf that grows past
`LEAF_MAX` splits at its median time. Exact: no answer depends on a coarser resolution.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator

from pyroaring import BitMap

LEAF_MAX = 16_384  # assignments per leaf before it splits (bounds the exact edge checks)
PERIOD_BITS = 32  # a leaf never spans two periods of 2**32 ms: offsets fit array('I')
_PERIOD_MASK = (1 << PERIOD_BITS) - 1


class _Leaf:
    __slots__ = ("members", "period", "times")

    def __init__(self, period: int, members: BitMap | None = None, times: array[int] | None = None) -> None:
        self.period = period  # ms >> PERIOD_BITS of every time the leaf holds
        self.members = members if members is not None else BitMap()
        self.times = times if times is not None else array("I")  # offsets, aligned with `members`

    def add(self, number: int, offset: int) -> None:
        self.members.add(number)
        self.times.insert(self.members.rank(number) - 1, offset)

    def remove(self, number: int) -> int:
        """Take the number out; its offset."""
        at = self.members.rank(number) - 1
        offset = self.times[at]
        del self.times[at]
        self.members.remove(number)
        return offset

    def select(self, low: int, high: int) -> BitMap:
        """Members whose offset is in [low, high)."""
        return BitMap([n for n, t in zip(self.members, self.times, strict=True) if low <= t < high])


class AssignedTimes:
    """Customers (numbers) by an exact time in ms; each number holds at most one time."""

    def __init__(self) -> None:
        self._lows: list[int] = []  # leaf i holds times in [lows[i], lows[i + 1]), all in one period
        self._leaves: list[_Leaf] = []

    def __len__(self) -> int:
        return sum(len(leaf.members) for leaf in self._leaves)

    def leaves(self) -> int:
        return len(self._leaves)

    # ---- changes ----

    def add(self, number: int, ms: int) -> None:
        """Give a number that holds no time yet its time (`set` when it may hold one)."""
        period, offset = ms >> PERIOD_BITS, ms & _PERIOD_MASK
        i = bisect_right(self._lows, ms) - 1
        if i < 0:  # before every leaf: the first one stretches down if it is in the same period
            i = 0
            if self._leaves and self._leaves[0].period == period:
                self._lows[0] = ms
            else:
                self._lows.insert(0, ms)
                self._leaves.insert(0, _Leaf(period))
        elif self._leaves[i].period != period:
            # The interval reaches into a later period (its leaf's times all lie in an earlier one):
            # a new leaf starts here, and every time it will take lies in this period.
            i += 1
            self._lows.insert(i, ms)
            self._leaves.insert(i, _Leaf(period))
        leaf = self._leaves[i]
        leaf.add(number, offset)
        if len(leaf.members) > LEAF_MAX:
            self._split(i)

    def set(self, number: int, ms: int) -> None:
        self.discard(number)
        self.add(number, ms)

    def discard(self, number: int, hint_ms: int | None = None) -> int | None:
        """Take the number out (its time, if it held one). `hint_ms`, its time if the caller knows
        it, finds the leaf at once; otherwise the leaves are searched."""
        i = self._leaf_of(number, hint_ms)
        if i is None:
            return None
        leaf = self._leaves[i]
        offset = leaf.remove(number)
        if not leaf.members:  # the previous leaf's interval takes over its times
            del self._leaves[i]
            del self._lows[i]
        return (leaf.period << PERIOD_BITS) | offset

    def get(self, number: int) -> int | None:
        i = self._leaf_of(number, None)
        if i is None:
            return None
        leaf = self._leaves[i]
        return (leaf.period << PERIOD_BITS) | leaf.times[leaf.members.rank(number) - 1]

    def load(self, numbers: list[int], times: list[int]) -> None:
        """Add many numbers that hold no time yet (a rebuild). Into an empty structure the leaves are
        built whole: their bounds from a sorted sample of the times (plus every period start), each
        pair dropped into its leaf by one bisect, each leaf sorted once by number — sequential work
        only (an arg-sort of millions of times costs a cache miss per element). Leaves the
        sample under-estimated are split after. Into a non-empty structure: one by one."""
        if self._leaves:
            for number, ms in zip(numbers, times, strict=True):
                self.add(number, ms)
            return
        if not numbers:
            return
        step = max(1, LEAF_MAX // 256)
        sample = sorted(times[::step])
        per_leaf = max(1, LEAF_MAX // 2 // step)  # sample points per leaf: leaves half full
        first, last = min(times), max(times)
        periods = range((first >> PERIOD_BITS) + 1, (last >> PERIOD_BITS) + 1)
        bounds = sorted({first, *sample[per_leaf::per_leaf], *(p << PERIOD_BITS for p in periods)})
        leaf_numbers: list[list[int]] = [[] for _ in bounds]
        leaf_offsets: list[list[int]] = [[] for _ in bounds]
        for number, ms in zip(numbers, times, strict=True):
            j = bisect_right(bounds, ms) - 1
            leaf_numbers[j].append(number)
            leaf_offsets[j].append(ms & _PERIOD_MASK)
        for low, ns, offsets in zip(bounds, leaf_numbers, leaf_offsets, strict=True):
            if ns:
                order = sorted(range(len(ns)), key=ns.__getitem__)  # small: cache-friendly
                self._lows.append(low)
                self._leaves.append(
                    _Leaf(low >> PERIOD_BITS, BitMap(ns), array("I", [offsets[k] for k in order]))
                )
        i = 0
        while i < len(self._leaves):
            if len(self._leaves[i].members) <= LEAF_MAX or not self._split(i):
                i += 1

    def _split(self, i: int) -> bool:
        """Split leaf i at its median time; False when all its times are one millisecond."""
        leaf = self._leaves[i]
        if min(leaf.times) == max(leaf.times):
            return False  # nothing to split on (rare; the leaf stays big)
        ordered = sorted(leaf.times)
        median = ordered[len(ordered) // 2]
        if median == ordered[0]:  # the lower half is one millisecond: split just above it
            median = ordered[bisect_right(ordered, median)]
        low, high = _Leaf(leaf.period), _Leaf(leaf.period)
        low_pairs = [(n, t) for n, t in zip(leaf.members, leaf.times, strict=True) if t < median]
        high_pairs = [(n, t) for n, t in zip(leaf.members, leaf.times, strict=True) if t >= median]
        for part, pairs in ((low, low_pairs), (high, high_pairs)):
            part.members = BitMap([n for n, _ in pairs])
            part.times = array("I", [t for _, t in pairs])
        self._leaves[i : i + 1] = [low, high]
        self._lows.insert(i + 1, (leaf.period << PERIOD_BITS) | median)
        return True

    def _leaf_of(self, number: int, hint_ms: int | None) -> int | None:
        if hint_ms is not None:
            i = max(0, bisect_right(self._lows, hint_ms) - 1)
            if i < len(self._leaves) and number in self._leaves[i].members:
                return i
        return next((i for i, leaf in enumerate(self._leaves) if number in leaf.members), None)

    # ---- answers ----

    def between(self, low: int | None, high: int | None) -> BitMap:
        """Numbers whose time is in [low, high) (None: unbounded). May be the structure's own
        bitmap when one leaf answers whole: callers never mutate it."""
        if low is not None and high is not None and high <= low:
            return BitMap()
        first = 0 if low is None else max(0, bisect_right(self._lows, low) - 1)
        last = len(self._leaves) if high is None else bisect_right(self._lows, high - 1)
        parts: list[BitMap] = []
        for i in range(first, last):
            leaf = self._leaves[i]
            start = leaf.period << PERIOD_BITS
            lo = 0 if low is None else max(0, low - start)
            hi = _PERIOD_MASK + 1 if high is None else min(_PERIOD_MASK + 1, high - start)
            if lo >= hi:
                continue
            if self._inside(i, low, high):
                parts.append(leaf.members)
            else:
                selected = leaf.select(lo, hi)
                if selected:
                    parts.append(selected)
        if not parts:
            return BitMap()
        return parts[0] if len(parts) == 1 else BitMap.union(*parts)

    def _inside(self, i: int, low: int | None, high: int | None) -> bool:
        """Whether every time leaf i can hold lies in [low, high): it holds [lows[i], the next low)
        within its period."""
        leaf_end = (self._leaves[i].period + 1) << PERIOD_BITS
        if i + 1 < len(self._lows):
            leaf_end = min(leaf_end, self._lows[i + 1])
        return (low is None or self._lows[i] >= low) and (high is None or leaf_end <= high)

    def bitmaps(self) -> Iterator[BitMap]:
        """Every bitmap held (memory accounting)."""
        for leaf in self._leaves:
            yield leaf.members

    def array_bytes(self) -> int:
        return sum(leaf.times.itemsize * len(leaf.times) for leaf in self._leaves)

    def run_optimize(self) -> None:
        for leaf in self._leaves:
            leaf.members.run_optimize()
