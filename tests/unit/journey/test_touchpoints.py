from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from common.errors import InvalidArgument
from services.journey.events import parse_ingest
from services.journey.templates import FIVE_A
from services.journey.touchpoints import Touchpoint, new_touchpoint, touchpoint_from_json

NOW = datetime(2024, 5, 1, 9, 0, 0, 123456, tzinfo=UTC)
CUSTOMER = "cus_01HZZZZZZZZZZZZZZZZZZZZZZZ"


def make(**overrides: Any) -> Touchpoint:
    values: dict[str, Any] = {
        "id": "",
        "customer_id": CUSTOMER,
        "type": "inquiry",
        "channel": "phone",
        "occurred_at": None,
        "actor": "rep-1",
        "notes": "",
    }
    values.update(overrides)
    return new_touchpoint(**values, journey=FIVE_A, now=NOW, field_prefix="touchpoint.")


def test_defaults_fill_a_tp_id_and_now_to_the_millisecond_and_the_stage() -> None:
    tp = make()
    assert tp.id.startswith("tp_")
    assert tp.occurred_at == NOW.replace(microsecond=123000)
    assert tp.stage == "ask"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer_id": "c1"}, "touchpoint.customer_id"),
        ({"id": "has space"}, "touchpoint.id"),
        ({"type": "Inquiry"}, "touchpoint.type"),
        ({"type": ""}, "touchpoint.type"),
        ({"type": "x" * 65}, "touchpoint.type"),
        ({"channel": "c" * 33}, "touchpoint.channel"),
        ({"notes": "n" * 2001}, "touchpoint.notes"),
        ({"occurred_at": NOW + timedelta(minutes=6)}, "touchpoint.occurred_at"),
    ],
)
def test_bad_input_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        make(**overrides)
    assert err.value.field == field


def test_a_little_clock_skew_is_accepted() -> None:
    assert make(occurred_at=NOW + timedelta(minutes=4)).stage == "ask"


def test_json_touchpoint_parses_iso_times_with_offsets() -> None:
    tp = touchpoint_from_json(
        {"customer_id": CUSTOMER, "type": "purchase", "occurred_at": "2024-05-01T16:00:00+08:00"},
        journey=FIVE_A,
        now=NOW,
        default_id="tp_fixed",
        field_prefix="",
    )
    assert (tp.id, tp.stage, tp.occurred_at) == ("tp_fixed", "act", datetime(2024, 5, 1, 8, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"customer_id": CUSTOMER, "type": "purchase", "occurred_at": "yesterday"}, "occurred_at"),
        ({"customer_id": CUSTOMER, "type": "purchase", "occurred_at": "2024-05-01T08:00:00"}, "occurred_at"),
        ({"customer_id": CUSTOMER, "type": 7}, "type"),
        ({"type": "purchase"}, "customer_id"),
    ],
)
def test_malformed_json_touchpoint_is_invalid(item: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        touchpoint_from_json(item, journey=FIVE_A, now=NOW, default_id="tp_x", field_prefix="")
    assert err.value.field == field


def test_ingest_batch_gets_stable_ids_and_names_the_bad_item() -> None:
    event = {
        "id": "evt-1",
        "source": "partner",
        "data": {"items": [{"customer_id": CUSTOMER, "type": "ad_click"}] * 2},
    }
    first = [tp.id for tp in parse_ingest(event, journey=FIVE_A)]
    assert first == [tp.id for tp in parse_ingest(event, journey=FIVE_A)]
    assert len(set(first)) == 2
    bad = {
        "id": "evt-2",
        "source": "partner",
        "data": {"items": [{"customer_id": CUSTOMER, "type": "ad_click"}, "x"]},
    }
    with pytest.raises(InvalidArgument) as err:
        parse_ingest(bad, journey=FIVE_A)
    assert err.value.field == "items[1]"
    with pytest.raises(InvalidArgument):
        parse_ingest({"id": "e", "data": {"items": []}}, journey=FIVE_A)
