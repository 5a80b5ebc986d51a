"""Which signal ids this process stored, or is storing: what lets a write trim `recent_ids` without a read.

services/intent/engine.py ("Exactly once") keeps in each aggregate the ids it added and has not yet seen
stored. A write drops the ids found stored by then: those this process stored lately are known here
(`StoredIds`), those a batch of this process is still inserting are kept without asking (`InFlightIds`),
and only the rest (another replica's, or from before a crash) take a read.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


class StoredIds:
    """The signal ids this process stored lately (bounded; the oldest are forgotten first)."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._capacity = capacity
        self._keys: dict[str, None] = {}  # insertion-ordered: a bounded FIFO set

    def add(self, tenant: str, ids: Sequence[str]) -> None:
        for i in ids:
            self._keys[f"{tenant}|{i}"] = None
        excess = len(self._keys) - self._capacity
        if excess > 0:
            for key in list(itertools.islice(self._keys, excess)):
                del self._keys[key]

    def known(self, tenant: str, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if f"{tenant}|{i}" in self._keys}


class InFlightIds:
    """The signal ids a batch of this process is adding and storing right now (counted per batch)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    @contextmanager
    def holding(self, tenant: str, ids: Sequence[str]) -> Iterator[None]:
        keys = [f"{tenant}|{i}" for i in ids]
        self._counts.update(keys)
        try:
            yield
        finally:
            self._counts.subtract(keys)
            for key in keys:
                if self._counts[key] <= 0:
                    del self._counts[key]

    def has(self, tenant: str, signal_id: str) -> bool:
        return f"{tenant}|{signal_id}" in self._counts
