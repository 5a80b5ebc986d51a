"""Unit tests of the tag library rules (services/tags/library/rules.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.tags.library.rules import define
from services.tags.model import Hints, TagDef, ValueHints

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
FLAG = TagDef(key="vip", display_name="重要客户", category="basic", value_type="flag")


def field_of(error: pytest.ExceptionInfo[InvalidArgument]) -> str | None:
    return error.value.field


def test_defaults_fill_status_and_update_cycle_and_stamp_times() -> None:
    defined = define(replace(FLAG, status="", update_cycle=""), existing=None, now=NOW)

    assert (defined.status, defined.update_cycle) == ("active", "realtime")
    assert defined.created_at == defined.updated_at == NOW


@pytest.mark.parametrize("key", ["VIP", "-vip", "", "客户", "a" * 65, "has space"])
def test_key_must_be_a_slug(key: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        define(replace(FLAG, key=key), existing=None, now=NOW)
    assert field_of(err) == "definition.key"


def test_display_name_may_be_any_language_up_to_64_characters() -> None:
    assert define(replace(FLAG, display_name="高" * 64), existing=None, now=NOW).display_name == "高" * 64
    with pytest.raises(InvalidArgument) as err:
        define(replace(FLAG, display_name="高" * 65), existing=None, now=NOW)
    assert field_of(err) == "definition.display_name"


@pytest.mark.parametrize("name", ["category", "value_type"])
def test_unspecified_category_or_value_type_is_rejected(name: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        candidate = replace(FLAG, category="") if name == "category" else replace(FLAG, value_type="")
        define(candidate, existing=None, now=NOW)
    assert field_of(err) == f"definition.{name}"


@pytest.mark.parametrize(
    ("value_type", "allowed"),
    [("enum", ()), ("enum", ("a", "a")), ("enum", ("a", "")), ("flag", ("a",)), ("text", ("a",))],
)
def test_allowed_values_only_and_always_for_enums_and_unique(
    value_type: str, allowed: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidArgument) as err:
        define(replace(FLAG, value_type=value_type, allowed_values=allowed), existing=None, now=NOW)
    assert (field_of(err) or "").startswith("definition.allowed_values")


def test_negative_ttl_and_groupless_exclusive_tags_are_rejected() -> None:
    with pytest.raises(InvalidArgument) as ttl:
        define(replace(FLAG, ttl_days=-1), existing=None, now=NOW)
    with pytest.raises(InvalidArgument) as group:
        define(replace(FLAG, exclusive=True), existing=None, now=NOW)
    assert (field_of(ttl), field_of(group)) == ("definition.ttl_days", "definition.group")


def test_callers_may_not_define_or_redefine_system_tags() -> None:
    system = replace(FLAG, key="intent.level", category="system")
    with pytest.raises(PermissionDenied):
        define(system, existing=None, now=NOW)
    with pytest.raises(PermissionDenied):
        define(replace(system, category="basic"), existing=system, now=NOW)
    assert define(system, existing=None, now=NOW, by_platform=True).category == "system"


def test_value_type_cannot_change_but_other_fields_can_and_created_at_is_kept() -> None:
    existing = define(FLAG, existing=None, now=NOW)
    later = NOW + timedelta(days=1)

    updated = define(replace(FLAG, display_name="VIP"), existing=existing, now=later)
    with pytest.raises(FailedPrecondition):
        define(replace(FLAG, value_type="text"), existing=existing, now=later)

    assert (updated.display_name, updated.created_at, updated.updated_at) == ("VIP", NOW, later)
    assert not updated.same_content(existing)
    assert define(FLAG, existing=existing, now=later).same_content(existing)


BRAND = TagDef(
    key="car.brand",
    display_name="品牌",
    category="basic",
    value_type="enum",
    allowed_values=("宝马", "奔驰"),
)


def test_hints_are_trimmed_and_empty_entries_dropped() -> None:
    hints = Hints(
        keywords=(" SUV ", "", "越野"),
        values=(),
        patterns=(" 给*父母买 ",),
    )
    defined = define(replace(FLAG, hints=hints), existing=None, now=NOW)

    assert defined.hints.keywords == ("SUV", "越野")
    assert defined.hints.patterns == ("给*父母买",)


@pytest.mark.parametrize("pattern", ["*父母", "父母*", "给**父母", "a*b*c*d*e", "(.*)+"])
def test_a_pattern_is_literal_text_with_single_star_gaps(pattern: str) -> None:
    candidate = replace(FLAG, hints=Hints(patterns=(pattern,)))
    if pattern == "(.*)+":
        # Regex syntax is just literal text here ("(." then ")+"), so it is valid and harmless.
        assert define(candidate, existing=None, now=NOW).hints.patterns == (pattern,)
        return
    with pytest.raises(InvalidArgument) as err:
        define(candidate, existing=None, now=NOW)
    assert field_of(err) == "definition.hints.patterns[0]"


def test_value_hints_name_allowed_values_of_enum_tags_only() -> None:
    good = replace(BRAND, hints=Hints(values=(ValueHints(value="宝马", keywords=("BMW", "别摸我")),)))
    assert define(good, existing=None, now=NOW).hints.values[0].keywords == ("BMW", "别摸我")

    with pytest.raises(InvalidArgument) as err:
        define(replace(BRAND, hints=Hints(values=(ValueHints(value="奥迪"),))), existing=None, now=NOW)
    assert field_of(err) == "definition.hints.values[0].value"

    with pytest.raises(InvalidArgument) as err:
        define(replace(FLAG, hints=Hints(values=(ValueHints(value="x"),))), existing=None, now=NOW)
    assert field_of(err) == "definition.hints.values"

    twice = Hints(values=(ValueHints(value="宝马"), ValueHints(value=" 宝马 ")))
    with pytest.raises(InvalidArgument) as err:
        define(replace(BRAND, hints=twice), existing=None, now=NOW)
    assert field_of(err) == "definition.hints.values[1].value"


def test_hint_lists_and_phrases_are_bounded() -> None:
    with pytest.raises(InvalidArgument) as err:
        define(
            replace(FLAG, hints=Hints(keywords=tuple(f"k{i}" for i in range(201)))), existing=None, now=NOW
        )
    assert field_of(err) == "definition.hints.keywords"
    with pytest.raises(InvalidArgument) as err:
        define(replace(FLAG, hints=Hints(synonyms=("长" * 51,))), existing=None, now=NOW)
    assert field_of(err) == "definition.hints.synonyms[0]"
