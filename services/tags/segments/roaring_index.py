"""The in-memory segment index: Roaring bitmaps of dense customer numbers per tenant, tag, value.

Pure (no I/O): `segments/maintain.py` fills it from MongoDB at start and keeps it fresh from writes
and events; `evaluate.py` answers expressions on it. Per tenant it holds:
- `universe`: every customer with a number (NOT x is taken in it);
- per tag: `has` (customers with an active value), one bitmap per value (equality), per source, a
  `SortedPoints` for values that read as numbers or ISO dates (ranges), the exact time (ms) the
  active value was assigned in an `AssignedTimes` (times.py, ~7 bytes per assignment);
- the number ↔ customer id maps (`IdMap`, flat arrays: ~50 bytes per customer for both directions),
  each customer's indexed `version` (`Versions`, so a replayed or late change never overwrites a
  newer one) and the usage marks (last assigned / removed per tag).

A change is `apply(before, after)`: for each tag either side names, the customer leaves what the
index holds for that tag and joins its `after` value; tags neither side names are untouched.
Expired values (`expires_at <= now`) are never indexed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from pyroaring import BitMap

from services.tags.model import Assignment
from services.tags.segments.idmap import IdMap, Versions
from services.tags.segments.index import TagUsage
from services.tags.segments.ranges import SortedPoints
from services.tags.segments.times import AssignedTimes

_EMPTY = BitMap()  # returned for unknown tags and values; never mutated


def point_of(value: str) -> float | None:
    """Where a value sits on a range axis: a number as itself, an ISO date as its ordinal, else None."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return float(date.fromisoformat(value).toordinal())
    except ValueError:
        return None


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass
class _Tag:
    has: BitMap = field(default_factory=BitMap)
    values: dict[str, BitMap] = field(default_factory=dict)
    points: SortedPoints = field(default_factory=SortedPoints)
    names: dict[float, str] = field(default_factory=dict)  # point → the value string it came from
    sources: dict[str, BitMap] = field(default_factory=dict)
    assigned: AssignedTimes = field(default_factory=AssignedTimes)

    def add(self, number: int, a: Assignment) -> None:
        """Index a customer that holds no value of this tag (`discard` first otherwise)."""
        self.has.add(number)
        self.values.setdefault(a.value, BitMap()).add(number)
        point = point_of(a.value)
        if point is not None:
            self.points.add(number, point)
            self.names[point] = a.value
        self.sources.setdefault(a.source, BitMap()).add(number)
        self.assigned.add(number, epoch_ms(a.assigned_at))

    def discard(self, number: int, hint: str | None, hint_ms: int | None = None) -> None:
        """Take the customer out; `hint` / `hint_ms`, its value and assignment time if the caller
        knows them, save searching for them."""
        if number not in self.has:
            return
        self.has.discard(number)
        value = (
            hint if hint is not None and number in self.values.get(hint, _EMPTY) else self._value_of(number)
        )
        if value is not None:
            bitmap = self.values[value]
            bitmap.discard(number)
            if not bitmap:
                del self.values[value]
            point = point_of(value)
            if point is not None:
                self.points.discard(number, point)
        for bitmap in self.sources.values():
            bitmap.discard(number)
        self.assigned.discard(number, hint_ms)

    def _value_of(self, number: int) -> str | None:
        point = self.points.point_of(number)
        if point is not None and number in self.values.get(self.names[point], _EMPTY):
            return self.names[point]
        return next((v for v, bitmap in self.values.items() if number in bitmap), None)


@dataclass
class _Tenant:
    universe: BitMap = field(default_factory=BitMap)
    ids: IdMap = field(default_factory=IdMap)
    versions: Versions = field(default_factory=Versions)
    tags: dict[str, _Tag] = field(default_factory=dict)
    marks: dict[str, list[int]] = field(default_factory=dict)  # tag → [last assigned ms, last removed ms]


