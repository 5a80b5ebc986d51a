"""Unit tests of assignment planning (services/tags/assignments/plan.py): replacement, exclusivity,
human-decision precedence and expiry."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import NotFound, PermissionDenied
from common.ids import new_customer_id, ulid
from services.tags.assignments.plan import expiry, ordered_after, plan, plan_removal
from services.tags.model import AssignInput, Assignment, Evidence, TagDef

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CUSTOMER = new_customer_id()
BUDGET = TagDef(
    key="budget", display_name="预算", category="basic", value_type="enum", allowed_values=("low", "high")
)
HIGH = TagDef(
    key="intent-high",
    display_name="高意向",
    group="intent",
    category="basic",
    value_type="flag",
    exclusive=True,
)
MEDIUM = TagDef(
    key="intent-medium",
    display_name="中意向",
    group="intent",
    category="basic",
    value_type="flag",
    exclusive=True,
)
NOTE = TagDef(key="intent-note", display_name="备注", group="intent", category="basic", value_type="flag")
DEFS = {d.key: d for d in (BUDGET, HIGH, MEDIUM, NOTE)}


def held(
    key: str, value: str = "", *, source: str = "manual", expires_at: datetime | None = None
) -> Assignment:
    return Assignment(
        customer_id=CUSTOMER,
        tag_key=key,
        value=value,
        source=source,
        confidence=1.0,
        evidence=Evidence(),
        actor="someone",
        assigned_at=NOW - timedelta(days=1),
        expires_at=expires_at,
    )


def run(
    items: list[AssignInput], current: list[Assignment]
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(assigned keys, replaced keys, skipped (key, reason)) of planning `items` over `current`."""
    result = plan(CUSTOMER, items, DEFS, {a.tag_key: a for a in current}, actor="user-1", now=NOW)
    return (
        [a.tag_key for a in result.assigned],
        [a.tag_key for a in result.replaced],
        [(s.tag_key, s.reason) for s in result.skipped],
    )


def test_a_new_value_replaces_the_previous_value_of_the_tag() -> None:
    result = plan(
        CUSTOMER,
        [AssignInput(tag_key="budget", value="high")],
        DEFS,
        {"budget": held("budget", "low")},
        actor="u",
        now=NOW,
    )

    assert [(a.value) for a in result.replaced] == ["low"]
    assert [(h.action, h.value, h.previous_value) for h in result.history] == [("assigned", "high", "low")]
    assert [a.value for a in result.upserts] == ["high"] and result.deletes == []


def test_the_same_value_again_is_skipped_as_unchanged_and_writes_nothing() -> None:
    result = plan(
        CUSTOMER,
        [AssignInput(tag_key="budget", value="low")],
        DEFS,
        {"budget": held("budget", "low")},
        actor="u",
        now=NOW,
    )

    assert [(s.tag_key, s.reason) for s in result.skipped] == [("budget", "unchanged")]
    assert (result.upserts, result.deletes, result.history) == ([], [], [])


def test_exclusive_tag_removes_the_other_exclusive_tags_of_its_group_only() -> None:
    assigned, replaced, skipped = run(
        [AssignInput(tag_key="intent-high", value="")], [held("intent-medium"), held("intent-note")]
    )
    assert (assigned, replaced, skipped) == (["intent-high"], ["intent-medium"], [])


def test_exclusive_replacement_is_recorded_as_replaced_in_history() -> None:
    result = plan(
        CUSTOMER,
        [AssignInput(tag_key="intent-high", value="")],
        DEFS,
        {"intent-medium": held("intent-medium")},
        actor="u",
        now=NOW,
    )

    assert [(h.action, h.tag_key) for h in result.history] == [
        ("assigned", "intent-high"),
        ("replaced", "intent-medium"),
    ]
    assert [a.tag_key for a in result.deletes] == ["intent-medium"]
    assert result.history[0].id < result.history[1].id  # ids keep the order within one timestamp


@pytest.mark.parametrize("machine", ["rule", "channel", "conversation", "model", "import", "system"])
def test_machine_sources_do_not_overturn_a_persons_value(machine: str) -> None:
    item = AssignInput(tag_key="budget", value="high", source=machine)
    assert run([item], [held("budget", "low", source="manual")]) == ([], [], [("budget", "human_decision")])


def test_machine_source_does_not_displace_a_persons_exclusive_tag() -> None:
    item = AssignInput(tag_key="intent-high", value="", source="model")
    assert run([item], [held("intent-medium", source="manual")]) == (
        [],
        [],
        [("intent-high", "human_decision")],
    )


