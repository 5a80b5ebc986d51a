"""Unit tests of the per-customer matcher and explain (services/tags/segments/match.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from services.tags.model import SOURCES, Assignment, Evidence
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
from services.tags.segments.match import active, epoch_ms, explain, matches, window_ms
from services.tags.segments.parser import parse_segment
from tests.unit.tags.segments.generate import BASE_DAY, TEXTS, tree
from tests.unit.tags.segments.library import BY_KEY, DEFINITIONS, NAMES

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


def given(tag: str, value: str = "", **options: object) -> Assignment:
    fields: dict[str, object] = {
        "customer_id": "cus_1",
        "tag_key": tag,
        "value": value,
        "source": "manual",
        "confidence": 1.0,
        "evidence": Evidence(),
        "actor": "usr_1",
        "assigned_at": NOW - timedelta(days=3),
    }
    fields.update(options)
    return Assignment(**fields)  # type: ignore[arg-type]


def customer(*assignments: Assignment) -> dict[str, Assignment]:
    return {a.tag_key: a for a in assignments}


def is_in(text: str, *assignments: Assignment) -> bool:
    return matches(parse_segment(text, NAMES), customer(*assignments), now=NOW)


def test_issue_example_in_and_out() -> None:
    segment = "已成交-定制衣柜 AND NOT 已复购"
    assert is_in(segment, given("deal.cabinet"))
    assert not is_in(segment, given("deal.cabinet"), given("deal.rebuy"))
    assert not is_in(segment)


def test_expired_and_inactive_values_count_as_absent() -> None:
    expired = given("deal.rebuy", expires_at=NOW)
    assert active(customer(expired), "deal.rebuy", NOW) is None
    assert is_in("已成交-定制衣柜 AND NOT 已复购", given("deal.cabinet"), expired)
    assert is_in("已复购", given("deal.rebuy", expires_at=NOW + timedelta(seconds=1)))
    assert not is_in("已复购", given("deal.rebuy", status="suggested"))


def test_not_equal_needs_a_value() -> None:
    assert is_in("区域 != 上海", given("region", "杭州"))
    assert not is_in("区域 != 上海", given("region", "上海"))
    assert not is_in("区域 != 上海")  # no region: in neither "= 上海" nor "!= 上海"
    assert is_in("NOT 区域 = 上海")  # but NOT (… = …) is the plain complement
    assert not is_in("区域 NOT IN (上海, 杭州)")
    assert is_in("区域 NOT IN (上海, 杭州)", given("region", "北京"))


def test_ranges_honour_inclusivity_and_compare_numbers_not_strings() -> None:
    assert is_in("budget >= 100000", given("budget", "100000"))
    assert not is_in("budget > 100000", given("budget", "100000"))
    assert is_in("budget > 99999.5", given("budget", "100000.0"))
    assert is_in("budget = 100000", given("budget", "1e5"))
    assert is_in("budget < 9", given("budget", "-20"))
    assert is_in("budget BETWEEN 1 AND 5", given("budget", "5"))
    assert not is_in("budget BETWEEN 1 AND 5", given("budget", "5.01"))
    assert is_in("budget IN (1, 2)", given("budget", "2"))
    assert not is_in("budget != 2", given("budget", "2.0"))


def test_date_ranges_compare_days() -> None:
    assert is_in("签约日 BETWEEN 2026-01-01 AND 2026-01-31", given("signed", "2026-01-31"))
    assert not is_in("签约日 < 2026-01-01", given("signed", "2026-01-01"))
    assert is_in("签约日 > 2025-12-31", given("signed", "2026-01-01"))


def test_provenance_and_assignment_windows() -> None:
    from_talk = given("intent.high", source="conversation", assigned_at=datetime(2026, 1, 10, tzinfo=UTC))
    assert is_in("高意向 FROM conversation", from_talk)
    assert not is_in("高意向 FROM (manual, rule)", from_talk)
    assert is_in("高意向 ASSIGNED AFTER 2026-01-10", from_talk)  # AFTER includes its instant
    assert not is_in("高意向 ASSIGNED BEFORE 2026-01-10", from_talk)  # BEFORE excludes it
    assert is_in("高意向 ASSIGNED WITHIN 11 DAYS", from_talk)  # 10 days 12 hours ago
    assert not is_in("高意向 ASSIGNED WITHIN 10 DAYS", from_talk)
    assert window_ms(AssignedWithin("t", after_ms=5, last_days=1), 86_400_010) == (10, None)
    assert window_ms(AssignedWithin("t", after_ms=50, before_ms=60, last_days=1), 86_400_010) == (50, 60)
    exactly = given("intent.high", assigned_at=NOW - timedelta(days=7))
    assert is_in("高意向 ASSIGNED WITHIN 7 DAYS", exactly)  # the window's start is included


def test_explain_says_why_a_customer_is_out() -> None:
    rebought = given(
        "deal.rebuy",
        source="rule",
        confidence=0.9,
        actor="svc:rules",
        evidence=Evidence(rule_id="rul_7", event_ids=("evt_1",)),
        assigned_at=datetime(2026, 1, 15, 8, 0, tzinfo=UTC),
    )
    node = parse_segment("已成交-定制衣柜 AND NOT 已复购 AND 区域 = 上海", NAMES)
    explained = explain(node, customer(given("deal.cabinet"), rebought), now=NOW, definitions=BY_KEY)
    assert (explained.result, explained.text) == (False, "已成交-定制衣柜 AND NOT 已复购 AND 区域 = 上海")
    assert explained.reason == "2 of 3 parts fail"
    cabinet, not_rebuy, region = explained.children
    assert (cabinet.result, cabinet.reason, cabinet.tag_name) == (
        True,
        "has the tag (set)",
        "已成交-定制衣柜",
    )
    assert (not_rebuy.result, not_rebuy.text) == (False, "NOT 已复购")
    rebuy = not_rebuy.children[0]
    assert rebuy.result and rebuy.facts is not None
    assert (rebuy.facts.source, rebuy.facts.confidence, rebuy.facts.actor) == ("rule", 0.9, "svc:rules")
    assert rebuy.facts.evidence == "rule rul_7; events evt_1"
    assert (region.result, region.reason, region.facts) == (False, "no active value", None)
    assert [p.text for p in explained.predicates()] == ["已成交-定制衣柜", "已复购", "区域 = 上海"]
    assert explained.to_dict()["children"][1]["children"][0]["facts"]["assigned_at"] == "2026-01-15T08:00:00Z"


def test_explain_names_an_expired_value() -> None:
    expired = given("region", "上海", expires_at=datetime(2026, 1, 19, tzinfo=UTC))
    explained = explain(parse_segment("区域 = 上海", NAMES), customer(expired), now=NOW, definitions=BY_KEY)
    assert not explained.result
    assert explained.reason == "no active value (expired at 2026-01-19T00:00:00Z)"
    keys = explain(parse_segment("区域 = 上海", NAMES), {}, now=NOW, definitions=BY_KEY, display_names=False)
    assert keys.text == "region = 上海"


# -- agreement: matcher, explain, and a set-algebra evaluation as the index does it


def random_customer(rng: random.Random) -> dict[str, Assignment]:
    found: dict[str, Assignment] = {}
    for definition in DEFINITIONS:
        if rng.random() < 0.45:
            continue
        kind = definition.value_type
        if kind == "flag":
            value = ""
        elif kind == "enum":
            value = rng.choice(definition.allowed_values)
        elif kind == "number":
            value = rng.choice(["0", "5", "-3", "100000", "0.1", "1e20", str(rng.randint(-5, 20))])
        elif kind == "date":
            value = date.fromordinal(BASE_DAY + rng.randint(-40, 40)).isoformat()
        else:
            value = rng.choice(TEXTS)
        found[definition.key] = given(
            definition.key,
            value,
            source=rng.choice(SOURCES),
            assigned_at=NOW - timedelta(milliseconds=rng.randint(0, 60 * 86_400_000)),
            expires_at=NOW + timedelta(days=rng.randint(-3, 3)) if rng.random() < 0.2 else None,
        )
    return found


def set_evaluate(node: Node, universe: set[int], people: list[dict[str, Assignment]]) -> set[int]:
    """What an index evaluator computes: per-predicate customer sets from the active values, NOT as
    the complement within the universe — written from docs/segments.md, not from match.py."""
    if isinstance(node, And):
        result = set(universe)
        for child in node.children:
            result &= set_evaluate(child, universe, people)
        return result
    if isinstance(node, Or):
        return set().union(*(set_evaluate(c, universe, people) for c in node.children))
    if isinstance(node, Not):
        return universe - set_evaluate(node.child, universe, people)
    value_type = BY_KEY[node.tag].value_type
    test: Callable[[Assignment], bool]
    if isinstance(node, Has):
        test = lambda a: True  # noqa: E731
    elif isinstance(node, Equals):
        test = lambda a: a.value == node.value  # noqa: E731
    elif isinstance(node, In):
        test = lambda a: a.value in node.values  # noqa: E731
    elif isinstance(node, Range):
        low, high = node.low, node.high

        def test(a: Assignment) -> bool:
            point = range_point(value_type, a.value)
            above = low is None or point > low or (node.low_inclusive and point == low)
            below = high is None or point < high or (node.high_inclusive and point == high)
            return above and below
    elif isinstance(node, BySource):
        test = lambda a: a.source in node.sources  # noqa: E731
    else:
        assert isinstance(node, AssignedWithin)
        after = max(
            node.after_ms if node.after_ms is not None else -(2**62),
            epoch_ms(NOW) - node.last_days * 86_400_000 if node.last_days is not None else -(2**62),
        )
        before = node.before_ms if node.before_ms is not None else 2**62
        test = lambda a: after <= epoch_ms(a.assigned_at) < before  # noqa: E731
    held = set()
    for number in universe:
        assignment = people[number].get(node.tag)
        if assignment is None or (assignment.expires_at is not None and assignment.expires_at <= NOW):
            continue
        if test(assignment):
            held.add(number)
    return held


def test_matcher_explain_and_set_evaluation_agree_on_random_segments() -> None:
    rng = random.Random(8)
    people = [random_customer(rng) for _ in range(60)] + [{}]
    universe = set(range(len(people)))
    sizes = []
    for _ in range(300):
        node = tree(rng)
        members = {n for n in universe if matches(node, people[n], now=NOW)}
        for number in rng.sample(sorted(universe), 5):
            assert explain(node, people[number], now=NOW, definitions=BY_KEY).result == (number in members)
        assert set_evaluate(node, universe, people) == members
        sizes.append(len(members))
    # the draw is not degenerate: segments of every size, not all empty or all full
    assert sum(0 < size < len(people) for size in sizes) > 150
