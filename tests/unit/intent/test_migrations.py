"""Which stored intent data predates the aggregates, and what its signals' new time fields are."""

from __future__ import annotations

from datetime import UTC, datetime

from common.timeutil import to_ms
from services.intent.migrations import migrated_fields, needs_rebuild

AT = datetime(2026, 11, 20, 8, tzinfo=UTC)


def test_an_old_signal_gets_the_time_fields_the_store_writes_today() -> None:
    old = {"occurred_at": AT, "received_at": datetime(2026, 11, 20, 9, tzinfo=UTC)}
    assert migrated_fields(old) == {
        "occurred_ms": to_ms(AT),
        "received_ms": to_ms(AT) + 3_600_000,
        "at_ms": to_ms(AT),
    }
    # Dated ahead of its arrival (a sender's clock): it scores from when it arrived, as today.
    early = {"occurred_at": AT, "received_at": datetime(2026, 11, 20, 7, tzinfo=UTC)}
    assert migrated_fields(early)["at_ms"] == to_ms(AT) - 3_600_000  # type: ignore[index]
    assert migrated_fields({"occurred_at": AT})["at_ms"] == to_ms(AT)  # type: ignore[index]
    assert migrated_fields({"at_ms": 5, "occurred_at": AT}) is None


def test_only_aggregates_that_do_not_hold_the_stored_signals_are_rebuilt() -> None:
    assert needs_rebuild(None)  # signals and no document
    assert needs_rebuild({"score": 71.2, "level": "high", "computed_at": AT})  # the old shape
    assert needs_rebuild({"computed_at": AT, "buckets": [], "applied": 1})  # old, touched since
    assert needs_rebuild({"profile": {"region": "上海"}, "buckets": [], "applied": 0})  # profile only
    assert not needs_rebuild({"buckets": [], "applied": 3, "computed_ms": 1})  # the engine's own
    assert not needs_rebuild({"computed_at": AT, "migrated_ms": 1, "applied": 4})  # done already
    assert not needs_rebuild({"merged_into": "cus_2", "applied": 0})  # a merged duplicate
