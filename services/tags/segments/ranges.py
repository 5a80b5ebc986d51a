"""The range-capable bitmap structure for one tag's number and date values.

Why this one (argued in docs/segment-index.md; assignment times have their own, `times.py`):
- `SortedPoints` (number and date values): one bitmap per distinct value, the values in a B-tree of
  small fan-out whose every node keeps the union of its customers. A range is the union of the
  maximal nodes inside it: a wide range is mostly a few dense upper unions (bitset containers, cheap
  to OR) plus a few small nodes and single values at its two edges, however many distinct values
  there are. An update touches one value bitmap and one union per level (a customer holds one value
  per tag, so removing it from the unions on its path is exact) — unlike prefix unions, which a
  single update would have to change for every value above it (too slow at 1,000 updates/s).
It is pure and in memory; callers never mutate the bitmaps they get back.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterator

from pyroaring import BitMap

FANOUT = 4  # values per leaf and children per node: FANOUT..2·FANOUT (a bulk load packs FANOUT)


class _Node:
    """A node of the value tree: a leaf holds sorted values, an inner node children in value order;
    both keep the union of their customers."""

    __slots__ = ("children", "union", "values")

    def __init__(self, values: list[float] | None = None, children: list[_Node] | None = None) -> None:
        self.values = values  # a leaf's sorted values (None for an inner node)
        self.children = children  # an inner node's children (None for a leaf)
        self.union = BitMap()

    @property
    def first(self) -> float:
        node = self
        while node.children is not None:
            node = node.children[0]
        assert node.values is not None
        return node.values[0]

    @property
    def last(self) -> float:
        node = self
        while node.children is not None:
            node = node.children[-1]
        assert node.values is not None
        return node.values[-1]

    def size(self) -> int:
        return len(self.values) if self.values is not None else len(self.children or ())


class SortedPoints:
    """Customers by a numeric value (a number, or a date as its ordinal): equality and ranges.

    The distinct values sit in a B-tree of fan-out `FANOUT`..2·`FANOUT` whose every node keeps the
    union of its customers. A range is the union of the maximal nodes inside it: the dense upper
    nodes cover most of a wide range (bitset containers, cheap to OR) and at most 2·(2·FANOUT − 1)
    smaller ones per level sit at its edges. An update touches one value bitmap and one union per level.
    """

    def __init__(self) -> None:
        self.bitmaps: dict[float, BitMap] = {}
        self._root: _Node | None = None

    def __len__(self) -> int:
        return len(self.bitmaps)

    def add(self, number: int, point: float) -> None:
        bitmap = self.bitmaps.get(point)
        if bitmap is None:
            bitmap = self.bitmaps[point] = BitMap()
            self._insert(point)
        bitmap.add(number)
        for node in self._path(point):
            node.union.add(number)

    def discard(self, number: int, point: float) -> None:
        bitmap = self.bitmaps.get(point)
        if bitmap is None or number not in bitmap:
            return
        bitmap.discard(number)
        path = self._path(point)
        for node in path:
            node.union.discard(number)
        if bitmap:
            return
        del self.bitmaps[point]
        leaf = path[-1]
        assert leaf.values is not None
        leaf.values.remove(point)
        for parent, child in zip(reversed(path[:-1]), reversed(path[1:]), strict=True):
            if child.size():
                break
            assert parent.children is not None
            parent.children.remove(child)
        if self._root is not None and not self._root.size():
            self._root = None

    def load(self, bitmaps: dict[float, BitMap]) -> None:
        """Replace the contents with whole bitmaps per value (a bulk load), built bottom-up."""
        self.bitmaps = dict(bitmaps)
        ordered = sorted(self.bitmaps)
        if not ordered:
            self._root = None
            return
        level = [_Node(values=ordered[i : i + FANOUT]) for i in range(0, len(ordered), FANOUT)]
        for leaf in level:
            leaf.union = self._union_of(leaf)
        while len(level) > 1:
            level = [_Node(children=level[i : i + FANOUT]) for i in range(0, len(level), FANOUT)]
            for node in level:
                node.union = self._union_of(node)
        self._root = level[0]

    def point_of(self, number: int) -> float | None:
        """The value a customer holds (found by descending the unions that contain it)."""
        stack = [self._root] if self._root is not None else []
        while stack:
            node = stack.pop()
            if number not in node.union:
                continue
            if node.values is not None:
                return next((p for p in node.values if number in self.bitmaps[p]), None)
            stack.extend(node.children or ())
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
        """The bitmaps whose union is the range: maximal tree nodes inside it, single values at its edges."""
        parts: list[BitMap] = []
        if self._root is None:
            return parts

        def inside(x: float) -> bool:
            return _inside(x, low, high, low_inclusive, high_inclusive)

        def below(x: float) -> bool:  # x is left of the range
            return low is not None and (x < low or (x == low and not low_inclusive))

        def above(x: float) -> bool:  # x is right of the range
            return high is not None and (x > high or (x == high and not high_inclusive))

        def visit(node: _Node) -> None:
            first, last = node.first, node.last
            if above(first) or below(last):
                return
            if inside(first) and inside(last):
                parts.append(node.union)
            elif node.values is not None:
                parts.extend(self.bitmaps[p] for p in node.values if inside(p))
            else:
                for child in node.children or ():
                    visit(child)

        visit(self._root)
        return parts

    def _path(self, point: float) -> list[_Node]:
        """The nodes from the root to the leaf where `point` belongs."""
        path: list[_Node] = []
        node = self._root
        while node is not None:
            path.append(node)
            if node.children is None:
                break
            firsts = [child.first for child in node.children]
            node = node.children[max(0, bisect_right(firsts, point) - 1)]
        return path

    def _insert(self, point: float) -> None:
        if self._root is None:
            self._root = _Node(values=[point])
            return
        path = self._path(point)
        leaf = path[-1]
        assert leaf.values is not None
        insort(leaf.values, point)
        # Split every node that grew past 2·FANOUT, from the leaf up; a split root gets a new root.
        for depth in range(len(path) - 1, -1, -1):
            node = path[depth]
            if node.size() <= 2 * FANOUT:
                break
            right = self._split(node)
            if depth == 0:
                self._root = _Node(children=[node, right])
                self._root.union = node.union | right.union
            else:
                siblings = path[depth - 1].children
                assert siblings is not None
                siblings.insert(siblings.index(node) + 1, right)

    def _split(self, node: _Node) -> _Node:
        if node.values is not None:
            half = len(node.values) // 2
            right = _Node(values=node.values[half:])
            node.values = node.values[:half]
        else:
            assert node.children is not None
            half = len(node.children) // 2
            right = _Node(children=node.children[half:])
            node.children = node.children[:half]
        node.union = self._union_of(node)
        right.union = self._union_of(right)
        return right

    def _union_of(self, node: _Node) -> BitMap:
        if node.values is not None:
            bitmaps = [self.bitmaps[p] for p in node.values]
        else:
            bitmaps = [child.union for child in node.children or ()]
        return BitMap.union(BitMap(), *bitmaps)

    def all_bitmaps(self) -> Iterator[BitMap]:
        """Every bitmap held: one per value and one per tree node (memory accounting)."""
        yield from self.bitmaps.values()
        stack = [self._root] if self._root is not None else []
        while stack:
            node = stack.pop()
            yield node.union
            stack.extend(node.children or ())

    def run_optimize(self) -> None:
        stack = [self._root] if self._root is not None else []
        while stack:
            node = stack.pop()
            node.union.run_optimize()
            stack.extend(node.children or ())
        for bitmap in self.bitmaps.values():
            bitmap.run_optimize()


def _inside(x: float, low: float | None, high: float | None, low_inc: bool, high_inc: bool) -> bool:
    if low is not None and (x < low or (x == low and not low_inc)):
        return False
    return not (high is not None and (x > high or (x == high and not high_inc)))
