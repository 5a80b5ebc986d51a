"""Loading many customers into the index at once (the start-up rebuild): whole bitmaps, not adds.

Adding one assignment at a time costs a Python call per bitmap touched; a rebuild instead gathers
plain lists per tag, value and source and builds each bitmap in one call, then ORs them into the
index (`RoaringIndex.merge_tag`); assignment times are loaded whole, sorted once per tag
(`AssignedTimes.load`).

A rebuild runs while the service already takes writes: a customer the index already holds at the
same or a newer `version` (an own write applied during the rebuild) is left out of the load, and one
it holds at an older version is taken out of the index first, so OR-ing the loaded bitmaps is exact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyroaring import BitMap

from services.tags.segments.roaring_index import RoaringIndex


@dataclass
class _TagLists:
    values: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    numbers: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)


@dataclass
class _TenantLists:
    customers: list[tuple[int, str, int]] = field(default_factory=list)  # (number, id, version)
    tags: dict[str, _TagLists] = field(default_factory=lambda: defaultdict(_TagLists))


def _ms(value: datetime) -> int:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


class BulkLoad:
    """Gathers stored customer documents; `merge_into` builds and ORs the bitmaps, then starts over."""

    def __init__(self, *, now_ms: int) -> None:
        self._now_ms = now_ms
        self._tenants: dict[str, _TenantLists] = defaultdict(_TenantLists)
        self.pending = 0  # assignments gathered since the last merge

    def add(self, tenant: str, number: int, customer_id: str, version: int, tags: dict[str, Any]) -> None:
        """One `tag_customers` document's raw `tags` (expired values are left out)."""
        t = self._tenants[tenant]
        t.customers.append((number, customer_id, version))
        for doc in tags.values():
            expires = doc.get("expires_at")
            if expires is not None and _ms(expires) <= self._now_ms:
                continue
            lists = t.tags[doc["tag_key"]]
            lists.values[doc["value"]].append(number)
            lists.sources[doc["source"]].append(number)
            lists.numbers.append(number)
            lists.times.append(_ms(doc["assigned_at"]))
            self.pending += 1

    def merge_into(self, index: RoaringIndex) -> None:
        for tenant, t in self._tenants.items():
            stale = BitMap()
            for number, _, version in t.customers:
                held = index.version_of(tenant, number)
                if held >= version:
                    stale.add(number)  # indexed meanwhile at this version or a newer one: keep that
                elif held:
                    index.forget(tenant, number)  # indexed at an older version: the OR needs it gone
            index.load_customers(tenant, [(n, c, v) for n, c, v in t.customers if n not in stale])
            for tag, lists in t.tags.items():
                index.merge_tag(
                    tenant,
                    tag,
                    {value: BitMap(ns) - stale for value, ns in lists.values.items()},
                    {source: BitMap(ns) - stale for source, ns in lists.sources.items()},
                    _fresh_times(lists.numbers, lists.times, stale),
                    last_assigned_ms=max(lists.times, default=0),
                )
        self._tenants.clear()
        self.pending = 0


def _fresh_times(numbers: list[int], times: list[int], stale: BitMap) -> tuple[list[int], list[int]]:
    """(numbers, times) without the customers the index holds at a newer version."""
    if not stale:
        return numbers, times
    kept = [(n, ms) for n, ms in zip(numbers, times, strict=True) if n not in stale]
    return [n for n, _ in kept], [ms for _, ms in kept]
