"""Unit tests of assignment input checks (services/tags/assignments/values.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import InvalidArgument, PermissionDenied
from services.tags.assignments.values import check_items, check_value
from services.tags.model import AssignInput, TagDef

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def tag(value_type: str, **options: object) -> TagDef:
    return TagDef(key="t", display_name="t", category="basic", value_type=value_type, **options)  # type: ignore[arg-type]


ENUM = tag("enum", allowed_values=("low", "high"))


@pytest.mark.parametrize(
    ("definition", "value"),
    [
        (tag("flag"), ""),
        (ENUM, "high"),
        (tag("number"), "42"),
        (tag("number"), "-3.5e2"),
        (tag("date"), "2025-02-28"),
        (tag("text"), "喜欢SUV" * 10),
    ],
)
def test_values_that_suit_their_type_pass(definition: TagDef, value: str) -> None:
    check_value(definition, value, field="v")


@pytest.mark.parametrize(
    ("definition", "value"),
    [
        (tag("flag"), "yes"),
        (ENUM, "medium"),
        (ENUM, ""),
        (tag("number"), "abc"),
        (tag("number"), "inf"),
        (tag("number"), "nan"),
        (tag("number"), "1_000"),
        (tag("date"), "2025-02-30"),
        (tag("date"), "20250228"),
        (tag("text"), ""),
        (tag("text"), "x" * 201),
    ],
)
def test_values_that_do_not_suit_their_type_are_rejected(definition: TagDef, value: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        check_value(definition, value, field="tags[0].value")
    assert err.value.field == "tags[0].value"


def test_defaults_apply_source_manual_and_confidence_one() -> None:
    [item] = check_items(
        [AssignInput(tag_key="t", value="low", source="", confidence=0.0)],
        {"t": ENUM},
        roles=frozenset(),
        now=NOW,
    )
    assert (item.source, item.confidence) == ("manual", 1.0)


@pytest.mark.parametrize("confidence", [-0.1, 1.5, float("nan")])
def test_confidence_outside_zero_to_one_is_rejected(confidence: float) -> None:
    with pytest.raises(InvalidArgument) as err:
        check_items(
            [AssignInput(tag_key="t", value="low", confidence=confidence)],
            {"t": ENUM},
            roles=frozenset(),
            now=NOW,
        )
    assert err.value.field == "tags[0].confidence"


def test_one_bad_item_fails_the_batch_naming_its_index() -> None:
    items = [AssignInput(tag_key="t", value="low"), AssignInput(tag_key="missing", value="")]
    with pytest.raises(InvalidArgument) as err:
        check_items(items, {"t": ENUM}, roles=frozenset(), now=NOW)
    assert err.value.field == "tags[1].tag_key"


def test_archived_tags_duplicates_and_past_expiry_are_rejected() -> None:
    archived = {"t": replace(ENUM, status="archived")}
    with pytest.raises(InvalidArgument):
        check_items([AssignInput(tag_key="t", value="low")], archived, roles=frozenset(), now=NOW)
    twice = [AssignInput(tag_key="t", value="low"), AssignInput(tag_key="t", value="high")]
    with pytest.raises(InvalidArgument) as dup:
        check_items(twice, {"t": ENUM}, roles=frozenset(), now=NOW)
    past = AssignInput(tag_key="t", value="low", expires_at=NOW - timedelta(seconds=1))
    with pytest.raises(InvalidArgument) as expired:
        check_items([past], {"t": ENUM}, roles=frozenset(), now=NOW)
    assert (dup.value.field, expired.value.field) == ("tags[1].tag_key", "tags[0].expires_at")


def test_at_most_100_items_and_at_least_one() -> None:
    many = [AssignInput(tag_key=f"t{i}", value="") for i in range(101)]
    with pytest.raises(InvalidArgument, match="at most 100"):
        check_items(many, {}, roles=frozenset(), now=NOW)
    with pytest.raises(InvalidArgument):
        check_items([], {}, roles=frozenset(), now=NOW)


def test_system_tags_and_role_restricted_tags_need_permission() -> None:
    system = {"t": replace(ENUM, category="system")}
    restricted = {"t": replace(ENUM, assign_roles=("sales",))}
    item = [AssignInput(tag_key="t", value="low")]

    with pytest.raises(PermissionDenied):
        check_items(item, system, roles=frozenset({"admin"}), now=NOW)
    with pytest.raises(PermissionDenied):
        check_items(item, restricted, roles=frozenset({"viewer"}), now=NOW)
    assert check_items(item, restricted, roles=frozenset({"sales"}), now=NOW)
    assert check_items(item, restricted, roles=frozenset({"admin"}), now=NOW)
    assert check_items(item, system, roles=None, now=NOW)  # the platform itself


def test_two_exclusive_tags_of_one_group_in_one_request_are_contradictory() -> None:
    exclusive = tag("flag", group="size", exclusive=True)
    definitions = {"big": replace(exclusive, key="big"), "small": replace(exclusive, key="small")}
    items = [AssignInput(tag_key="big", value=""), AssignInput(tag_key="small", value="")]
    with pytest.raises(InvalidArgument) as err:
        check_items(items, definitions, roles=frozenset(), now=NOW)
    assert err.value.field == "tags[1].tag_key"
