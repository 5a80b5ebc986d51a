"""The pool's pure rules: defaults and validation, release reasons, and who gets a new lead."""

from __future__ import annotations

import pytest

from common.errors import InvalidArgument
from services.leads.pool.assignment import candidates, pool_for_region
from services.leads.pool.rules import (
    ASSIGN_CAPACITY,
    ASSIGN_ROUND_ROBIN,
    DEFAULT_LOST_REASONS,
    PoolRules,
    check_release_reason,
    validate_pool,
)


def test_a_pool_without_reasons_gets_the_default_lost_reasons() -> None:
    rules = validate_pool(PoolRules(id="p", name=" 华东 ", lost_reasons=()))
    assert (rules.name, rules.lost_reasons) == ("华东", DEFAULT_LOST_REASONS)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "pool.name"),
        ({"claim_limit": 0}, "pool.claim_limit"),
        ({"follow_up_days": 0}, "pool.follow_up_days"),
        ({"cooldown_hours": -1}, "pool.cooldown_hours"),
        ({"lost_reasons": ("无跟进",)}, "pool.lost_reasons"),
        ({"assignment": ASSIGN_ROUND_ROBIN}, "pool.members"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate_pool(PoolRules(**{"id": "p", "name": "East", **change}))  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_release_needs_one_of_the_pools_reasons() -> None:
    rules = validate_pool(PoolRules(id="p", name="East"))
    assert check_release_reason(rules, " 选择竞品 ", " 友商 ") == ("选择竞品", "友商")
    for reason in ("", "无跟进", "随便"):
        with pytest.raises(InvalidArgument, match="预算不足"):
            check_release_reason(rules, reason, "")


def test_round_robin_takes_turns_and_skips_full_members() -> None:
    rules = PoolRules(
        id="p", name="East", assignment=ASSIGN_ROUND_ROBIN, members=("a", "b", "c"), claim_limit=2
    )
    assert candidates(rules, turn=4, loads={}) == ["b", "c", "a"]
    assert candidates(rules, turn=4, loads={"b": 2}) == ["c", "a"]


def test_capacity_prefers_the_most_free_places_then_the_listed_order() -> None:
    rules = PoolRules(id="p", name="East", assignment=ASSIGN_CAPACITY, members=("a", "b", "c"), claim_limit=3)
    assert candidates(rules, turn=0, loads={"a": 2, "b": 0, "c": 0}) == ["b", "c", "a"]
    assert candidates(rules, turn=0, loads={"a": 3, "b": 3, "c": 3}) == []


def test_a_customer_enters_the_pool_of_its_region_else_the_default_pool() -> None:
    pools = [PoolRules(id="e", name="East", region="上海"), PoolRules(id="d", name="Default")]
    assert pool_for_region(pools, "上海").id == "e"  # type: ignore[union-attr]
    assert pool_for_region(pools, "北京").id == "d"  # type: ignore[union-attr]
    assert pool_for_region(pools[:1], "") is None
