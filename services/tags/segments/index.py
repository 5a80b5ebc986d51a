"""What the segment index answers: the contract between the index and the code that evaluates on it.

Customers are dense integers per tenant (assigned by the tags service, DESIGN §6 Ids); every answer
is a Roaring bitmap of those numbers over the customers' *active* assignments (an expired value is
out of the index by the time its expiry timer fires). Bitmaps returned are the index's own: callers
never mutate them (combine with the non-mutating operators `&`, `|`, `-`, or copy first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pyroaring import BitMap


@dataclass(frozen=True, kw_only=True)
class TagUsage:
    """How much one tag is used: its active customers and the last times it was assigned and removed."""

    customers: int = 0
    last_assigned_ms: int = 0  # 0: never assigned
    last_removed_ms: int = 0  # 0: never removed


class TagIndex(Protocol):
    def universe(self, tenant: str) -> BitMap:
        """Every customer of the tenant that has a number (the complement of NOT is taken in it)."""
        ...

    def has(self, tenant: str, tag: str) -> BitMap: ...

    def equals(self, tenant: str, tag: str, value: str) -> BitMap: ...

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
        """Customers whose number/date value lies in the range (`expression.range_point` axis)."""
        ...

    def by_source(self, tenant: str, tag: str, source: str) -> BitMap: ...

    def assigned_between(self, tenant: str, tag: str, after_ms: int | None, before_ms: int | None) -> BitMap:
        """Customers whose active value of the tag was assigned in [after_ms, before_ms)."""
        ...

    def number_of(self, tenant: str, customer_id: str) -> int | None: ...

    def customer_ids(self, tenant: str, numbers: Iterable[int]) -> list[str]:
        """The customer ids of the numbers, in the order given (unknown numbers are skipped)."""
        ...

    def usage(self, tenant: str) -> dict[str, TagUsage]:
        """Usage of every tag the tenant ever used (a tag absent here was never assigned)."""
        ...

    def tag_keys(self, tenant: str) -> list[str]:
        """The keys of the tags some customer of the tenant has now, sorted (look-alike features)."""
        ...

    def value_bitmaps(self, tenant: str, tag: str) -> Mapping[str, BitMap]:
        """Each value of the tag held now → its customers (look-alike features of enum tags)."""
        ...