class RoaringIndex:
    """Implements `segments.index.TagIndex`, plus the writes that keep it current."""

    def __init__(self) -> None:
        self._tenants: dict[str, _Tenant] = {}
        self._dirty: set[tuple[str, str]] = set()  # (tenant, tag) whose marks rose since last taken

    def _tenant(self, tenant: str) -> _Tenant:
        t = self._tenants.get(tenant)
        if t is None:
            t = self._tenants[tenant] = _Tenant()
        return t

    def _tag(self, tenant: str, tag: str) -> _Tag | None:
        t = self._tenants.get(tenant)
        return t.tags.get(tag) if t is not None else None

    # ---- answers (TagIndex) ----

    def universe(self, tenant: str) -> BitMap:
        t = self._tenants.get(tenant)
        return t.universe if t is not None else _EMPTY

    def has(self, tenant: str, tag: str) -> BitMap:
        x = self._tag(tenant, tag)
        return x.has if x is not None else _EMPTY

    def equals(self, tenant: str, tag: str, value: str) -> BitMap:
        x = self._tag(tenant, tag)
        return x.values.get(value, _EMPTY) if x is not None else _EMPTY

    def value_range(
        self,
        tenant: str,
        tag: str,
        low: float | None,
        high: float | None,
        *,
        low_inclusive: bool = True,
        high_inclusive: bool = True,
    ) -> BitMap:
        x = self._tag(tenant, tag)
        if x is None:
            return _EMPTY
        return x.points.between(low, high, low_inclusive=low_inclusive, high_inclusive=high_inclusive)

    def by_source(self, tenant: str, tag: str, source: str) -> BitMap:
        x = self._tag(tenant, tag)
        return x.sources.get(source, _EMPTY) if x is not None else _EMPTY

    def assigned_between(self, tenant: str, tag: str, after_ms: int | None, before_ms: int | None) -> BitMap:
        x = self._tag(tenant, tag)
        return x.assigned.between(after_ms, before_ms) if x is not None else _EMPTY

    def number_of(self, tenant: str, customer_id: str) -> int | None:
        t = self._tenants.get(tenant)
        return t.ids.number_of(customer_id) if t is not None else None

    def customer_ids(self, tenant: str, numbers: Iterable[int]) -> list[str]:
        t = self._tenants.get(tenant)
        if t is None:
            return []
        return t.ids.ids_of(numbers)

    def usage(self, tenant: str) -> dict[str, TagUsage]:
        t = self._tenants.get(tenant)
        if t is None:
            return {}
        out: dict[str, TagUsage] = {}
        for tag in set(t.tags) | set(t.marks):
            x = t.tags.get(tag)
            assigned, removed = t.marks.get(tag, (0, 0))
            out[tag] = TagUsage(
                customers=len(x.has) if x is not None else 0,
                last_assigned_ms=assigned,
                last_removed_ms=removed,
            )
        return out

    def tag_keys(self, tenant: str) -> list[str]:
        t = self._tenants.get(tenant)
        return sorted(tag for tag, x in t.tags.items() if x.has) if t is not None else []

    def value_bitmaps(self, tenant: str, tag: str) -> Mapping[str, BitMap]:
        x = self._tag(tenant, tag)
        return x.values if x is not None else {}

    # ---- changes ----

    def version_of(self, tenant: str, number: int) -> int:
        """The version of the customer's document the index holds (0: none applied)."""
        t = self._tenants.get(tenant)
        return t.versions.get(number) if t is not None else 0

    def apply(
        self,
        tenant: str,
        number: int,
        customer_id: str,
        before: Mapping[str, Assignment],
        after: Mapping[str, Assignment],
        *,
        version: int | None = None,
        now_ms: int | None = None,
    ) -> bool:
        """Move one customer from its indexed values of the tags either side names to `after`'s.

        With `version`, a change older than (or as old as) what the index holds is ignored (False),
        so own writes and the event stream can deliver the same change in any order.
        """
        return self._move(
            tenant, number, customer_id, set(before) | set(after), before, after, version, now_ms
        )

    def replace(
        self,
        tenant: str,
        number: int,
        customer_id: str,
        after: Mapping[str, Assignment],
        *,
        version: int | None = None,
        now_ms: int | None = None,
    ) -> bool:
        """Make the customer's indexed tags exactly `after` (a re-read document), whatever it held."""
        t = self._tenants.get(tenant)
        held = {tag for tag, x in t.tags.items() if number in x.has} if t is not None else set()
        return self._move(tenant, number, customer_id, held | set(after), {}, after, version, now_ms)

    def _move(
        self,
        tenant: str,
        number: int,
        customer_id: str,
        tags: set[str],
        before: Mapping[str, Assignment],
        after: Mapping[str, Assignment],
        version: int | None,
        now_ms: int | None,
    ) -> bool:
        t = self._tenant(tenant)
        if version is not None:
            if version <= t.versions.get(number):
                return False
            t.versions.set(number, version)
        now = int(time.time() * 1000) if now_ms is None else now_ms
        t.universe.add(number)
        t.ids.put(number, customer_id)
        for tag in tags:
            old = before.get(tag)
            new = after.get(tag)
            if new is not None and new.expires_at is not None and epoch_ms(new.expires_at) <= now:
                new = None
            x = t.tags.get(tag)
            if new is not None and new == old and x is not None and number in x.values.get(new.value, _EMPTY):
                continue  # unchanged and indexed as it is (a write passes all of a customer's tags)
            held = x is not None and number in x.has
            if x is not None and (held or new is not None):
                if old is not None:
                    x.discard(number, old.value, epoch_ms(old.assigned_at))
                else:
                    x.discard(number, None)
            if new is not None:
                if x is None:
                    x = t.tags[tag] = _Tag()
                x.add(number, new)
                if old is None or old.value != new.value or old.assigned_at != new.assigned_at:
                    self._mark(tenant, t, tag, assigned_ms=epoch_ms(new.assigned_at))
            elif held:
                self._mark(tenant, t, tag, removed_ms=now)
        return True

    def mark(self, tenant: str, tag: str, *, assigned_ms: int = 0, removed_ms: int = 0) -> None:
        """Raise a tag's usage marks to what was stored (at start); not reported as changed."""
        marks = self._tenant(tenant).marks.setdefault(tag, [0, 0])
        marks[0] = max(marks[0], assigned_ms)
        marks[1] = max(marks[1], removed_ms)

    def _mark(self, tenant: str, t: _Tenant, tag: str, *, assigned_ms: int = 0, removed_ms: int = 0) -> None:
        marks = t.marks.setdefault(tag, [0, 0])
        if assigned_ms > marks[0] or removed_ms > marks[1]:
            marks[0] = max(marks[0], assigned_ms)
            marks[1] = max(marks[1], removed_ms)
            self._dirty.add((tenant, tag))

    def take_changed_marks(self) -> list[tuple[str, str, int, int]]:
        """(tenant, tag, last assigned ms, last removed ms) of every tag whose marks rose since the
        last call: what the keeper writes to `tag_usage`, coalesced."""
        dirty, self._dirty = self._dirty, set()
        out = []
        for tenant, tag in sorted(dirty):
            assigned, removed = self._tenants[tenant].marks[tag]
            out.append((tenant, tag, assigned, removed))
        return out

    def marks(self, tenant: str) -> dict[str, tuple[int, int]]:
        t = self._tenants.get(tenant)
        return {tag: (m[0], m[1]) for tag, m in t.marks.items()} if t is not None else {}

    def forget(self, tenant: str, number: int) -> None:
        """Take the customer out of every tag (not the universe), leaving the usage marks alone: a bulk
        load is about to OR its newer state in."""
        t = self._tenants.get(tenant)
        for x in t.tags.values() if t is not None else ():
            x.discard(number, None)

    def load_customers(self, tenant: str, customers: list[tuple[int, str, int]]) -> None:
        """Bulk: (number, customer id, version) of customers loaded with `merge_tag`."""
        t = self._tenant(tenant)
        t.universe |= BitMap(n for n, _, _ in customers)
        for number, customer_id, version in customers:
            t.ids.put(number, customer_id)
            t.versions.set(number, max(version, t.versions.get(number)))

    def merge_tag(
        self,
        tenant: str,
        tag: str,
        values: dict[str, BitMap],
        sources: dict[str, BitMap],
        times: tuple[list[int], list[int]],
        *,
        last_assigned_ms: int = 0,
    ) -> None:
        """Bulk: OR whole bitmaps of customers the tag does not hold yet into it (`bulk.py`); `times`
        is (numbers, assignment ms) of those customers."""
        t = self._tenant(tenant)
        x = t.tags.get(tag)
        if x is None:
            x = t.tags[tag] = _Tag()
        points = dict(x.points.bitmaps)
        for value, bitmap in values.items():
            if not bitmap:
                continue
            x.values[value] = x.values[value] | bitmap if value in x.values else bitmap
            point = point_of(value)
            if point is not None:  # its own copy: "1" and "1.0" are two values but one point
                points[point] = points[point] | bitmap if point in points else BitMap(bitmap)
                x.names.setdefault(point, value)
        if len(points) != len(x.points) or any(values.values()):
            x.points.load(points)
        nonempty = [b for b in values.values() if b]
        if nonempty:
            x.has = BitMap.union(x.has, *nonempty)
        for source, bitmap in sources.items():
            if bitmap:
                x.sources[source] = x.sources[source] | bitmap if source in x.sources else bitmap
        x.assigned.load(*times)
        if last_assigned_ms:
            self._mark(tenant, t, tag, assigned_ms=last_assigned_ms)

    def tenants(self) -> list[str]:
        return list(self._tenants)

    def run_optimize(self) -> None:
        """Compress runs after a bulk load (saves memory, speeds up dense bitmaps)."""
        for t in self._tenants.values():
            t.universe.run_optimize()
            for x in t.tags.values():
                x.has.run_optimize()
                for bitmap in (*x.values.values(), *x.sources.values()):
                    bitmap.run_optimize()
                x.points.run_optimize()
                x.assigned.run_optimize()
