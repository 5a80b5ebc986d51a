"""Unit tests of saved segments' pure rules: the stored tree, who may change one, and which
segments a customer enters or leaves when one write changes their tags."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from common.errors import InvalidArgument, PermissionDenied
from services.tags.model import Assignment, Evidence, HistoryEntry
from services.tags.segments import codec
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
)
from services.tags.segments.saved import (
    SavedSegment,
    change_event_data,
    membership_changes,
    referencing,
    require_may_change,
    require_name,
)

T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def _a(tag: str, value: str = "") -> Assignment:
    return Assignment(
        customer_id="cus_1",
        tag_key=tag,
        value=value,
        source="manual",
        confidence=1.0,
        evidence=Evidence(),
        actor="rep-1",
        assigned_at=T0,
    )


def _h(tag: str, action: str = "assigned", value: str = "") -> HistoryEntry:
    return HistoryEntry(
        id=f"hist_{tag}",
        customer_id="cus_1",
        tag_key=tag,
        action=action,
        value=value,
        previous_value="",
        source="manual",
        confidence=1.0,
        evidence=Evidence(),
        actor="rep-1",
        reason="",
        at=T0,
    )


def _segment(name: str, tree: Node, *, owner: str = "u-owner") -> SavedSegment:
    return SavedSegment(
        id=f"seg_{name}",
        tenant="acme",
        name=name,
        description="",
        expression=name,
        tree=tree,
        owner=owner,
        version=3,
        created_at=T0,
        updated_at=T0,
    )


def _has_all(node: Node, assignments: Mapping[str, Assignment], at: datetime) -> bool:
    """A small matcher for flags and NOT, enough to test the diffing (the real one is match.py)."""
    if isinstance(node, Has):
        return node.tag in assignments
    if isinstance(node, Not):
        return not _has_all(node.child, assignments, at)
    if isinstance(node, And):
        return all(_has_all(c, assignments, at) for c in node.children)
    raise AssertionError(node)


def test_every_kind_of_tree_survives_the_stored_form() -> None:
    tree = Or(
        (
            And((Has("bought"), Not(Has("repurchased")))),
            Equals("region", "上海"),
            In("region", ("上海", "杭州")),
            Range("budget", 100000.0, None, True, True),
            BySource("vip", ("manual", "rule")),
            AssignedWithin("visited", last_days=7),
        )
    )
    assert codec.from_doc(codec.to_doc(tree)) == tree
    assert codec.kind(tree) == "or"


def test_an_unknown_stored_node_is_refused_rather_than_matched() -> None:
    with pytest.raises(ValueError, match="unknown segment node"):
        codec.from_doc({"op": "similar_to", "tag": "x"})


def test_entering_and_leaving_follow_the_write_that_changed_the_tags() -> None:
    bought_not_again = _segment("bought, not again", And((Has("bought"), Not(Has("repurchased")))))
    unrelated = _segment("vip", Has("vip"))
    before = {"bought": _a("bought")}
    after = {"bought": _a("bought"), "repurchased": _a("repurchased")}
    ids = iter(["mem_1", "mem_2"])

    left = membership_changes(
        [bought_not_again, unrelated],
        customer_id="cus_1",
        before=before,
        after=after,
        history=[_h("repurchased")],
        at=T0,
        matches=_has_all,
        new_id=lambda: next(ids),
    )
    assert [(c.segment_name, c.change) for c in left] == [("bought, not again", "left")]
    data = change_event_data(left[0])
    assert data["segment_id"] == "seg_bought, not again"
    assert data["customer_id"] == "cus_1"
    assert data["causes"] == [
        {
            "tag_key": "repurchased",
            "action": "assigned",
            "value": "",
            "previous_value": "",
            "history_id": "hist_repurchased",
        }
    ]
    assert data["at"] == "2026-11-01T09:30:00.000Z"

    entered = membership_changes(
        [bought_not_again],
        customer_id="cus_1",
        before=after,
        after=before,
        history=[_h("repurchased", "removed")],
        at=T0,
        matches=_has_all,
        new_id=lambda: "mem_3",
    )
    assert [c.change for c in entered] == ["entered"]


def test_a_write_that_records_nothing_moves_nobody() -> None:
    segment = _segment("vip", Has("vip"))
    changes = membership_changes(
        [segment],
        customer_id="cus_1",
        before={},
        after={"vip": _a("vip")},
        history=[],
        at=T0,
        matches=_has_all,
        new_id=lambda: "mem",
    )
    assert changes == []


def test_only_the_owner_or_an_admin_may_change_a_segment() -> None:
    segment = _segment("mine", Has("vip"), owner="u-ann")
    require_may_change(segment, caller="u-ann", roles=frozenset({"sales"}))
    require_may_change(segment, caller="u-bob", roles=frozenset({"admin"}))
    require_may_change(segment, caller="u-bob", roles=frozenset({"tag_admin"}))
    require_may_change(segment, caller="seed", roles=None)
    with pytest.raises(PermissionDenied, match="only its owner or an admin"):
        require_may_change(segment, caller="u-bob", roles=frozenset({"marketing"}))


def test_a_segment_needs_a_name_of_sensible_length() -> None:
    assert require_name("  高意向   极简风 ") == "高意向 极简风"
    with pytest.raises(InvalidArgument):
        require_name("   ")
    with pytest.raises(InvalidArgument):
        require_name("x" * 101)


def test_segments_that_name_none_of_the_changed_tags_are_not_even_judged() -> None:
    judged: list[Node] = []

    def matcher(node: Node, assignments: Mapping[str, Assignment], at: datetime) -> bool:
        judged.append(node)
        return _has_all(node, assignments, at)

    vip, bought = _segment("vip", Has("vip")), _segment("bought", Has("bought"))
    changes = membership_changes(
        [vip, bought],
        customer_id="cus_1",
        before={"vip": _a("vip")},
        after={"vip": _a("vip"), "bought": _a("bought")},
        history=[_h("bought")],
        at=T0,
        matches=matcher,
        new_id=lambda: "mem_1",
    )
    assert [c.segment_name for c in changes] == ["bought"]
    assert judged == [Has("bought"), Has("bought")]


def test_the_library_learns_which_saved_segments_name_a_tag() -> None:
    rebuy = _segment("复购机会", And((Has("bought"), Not(Has("repurchased")))))
    buyers = _segment("buyers", Has("bought"))
    found = referencing([rebuy, buyers], ["bought", "repurchased", "vip"])
    assert {k: [s.name for s in v] for k, v in found.items()} == {
        "bought": ["buyers", "复购机会"],
        "repurchased": ["复购机会"],
    }
