"""The dead-tag report and the library's change rules, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from services.tags.library import changes
from services.tags.library.merge import check_merge
from services.tags.library.usage import DAY_MS, Usage, dead_tags, usage_of
from services.tags.model import Hints, TagDef
from services.tags.segments.index import TagUsage

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def tag(key: str, **fields: object) -> TagDef:
    base: dict[str, object] = {"display_name": key, "category": "basic", "value_type": "flag"}
    return TagDef(key=key, **{**base, **fields})  # type: ignore[arg-type]


def test_of_100_tags_with_70_ever_used_the_report_lists_exactly_the_other_30() -> None:
    library = [tag(f"t{i:03d}") for i in range(100)]
    marks = {f"t{i:03d}": TagUsage(customers=i % 3, last_assigned_ms=NOW_MS - i * DAY_MS) for i in range(70)}

    report = dead_tags(library, usage_of([t.key for t in library], marks, {}), now=NOW, unused_days=0)

    assert [d.key for d, _, _ in report] == [f"t{i:03d}" for i in range(70, 100)]
    assert {reason for _, _, reason in report} == {"never_used"}


def test_unused_days_adds_tags_without_active_values_and_no_recent_change() -> None:
    library = [
        tag("old"),
        tag("recent"),
        tag("held"),
        tag("sys", category="system"),
        tag("gone", status="archived"),
    ]
    usage = {
        "old": Usage(
            tag_key="old", last_assigned_ms=NOW_MS - 100 * DAY_MS, last_removed_ms=NOW_MS - 95 * DAY_MS
        ),
        "recent": Usage(
            tag_key="recent", last_assigned_ms=NOW_MS - 100 * DAY_MS, last_removed_ms=NOW_MS - DAY_MS
        ),
        "held": Usage(tag_key="held", customers=5, last_assigned_ms=NOW_MS - 900 * DAY_MS),
    }

    report = dead_tags(library, usage, now=NOW, unused_days=90)

    assert [(d.key, reason) for d, _, reason in report] == [("old", "unused")]


def test_an_update_changes_only_what_it_sets_and_keeps_hints() -> None:
    stored = tag("pref", hints=Hints(keywords=("极简",)))

    renamed = changes.update(stored, changes.TagPatch(display_name="极简风"), now=NOW, by_platform=False)

    assert (renamed.display_name, renamed.hints.keywords) == ("极简风", ("极简",))
    with pytest.raises(InvalidArgument):
        changes.update(stored, changes.TagPatch(), now=NOW, by_platform=False)


def test_create_refuses_a_taken_key_unless_it_is_an_exact_repeat() -> None:
    stored = changes.create(tag("vip"), existing=None, now=NOW, by_platform=False)

    assert changes.create(tag("vip"), existing=stored, now=NOW, by_platform=False) is stored
    with pytest.raises(AlreadyExists) as taken:
        changes.create(tag("vip", display_name="VIP!"), existing=stored, now=NOW, by_platform=False)
    assert taken.value.field == "definition.key"


def test_status_transitions_and_a_merged_tag_stays_archived() -> None:
    active = tag("a")
    deprecated = changes.transition(active, "deprecated", now=NOW, by_platform=False)
    archived = changes.transition(deprecated, "archived", now=NOW, by_platform=False)
    restored = changes.transition(archived, "active", now=NOW, by_platform=False)
    merged = changes.merged(active, into="b", now=NOW)

    assert [deprecated.status, archived.status, restored.status] == ["deprecated", "archived", "active"]
    with pytest.raises(FailedPrecondition):
        changes.transition(archived, "deprecated", now=NOW, by_platform=False)
    with pytest.raises(FailedPrecondition):
        changes.transition(merged, "active", now=NOW, by_platform=False)


def test_merges_need_compatible_values() -> None:
    flag, other_flag = tag("f1"), tag("f2")
    size = tag("size", value_type="enum", allowed_values=("S", "M", "L"))
    fit = tag("fit", value_type="enum", allowed_values=("small", "M", "large"))

    assert check_merge(flag, other_flag, {}, source_key="f1", target_key="f2") == (flag, other_flag)
    with pytest.raises(InvalidArgument) as mixed:
        check_merge(flag, size, {}, source_key="f1", target_key="size")
    with pytest.raises(InvalidArgument) as unmapped:
        check_merge(size, fit, {"S": "small"}, source_key="size", target_key="fit")
    assert check_merge(size, fit, {"S": "small", "L": "large"}, source_key="size", target_key="fit")
    assert mixed.value.field == "target_key" and "L" in unmapped.value.message
