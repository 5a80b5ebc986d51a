"""Lean number ↔ customer id maps for the segment index: flat arrays instead of Python dicts.

Why: a tenant's customer numbers are dense (1, 2, 3, … with rare gaps), and at 10 M customers two
dicts of `str` ↔ `int` cost about 270 MB per million customers (a dict entry, a 30-character `str`
object and an `int` object per customer, twice). Here one customer costs about 50 bytes:
- its id's UTF-8 bytes, prefixed with their length (1 byte below 128 bytes), in one `bytearray`;
- the offset of those bytes, by number, in an `array('q')` (−1: the number has no id);
- the low 32 bits of the id's hash, by number, in an `array('I')`: a probe compares bytes only when
  the hashes agree, and growing the table never re-reads or re-hashes an id;
- an open-addressing hash table (linear probing, load ≤ 0.7) of number + 1 (0: empty) in an
  `array('I')`, for id → number.
Lookups are O(1) expected, appends O(1) amortised (the table doubles; the arrays over-allocate).

The map is a bijection: giving a number a different id forgets the old id, and giving an id a
different number forgets the old number (numbers are stable forever, so neither happens in practice,
but the map stays exact if it does). Forgotten ids leave dead slots, which the next growth drops.
`Versions` is the same idea for one integer per number (the indexed document version).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

MAX_NUMBER = (1 << 32) - 2  # slots hold number + 1 in 32 bits (Roaring bitmaps are 32-bit anyway)
MAX_ID_BYTES = (1 << 14) - 1  # a two-byte length prefix at most
_HASH_MASK = 0xFFFFFFFF
_MIN_CAPACITY = 8
_LOAD = 0.7
_hash = hash  # per process (PYTHONHASHSEED): fine, the table never leaves the process; tests forge it


def _check_number(number: int) -> None:
    if not 0 <= number <= MAX_NUMBER:
        raise ValueError(f"customer number {number} is outside 0..{MAX_NUMBER}")


class IdMap:
    """Customer id ↔ dense number for one tenant."""

    def __init__(self) -> None:
        self._bytes = bytearray()
        self._offsets = array("q")  # by number: where its id starts in `_bytes`, −1 for none
        self._hashes = array("I")  # by number: low 32 bits of hash(id)
        self._slots = array("I", bytes(4 * _MIN_CAPACITY))  # number + 1, 0 = empty
        self._mask = _MIN_CAPACITY - 1
        self._used = 0  # slots taken, dead ones included (they count towards the load)
        self._count = 0  # numbers with an id

    def __len__(self) -> int:
        return self._count

    # ---- lookups ----

    def number_of(self, customer_id: str) -> int | None:
        """The customer's number, or None for an id the map does not hold."""
        slot = self._find(customer_id, customer_id.encode(), _hash(customer_id) & _HASH_MASK)
        return None if slot is None else self._slots[slot] - 1

    def id_of(self, number: int) -> str | None:
        """The customer id of a number, or None for a number without one."""
        if not 0 <= number < len(self._offsets):
            return None
        start = self._offsets[number]
        if start < 0:
            return None
        length, head = self._length_at(start)
        return self._bytes[start + head : start + head + length].decode()

    def ids_of(self, numbers: Iterable[int]) -> list[str]:
        """The ids of the numbers in the order given; numbers without an id are skipped."""
        return [cid for n in numbers if (cid := self.id_of(n)) is not None]

    def items(self) -> Iterator[tuple[int, str]]:
        """(number, id) in number order."""
        for number in range(len(self._offsets)):
            if self._offsets[number] >= 0:
                cid = self.id_of(number)
                assert cid is not None
                yield number, cid

    # ---- changes ----

    def put(self, number: int, customer_id: str) -> None:
        """Make `customer_id` ↔ `number` (a no-op when the map already says so)."""
        _check_number(number)
        key = customer_id.encode()
        if len(key) > MAX_ID_BYTES:
            raise ValueError(f"customer id longer than {MAX_ID_BYTES} bytes")
        h = _hash(customer_id) & _HASH_MASK
        slot = self._find(customer_id, key, h)
        if slot is not None:
            held = self._slots[slot] - 1
            if held == number:
                return
            self._offsets[held] = -1  # the id moves: its old number forgets it
            self._count -= 1
        if number < len(self._offsets) and self._offsets[number] >= 0:
            self._count -= 1  # the number had another id: that id is forgotten (its slot is dead now)
        self._store(number, key, h)
        self._count += 1
        if slot is not None:
            self._slots[slot] = number + 1
        else:
            self._insert(number, h)

    def nbytes(self) -> int:
        """Bytes held by the map's buffers (what `tracemalloc` would see, less object headers)."""
        return (
            len(self._bytes)
            + self._offsets.itemsize * len(self._offsets)
            + self._hashes.itemsize * len(self._hashes)
            + self._slots.itemsize * len(self._slots)
        )

    # ---- internals ----

    def _length_at(self, start: int) -> tuple[int, int]:
        """(length of the id stored at `start`, size of its length prefix)."""
        first = self._bytes[start]
        if first < 0x80:
            return first, 1
        return (first & 0x7F) | (self._bytes[start + 1] << 7), 2

    def _matches(self, number: int, key: bytes) -> bool:
        start = self._offsets[number]
        if start < 0:
            return False
        length, head = self._length_at(start)
        return length == len(key) and self._bytes.startswith(key, start + head)

    def _find(self, customer_id: str, key: bytes, h: int) -> int | None:
        """The slot holding `customer_id`, or None."""
        slots, hashes, mask = self._slots, self._hashes, self._mask
        i = h & mask
        while (held := slots[i]) != 0:
            number = held - 1
            if hashes[number] == h and self._matches(number, key):
                return i
            i = (i + 1) & mask
        return None

    def _store(self, number: int, key: bytes, h: int) -> None:
        missing = number + 1 - len(self._offsets)
        if missing == 1:  # the usual case: numbers arrive in order
            self._offsets.append(-1)
            self._hashes.append(0)
        elif missing > 0:
            self._offsets.extend(array("q", [-1]) * missing)
            self._hashes.extend(array("I", [0]) * missing)
        self._offsets[number] = len(self._bytes)
        length = len(key)
        if length < 0x80:
            self._bytes.append(length)
        else:
            self._bytes += bytes(((length & 0x7F) | 0x80, length >> 7))
        self._bytes += key
        self._hashes[number] = h

    def _insert(self, number: int, h: int) -> None:
        if (self._used + 1) > _LOAD * (self._mask + 1):
            self._grow()
        slots, mask = self._slots, self._mask
        i = h & mask
        while slots[i] != 0:
            i = (i + 1) & mask
        slots[i] = number + 1
        self._used += 1

    def _grow(self) -> None:
        """Rehash into a table the live ids fill at most half way to the load limit (usually double)."""
        capacity = _MIN_CAPACITY  # dead slots are dropped: the live ids alone decide the size
        while self._count > _LOAD * capacity / 2:
            capacity *= 2
        slots = array("I", bytes(4 * capacity))
        mask = capacity - 1
        offsets, hashes = self._offsets, self._hashes
        used = 0
        for number in range(len(offsets)):
            if offsets[number] < 0:
                continue
            i = hashes[number] & mask
            while slots[i] != 0:
                i = (i + 1) & mask
            slots[i] = number + 1
            used += 1
        self._slots, self._mask, self._used = slots, mask, used


class Versions:
    """One non-negative integer per number (0 where none was set), in an `array('q')`."""

    def __init__(self) -> None:
        self._values = array("q")

    def get(self, number: int) -> int:
        return self._values[number] if 0 <= number < len(self._values) else 0

    def set(self, number: int, value: int) -> None:
        _check_number(number)
        missing = number + 1 - len(self._values)
        if missing > 0:
            self._values.extend(array("q", [0]) * missing)
        self._values[number] = value

    def nbytes(self) -> int:
        return self._values.itemsize * len(self._values)
