"""Unit tests of the Roaring segment index and the evaluator (services/tags/segments/): every answer
is checked against a brute-force evaluation over plain dictionaries of the same customers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from pyroaring import BitMap

from services.tags.model import Assignment, Evidence
from services.tags.segments.evaluate import count, evaluate, sample
from services.tags.segments.expression import (
    And,
    AssignedWithin,
    BySource,
    Equals,
    Has,
    In,
    Node,
    Not,
    Or,
    Range,
    range_point,
)
from services.tags.segments.ranges import SortedPoints
from services.tags.segments.roaring_index import RoaringIndex
from services.tags.segments.times import AssignedTimes

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW_MS = int((T0 + timedelta(days=400)).timestamp() * 1000)
REGIONS = ("上海", "杭州", "北京")
SOURCES = ("manual", "rule", "conversation")


def _a(
    customer: str, tag: str, value: str, *, source: str = "manual", at: datetime = T0, **kw: object
) -> Assignment:
    return Assignment(
        customer_id=customer,
        tag_key=tag,
        value=value,
        source=source,
        confidence=1.0,
        evidence=Evidence(),
        actor="u",
        assigned_at=at,
        **kw,  # type: ignore[arg-type]
    )


def _random_tags(rng: random.Random, customer: str) -> dict[str, Assignment]:
    tags: dict[str, Assignment] = {}
    at = T0 + timedelta(days=rng.randrange(300), milliseconds=rng.randrange(86_400_000))
    src = rng.choice(SOURCES)
    if rng.random() < 0.5:
        tags["vip"] = _a(customer, "vip", "", source=src, at=at)
    if rng.random() < 0.7:
        tags["region"] = _a(customer, "region", rng.choice(REGIONS), source=src, at=at)
    if rng.random() < 0.6:
        tags["budget"] = _a(customer, "budget", str(rng.randrange(0, 500) * 1000), source=src, at=at)
    if rng.random() < 0.4:
        day = T0.date() + timedelta(days=rng.randrange(365))
        tags["signed"] = _a(customer, "signed", day.isoformat(), source=src, at=at)
    return tags


def _matches(node: Node, tags: dict[str, Assignment], now_ms: int) -> bool:
    if isinstance(node, And):
        return all(_matches(c, tags, now_ms) for c in node.children)
    if isinstance(node, Or):
        return any(_matches(c, tags, now_ms) for c in node.children)
    if isinstance(node, Not):
        return not _matches(node.child, tags, now_ms)
    a = tags.get(node.tag)
    if a is None:
        return False
    if isinstance(node, Has):
        return True
    if isinstance(node, Equals):
        return a.value == node.value
    if isinstance(node, In):
        return a.value in node.values
    if isinstance(node, BySource):
        return a.source in node.sources
    if isinstance(node, AssignedWithin):
        ms = int(a.assigned_at.timestamp() * 1000)
        after = node.after_ms if node.last_days is None else now_ms - node.last_days * 86_400_000
        return (after is None or ms >= after) and (node.before_ms is None or ms < node.before_ms)
    assert isinstance(node, Range)
    x = range_point("date" if "-" in a.value else "number", a.value)
    lo_ok = node.low is None or x > node.low or (node.low_inclusive and x == node.low)
    hi_ok = node.high is None or x < node.high or (node.high_inclusive and x == node.high)
    return lo_ok and hi_ok


SIGNED_LOW = float((T0.date() + timedelta(days=100)).toordinal())
EXPRESSIONS: list[Node] = [
    Has("vip"),
    Not(Has("vip")),
    And((Has("vip"), Not(Equals("region", "上海")))),
    And((Not(Has("vip")), Not(Has("budget")))),
    Or((Equals("region", "北京"), Range("budget", low=300_000))),
    In("region", ("上海", "杭州")),
    And((Range("budget", 100_000, 200_000, low_inclusive=False), In("region", ("上海", "杭州")))),
    Range("budget", high=50_000, high_inclusive=False),
    Range("signed", low=SIGNED_LOW),
    BySource("region", ("rule", "conversation")),
    AssignedWithin("vip", after_ms=int((T0 + timedelta(days=100)).timestamp() * 1000)),
    AssignedWithin("budget", last_days=200),
    And((Has("vip"), Has("region"), Range("budget", 50_000), Not(Equals("region", "北京")), Has("signed"))),
    Equals("region", "广州"),
    Has("unknown-tag"),
]


def _check(index: RoaringIndex, state: dict[str, dict[str, Assignment]], numbers: dict[str, int]) -> None:
    for node in EXPRESSIONS:
        want = BitMap(numbers[c] for c, tags in state.items() if _matches(node, tags, NOW_MS))
        got = evaluate(node, index, "t1", now_ms=NOW_MS)
        assert got == want, node
        assert count(node, index, "t1", now_ms=NOW_MS) == len(want), node


def test_the_index_answers_like_a_brute_force_scan_through_random_changes() -> None:
    rng = random.Random(8)
    index = RoaringIndex()
    state: dict[str, dict[str, Assignment]] = {}
    numbers: dict[str, int] = {}
    for n in range(1, 801):
        customer = f"c{n}"
        numbers[customer] = n
        state[customer] = _random_tags(rng, customer)
        index.apply("t1", n, customer, {}, state[customer], version=1)
    _check(index, state, numbers)
    for step in range(600):  # changes, in place, with the before state the writer read
        customer = f"c{rng.randrange(1, 801)}"
        after = _random_tags(rng, customer)
        index.apply("t1", numbers[customer], customer, state[customer], after, version=2 + step)
        state[customer] = after
    _check(index, state, numbers)


def test_a_wrong_before_still_leaves_the_true_state() -> None:
    """The event path may apply a change twice or late: removal follows what the index holds."""
    index = RoaringIndex()
    index.apply("t1", 1, "c1", {}, {"budget": _a("c1", "budget", "1000")})
    index.apply("t1", 1, "c1", {"budget": _a("c1", "budget", "5")}, {"budget": _a("c1", "budget", "2000")})
    assert index.equals("t1", "budget", "1000") == BitMap()
    assert index.value_range("t1", "budget", 0, 1500) == BitMap()
    assert index.value_range("t1", "budget", 1500, None) == BitMap([1])
    index.apply("t1", 1, "c1", {}, {"region": _a("c1", "region", "上海")})
    assert index.has("t1", "budget") == BitMap([1])  # tags neither side names are untouched


def test_an_older_version_never_overwrites_a_newer_one() -> None:
    index = RoaringIndex()
    assert index.apply("t1", 1, "c1", {}, {"vip": _a("c1", "vip", "")}, version=3)
    assert not index.apply("t1", 1, "c1", {}, {}, version=2)
    assert not index.apply("t1", 1, "c1", {"vip": _a("c1", "vip", "")}, {}, version=3)
    assert index.has("t1", "vip") == BitMap([1])
    assert index.apply("t1", 1, "c1", {"vip": _a("c1", "vip", "")}, {}, version=4)
    assert index.has("t1", "vip") == BitMap()
    assert index.universe("t1") == BitMap([1])  # still a customer: NOT vip selects it
    assert count(Not(Has("vip")), index, "t1", now_ms=NOW_MS) == 1


def test_expired_values_are_never_indexed() -> None:
    index = RoaringIndex()
    gone = _a("c1", "vip", "", expires_at=T0 + timedelta(days=1))
    index.apply("t1", 1, "c1", {}, {"vip": gone}, now_ms=int((T0 + timedelta(days=2)).timestamp() * 1000))
    assert index.has("t1", "vip") == BitMap()
    assert index.universe("t1") == BitMap([1])


def test_tenants_never_see_each_others_customers() -> None:
    index = RoaringIndex()
    index.apply("a", 1, "c1", {}, {"vip": _a("c1", "vip", "")})
    assert count(Has("vip"), index, "b", now_ms=NOW_MS) == 0
    assert count(Not(Has("vip")), index, "b", now_ms=NOW_MS) == 0
    assert index.number_of("b", "c1") is None
    assert index.customer_ids("b", [1]) == []


def test_usage_counts_customers_and_keeps_the_last_marks() -> None:
    index = RoaringIndex()
    at = T0 + timedelta(hours=1)
    index.apply("t1", 1, "c1", {}, {"vip": _a("c1", "vip", "", at=at)}, now_ms=NOW_MS)
    index.apply("t1", 2, "c2", {}, {"vip": _a("c2", "vip", "", at=T0)}, now_ms=NOW_MS)
    index.apply("t1", 2, "c2", {"vip": _a("c2", "vip", "", at=T0)}, {}, now_ms=NOW_MS + 5)
    usage = index.usage("t1")["vip"]
    assert (usage.customers, usage.last_assigned_ms, usage.last_removed_ms) == (
        1,
        int(at.timestamp() * 1000),
        NOW_MS + 5,
    )
    index.mark("t1", "old", assigned_ms=7)
    assert index.usage("t1")["old"].customers == 0 and index.usage("t1")["old"].last_assigned_ms == 7


def test_sample_and_evaluate_return_the_callers_own_bitmaps() -> None:
    index = RoaringIndex()
    for n in range(1, 6):
        index.apply("t1", n, f"c{n}", {}, {"vip": _a(f"c{n}", "vip", "")})
    assert sample(Has("vip"), index, "t1", now_ms=NOW_MS, limit=3) == ["c1", "c2", "c3"]
    mine = evaluate(Has("vip"), index, "t1", now_ms=NOW_MS)
    mine.clear()
    assert len(index.has("t1", "vip")) == 5


def test_sorted_points_split_buckets_and_answer_ranges() -> None:
    rng = random.Random(1)
    points = SortedPoints()
    values = {n: float(rng.randrange(2000)) for n in range(5000)}
    for n, v in values.items():
        points.add(n, v)
    for n in range(0, 5000, 3):  # move a third of them
        points.discard(n, values[n])
        values[n] = float(rng.randrange(2000))
        points.add(n, values[n])
    for lo, hi in [(None, 10.0), (100.0, 1500.0), (1999.0, None), (500.5, 500.7), (None, None)]:
        want = BitMap(n for n, v in values.items() if (lo is None or v >= lo) and (hi is None or v < hi))
        assert points.between(lo, hi, high_inclusive=False) == want
    assert points.point_of(3) == values[3]


def test_assignment_times_answer_half_open_windows() -> None:
    rng = random.Random(2)
    sliced = AssignedTimes()
    values = {n: rng.randrange(1_700_000_000_000, 1_800_000_000_000) for n in range(3000)}
    for n, v in values.items():
        sliced.set(n, v)
    lo, hi = 1_740_000_000_000, 1_760_000_000_000
    assert sliced.between(lo, hi) == BitMap(n for n, v in values.items() if lo <= v < hi)
    assert sliced.between(values[7], values[7] + 1) >= BitMap([7])
    assert sliced.get(7) == values[7]
    sliced.discard(7)
    assert sliced.get(7) is None and 7 not in sliced.between(None, None)


def test_a_bulk_load_answers_like_changes_applied_one_by_one_and_keeps_newer_writes() -> None:
    from dataclasses import asdict

    from services.tags.segments.bulk import BulkLoad

    rng = random.Random(9)
    state = {f"c{n}": _random_tags(rng, f"c{n}") for n in range(1, 501)}
    numbers = {f"c{n}": n for n in range(1, 501)}
    index = RoaringIndex()
    newer = _random_tags(rng, "c7")  # a write applied while the rebuild was reading
    index.apply("t1", 7, "c7", {}, newer, version=5)
    older = {"vip": _a("c8", "vip", ""), "budget": _a("c8", "budget", "1")}
    index.apply("t1", 8, "c8", {}, older, version=3)  # applied before a write the rebuild then read
    bulk = BulkLoad(now_ms=NOW_MS)
    for customer, tags in state.items():
        bulk.add("t1", numbers[customer], customer, 4, {k: asdict(a) for k, a in tags.items()})
        if numbers[customer] == 250:
            bulk.merge_into(index)  # in several merges, as a long rebuild does
    bulk.merge_into(index)
    state["c7"] = newer
    _check(index, state, numbers)
    assert index.usage("t1")["vip"].customers == sum("vip" in tags for tags in state.values())


def test_sorted_points_with_many_values_split_groups_and_survive_emptied_buckets() -> None:
    rng = random.Random(3)
    points = SortedPoints()
    values: dict[int, float] = {}
    for n in range(30_000):  # one by one: buckets and groups split as values arrive
        values[n] = float(rng.randrange(20_000))
        points.add(n, values[n])
    for n in range(0, 30_000, 2):  # half leave: many values (and some buckets) empty out
        points.discard(n, values.pop(n))
    for lo, hi in [(None, 5_000.0), (7_000.0, 7_100.0), (19_990.0, None), (None, None), (3.0, 3.0)]:
        want = BitMap(n for n, v in values.items() if (lo is None or v >= lo) and (hi is None or v <= hi))
        assert points.between(lo, hi) == want, (lo, hi)
