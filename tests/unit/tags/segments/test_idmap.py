"""The lean number ↔ id maps (`segments/idmap.py`) against plain dicts: growth, collisions, unknown ids,
non-ASCII and long ids, gaps in the numbers, and the rare re-numbering."""

from __future__ import annotations

import random

import pytest

from services.tags.segments.idmap import MAX_NUMBER, IdMap, Versions


def test_many_ids_round_trip_through_every_growth() -> None:
    ids = IdMap()
    want = {f"cus_{n:026d}": n for n in range(1, 20_001)}
    for cid, n in want.items():
        ids.put(n, cid)
    assert len(ids) == 20_000
    assert all(ids.number_of(cid) == n for cid, n in want.items())
    assert ids.ids_of([3, 1, 20_000, 20_001, 0]) == [f"cus_{3:026d}", f"cus_{1:026d}", f"cus_{20_000:026d}"]
    assert ids.number_of("cus_unknown") is None and ids.number_of("") is None
    assert ids.nbytes() < 60 * 20_000  # the aim: under 60 bytes a customer, both directions


def test_colliding_hashes_are_told_apart_by_their_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ids whose hashes agree in the low 32 bits probe the same slots: only the bytes tell them apart.
    ids = IdMap()
    forged = {f"c{k}": 42 for k in range(50)}
    monkeypatch.setattr("services.tags.segments.idmap._hash", lambda s: forged.get(s, 42))
    for k in range(50):
        ids.put(k + 1, f"c{k}")
    assert [ids.number_of(f"c{k}") for k in range(50)] == list(range(1, 51))
    assert ids.number_of("c50") is None


def test_non_ascii_and_long_ids_and_gaps_in_the_numbers() -> None:
    ids = IdMap()
    names = {7: "客户-上海-001", 0: "é", 1_000: "x" * 200, 999_999: "😀" * 40}
    for n, cid in names.items():
        ids.put(n, cid)
    for n, cid in names.items():
        assert ids.id_of(n) == cid and ids.number_of(cid) == n
    assert ids.id_of(8) is None and ids.id_of(-1) is None and ids.id_of(5_000_000) is None
    assert list(ids.items()) == sorted(names.items())
    with pytest.raises(ValueError):
        ids.put(MAX_NUMBER + 1, "too-big")
    with pytest.raises(ValueError):
        ids.put(-1, "negative")


def test_renumbering_keeps_the_map_a_bijection_like_a_pair_of_dicts() -> None:
    rng = random.Random(5)
    ids = IdMap()
    by_id: dict[str, int] = {}
    by_number: dict[int, str] = {}
    for _ in range(5000):
        n, cid = rng.randrange(300), f"c{rng.randrange(300)}"
        ids.put(n, cid)
        if cid in by_id:
            del by_number[by_id.pop(cid)]
        if n in by_number:
            del by_id[by_number.pop(n)]
        by_id[cid], by_number[n] = n, cid
    assert len(ids) == len(by_id)
    assert all(ids.number_of(f"c{k}") == by_id.get(f"c{k}") for k in range(300))
    assert all(ids.id_of(n) == by_number.get(n) for n in range(300))


def test_versions_default_to_zero_and_grow() -> None:
    versions = Versions()
    assert versions.get(5) == 0
    versions.set(1_000, 7)
    versions.set(3, 2)
    assert (versions.get(1_000), versions.get(3), versions.get(4), versions.get(-1)) == (7, 2, 0, 0)


def test_the_index_samples_and_finds_customers_through_the_lean_maps() -> None:
    from services.tags.segments.evaluate import sample
    from services.tags.segments.expression import Has
    from services.tags.segments.roaring_index import RoaringIndex
    from tests.unit.tags.test_segment_index import NOW_MS, _a

    index = RoaringIndex()
    for n, cid in enumerate(["客户一", "cus_01", "ünïcode"], start=1):
        index.apply("t1", n, cid, {}, {"vip": _a(cid, "vip", "")}, version=1)
    index.apply("t2", 1, "other-tenant", {}, {"vip": _a("other-tenant", "vip", "")}, version=1)
    assert sample(Has("vip"), index, "t1", now_ms=NOW_MS, limit=10) == ["客户一", "cus_01", "ünïcode"]
    assert index.number_of("t1", "ünïcode") == 3 and index.number_of("t1", "other-tenant") is None
    assert index.number_of("t2", "other-tenant") == 1 and index.customer_ids("t2", [2, 3]) == []
    assert index.version_of("t1", 2) == 1 and not index.apply("t1", 2, "cus_01", {}, {}, version=1)