def test_a_person_may_overturn_a_machine_or_another_person() -> None:
    item = AssignInput(tag_key="budget", value="high")
    assert run([item], [held("budget", "low", source="model")])[0] == ["budget"]
    assert run([item], [held("budget", "low", source="manual")])[0] == ["budget"]


def test_a_person_confirming_a_machine_value_takes_it_over() -> None:
    result = plan(
        CUSTOMER,
        [AssignInput(tag_key="budget", value="low")],
        DEFS,
        {"budget": held("budget", "low", source="rule")},
        actor="u",
        now=NOW,
    )

    assert [(a.source, a.value) for a in result.assigned] == [("manual", "low")]
    assert result.replaced == []
    assert result.history[0].reason == "confirmed by a person"


def test_expiry_comes_from_the_input_else_the_definitions_ttl() -> None:
    given = NOW + timedelta(hours=1)
    ttl = TagDef(key="x", display_name="x", category="basic", value_type="flag", ttl_days=30)

    assert expiry(ttl, given=given, assigned_at=NOW) == given
    assert expiry(ttl, given=None, assigned_at=NOW) == NOW + timedelta(days=30)
    assert expiry(BUDGET, given=None, assigned_at=NOW) is None


def test_an_expired_value_counts_as_absent_and_is_recorded_as_expired() -> None:
    stale = held("budget", "low", source="manual", expires_at=NOW - timedelta(minutes=1))
    result = plan(
        CUSTOMER,
        [AssignInput(tag_key="budget", value="low", source="model")],
        DEFS,
        {"budget": stale},
        actor="u",
        now=NOW,
    )

    assert [(a.value, a.source) for a in result.assigned] == [("low", "model")]
    assert [(h.action, h.value) for h in result.history] == [("expired", "low"), ("assigned", "low")]
    assert result.history[1].previous_value == ""


def test_removal_needs_an_active_value_and_permission() -> None:
    entry = plan_removal(
        held("budget", "low"),
        BUDGET,
        customer_id=CUSTOMER,
        tag_key="budget",
        roles=frozenset(),
        actor="u",
        reason="wrong",
        now=NOW,
    )
    assert (entry.action, entry.value, entry.reason, entry.source) == ("removed", "low", "wrong", "manual")

    expired = held("budget", "low", expires_at=NOW)
    with pytest.raises(NotFound):
        plan_removal(
            expired,
            BUDGET,
            customer_id=CUSTOMER,
            tag_key="budget",
            roles=frozenset(),
            actor="u",
            reason="",
            now=NOW,
        )
    system = TagDef(key="intent.level", display_name="x", category="system", value_type="flag")
    with pytest.raises(PermissionDenied):
        plan_removal(
            held("intent.level"),
            system,
            customer_id=CUSTOMER,
            tag_key="intent.level",
            roles=frozenset({"admin"}),
            actor="u",
            reason="",
            now=NOW,
        )


def test_the_final_state_applies_every_item_in_order_and_keeps_other_tags() -> None:
    """Back and forth within one request: the state written is the state after the last item."""
    stale = held("budget", "low", expires_at=NOW - timedelta(hours=1))
    items = [
        AssignInput(tag_key="intent-high", value=""),
        AssignInput(tag_key="intent-medium", value=""),
        AssignInput(tag_key="intent-high", value=""),
    ]
    result = plan(
        CUSTOMER, items, DEFS, {"budget": stale, "intent-note": held("intent-note")}, actor="u", now=NOW
    )

    assert sorted(result.final) == ["budget", "intent-high", "intent-note"]
    assert result.final["budget"] is stale  # an expired value of another tag is left for later
    assert [(e.tag_key, e.action) for e in result.history] == [
        ("intent-high", "assigned"),
        ("intent-medium", "assigned"),
        ("intent-high", "replaced"),
        ("intent-high", "assigned"),
        ("intent-medium", "replaced"),
    ]


def test_ordered_after_gives_ids_that_sort_after_the_last_entry_in_the_same_order() -> None:
    result = plan(
        CUSTOMER,
        [AssignInput(tag_key="intent-high", value="")],
        DEFS,
        {"intent-medium": held("intent-medium")},
        actor="u",
        now=NOW,
    )
    # The customer's last entry was made by a replica whose clock runs a minute ahead.
    last = f"th_{ulid(int(time.time() * 1000) + 60_000)}"
    moved = ordered_after(result.history, last)
    ids = [e.id for e in moved]

    assert ids == sorted(ids) and ids[0] > last
    assert [(e.tag_key, e.action) for e in moved] == [(e.tag_key, e.action) for e in result.history]
    assert ordered_after(result.history, "") == result.history  # nothing to follow
