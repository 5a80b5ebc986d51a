"""Unit tests of decoding intent level events (services/tags/assignments/intent_level.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.errors import InvalidArgument
from common.ids import new_customer_id
from services.tags.assignments.intent_level import is_stale, parse_level_changed, system_definition
from services.tags.library.rules import define


def event(data: dict[str, object], time: str = "2025-03-01T09:00:00.123Z") -> dict[str, object]:
    return {"id": "evt_1", "time": time, "data": data}


def test_a_well_formed_event_becomes_a_system_assignment_with_the_event_as_evidence() -> None:
    customer = new_customer_id()
    change = parse_level_changed(event({"customer_id": customer, "level": "high", "score": 81.0}))

    item = change.as_input()

    assert (item.tag_key, item.value, item.source, item.evidence.event_ids) == (
        "intent.level",
        "high",
        "system",
        ("evt_1",),
    )
    assert change.observed_at == datetime(2025, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [
        {"level": "high"},
        {"customer_id": "bob", "level": "high"},
        {"customer_id": new_customer_id(), "level": "hot"},
    ],
)
def test_malformed_data_is_invalid(data: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        parse_level_changed(event(data))


def test_an_event_older_than_the_active_value_is_stale() -> None:
    change = parse_level_changed(event({"customer_id": new_customer_id(), "level": "low"}))
    assert change.observed_at is not None

    assert is_stale(change, current_assigned_at=change.observed_at + timedelta(seconds=1))
    assert not is_stale(change, current_assigned_at=change.observed_at)
    assert not is_stale(change, current_assigned_at=None)


def test_the_system_definition_is_a_valid_platform_tag() -> None:
    defined = define(
        system_definition(), existing=None, now=datetime(2025, 1, 1, tzinfo=UTC), by_platform=True
    )
    assert (defined.category, defined.value_type, defined.allowed_values) == (
        "system",
        "enum",
        ("low", "medium", "high"),
    )
