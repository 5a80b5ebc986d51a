"""Signal validation and normalisation, shared by the RPC and the NATS ingest path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from common.errors import InvalidArgument
from services.intent.config import IntentConfig
from services.intent.signals import RawSignal, Signal, raws_from_event_data, validate_batch, with_event_ids

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CONFIG = IntentConfig()
CUSTOMER = "cus_01JABCDEFGHJKMNPQRSTVWXYZ0"


def check(*raws: RawSignal) -> list[Signal]:
    return validate_batch(list(raws), now=NOW, config=CONFIG)


def field_of(*raws: RawSignal) -> str | None:
    with pytest.raises(InvalidArgument) as caught:
        check(*raws)
    return caught.value.field


def test_defaults_fill_id_party_and_time() -> None:
    [signal] = check(RawSignal(customer_id=CUSTOMER, type=" Pricing_Page_View ", topic=" crm "))
    assert signal.id.startswith("sig_")
    assert (signal.type, signal.party, signal.topic, signal.occurred_at) == (
        "pricing_page_view",
        "first",
        "crm",
        NOW,
    )


def test_client_ids_are_kept_for_idempotent_resends() -> None:
    [signal] = check(RawSignal(id="web-123", customer_id=CUSTOMER, type="email_click", party="third"))
    assert (signal.id, signal.party) == ("web-123", "third")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (RawSignal(customer_id="cus_nope", type="x"), "signals[0].customer_id"),
        (RawSignal(customer_id=CUSTOMER, type="x", id="bad id"), "signals[0].id"),
        (RawSignal(customer_id=CUSTOMER, type="9lives"), "signals[0].type"),
        (RawSignal(customer_id=CUSTOMER, type=""), "signals[0].type"),
        (RawSignal(customer_id=CUSTOMER, type="x", party="fourth"), "signals[0].party"),
        (RawSignal(customer_id=CUSTOMER, type="x", topic="t" * 65), "signals[0].topic"),
        (
            RawSignal(customer_id=CUSTOMER, type="x", occurred_at=NOW + timedelta(minutes=6)),
            "signals[0].occurred_at",
        ),
        (
            RawSignal(customer_id=CUSTOMER, type="x", occurred_at=NOW - timedelta(days=181)),
            "signals[0].occurred_at",
        ),
        (
            RawSignal(customer_id=CUSTOMER, type="x", properties={f"k{i}": "v" for i in range(21)}),
            "signals[0].properties",
        ),
        (
            RawSignal(customer_id=CUSTOMER, type="x", properties={"$where": "1"}),
            "signals[0].properties.$where",
        ),
        (
            RawSignal(customer_id=CUSTOMER, type="x", properties={"url": "u" * 257}),
            "signals[0].properties.url",
        ),
    ],
)
def test_bad_signals_are_refused_naming_the_field(raw: RawSignal, field: str) -> None:
    assert field_of(raw) == field


def test_a_little_clock_skew_is_tolerated() -> None:
    [signal] = check(RawSignal(customer_id=CUSTOMER, type="x", occurred_at=NOW + timedelta(minutes=4)))
    assert signal.occurred_at == NOW + timedelta(minutes=4)


def test_batch_size_is_one_to_five_hundred() -> None:
    with pytest.raises(InvalidArgument, match="must not be empty"):
        check()
    with pytest.raises(InvalidArgument, match="at most 500"):
        check(*[RawSignal(customer_id=CUSTOMER, type="x")] * 501)
    assert len(check(*[RawSignal(customer_id=CUSTOMER, type="x")] * 500)) == 500


def test_the_later_bad_signal_of_a_batch_is_named() -> None:
    good = RawSignal(customer_id=CUSTOMER, type="x")
    assert field_of(good, good, RawSignal(customer_id=CUSTOMER, type="BAD TYPE")) == "signals[2].type"


def test_event_data_holds_one_signal_or_items() -> None:
    one, field = raws_from_event_data(
        {"customer_id": CUSTOMER, "type": "demo_request", "occurred_at": "2025-03-01T11:00:00Z"}
    )
    assert field == "data" and one[0].occurred_at == NOW - timedelta(hours=1)
    many, field = raws_from_event_data(
        {"items": [{"customer_id": CUSTOMER, "type": "x", "properties": {"dwell_seconds": 75}}] * 2}
    )
    assert field == "items" and len(many) == 2 and many[1].properties == {"dwell_seconds": "75"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"items": "nope"}, "items"),
        ({"items": [3]}, "items[0]"),
        ({"customer_id": 5}, "data.customer_id"),
        ({"occurred_at": "yesterday"}, "data.occurred_at"),
        ({"occurred_at": "2025-03-01T11:00:00"}, "data.occurred_at"),
        ({"properties": ["a"]}, "data.properties"),
        ({"properties": {"a": {"b": 1}}}, "data.properties.a"),
    ],
)
def test_malformed_event_data_is_refused(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        raws_from_event_data(data)
    assert caught.value.field == field


def test_signals_without_an_id_take_the_carrying_events_id() -> None:
    given = RawSignal(id="web-1", customer_id=CUSTOMER, type="content_read")
    bare = RawSignal(customer_id=CUSTOMER, type="content_read")
    assert [r.id for r in with_event_ids([bare], "evt-9", items=False)] == ["ce:evt-9"]
    assert [r.id for r in with_event_ids([bare, given], "evt-9", items=True)] == ["ce:evt-9:0", "web-1"]
    # An event id that cannot make a valid signal id leaves the signal to get a fresh one.
    [kept] = with_event_ids([bare], "has space", items=False)
    assert kept.id == "" and check(kept)[0].id.startswith("sig_")
