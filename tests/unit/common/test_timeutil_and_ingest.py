from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from common.cloudevents import data_items
from common.errors import InvalidArgument
from common.timeutil import iso_utc, parse_iso_instant


def test_event_times_are_utc_with_milliseconds_and_z() -> None:
    shanghai = timezone(timedelta(hours=8))
    assert iso_utc(datetime(2026, 11, 23, 15, 0, 0, 123456, tzinfo=shanghai)) == "2026-11-23T07:00:00.123Z"


def test_ingest_times_need_an_offset_and_become_utc() -> None:
    assert parse_iso_instant("2026-11-23T15:00:00+08:00", field="t") == datetime(2026, 11, 23, 7, tzinfo=UTC)
    assert parse_iso_instant("2026-11-23T07:00:00Z", field="t").tzinfo is not None
    for bad in ("2026-11-23T07:00:00", "tomorrow"):
        with pytest.raises(InvalidArgument) as err:
            parse_iso_instant(bad, field="items[0].occurred_at")
        assert err.value.field == "items[0].occurred_at"


def test_ingest_data_is_one_item_or_a_bounded_batch() -> None:
    assert data_items({"customer_id": "c"}, maximum=2) == ([{"customer_id": "c"}], False)
    assert data_items({"items": [{"a": 1}, {"a": 2}]}, maximum=2) == ([{"a": 1}, {"a": 2}], True)
    for bad in ({"items": []}, {"items": "x"}, {"items": [{}, {}, {}]}):
        with pytest.raises(InvalidArgument):
            data_items(bad, maximum=2)
