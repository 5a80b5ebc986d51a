"""Dead-letter records stay bounded whatever the message; consumed-event keys stay bounded whatever the id."""

from __future__ import annotations

import json

import pytest
from nats.aio.msg import Msg

from common import bus, deadletter
from common.errors import InvalidArgument
from common.inbox import applied_key


def js_msg(subject: str, data: bytes, headers: dict[str, str] | None = None) -> Msg:
    reply = "$JS.ACK.CRM_IN.intent-ingest.3.4711.99.1764224000000000000.0"
    return Msg(_client=None, subject=subject, reply=reply, data=data, headers=headers)  # type: ignore[arg-type]


def test_a_record_of_the_worst_message_stays_under_the_limit_and_references_the_original() -> None:
    body = bytes(range(32)) * 40_000  # 1.25 MB of control bytes: each escapes to six characters
    msg = js_msg(
        "crm.in.acme." + "x" * 5000, body, {"traceparent": "00-" + "a" * 5000, "X-Big": "y" * 60_000}
    )
    error = deadletter.error_text(InvalidArgument("bad: " + "\x00" * 50_000))
    record = deadletter.dead_letter_record(consumer="intent-ingest", msg=msg, deliveries=3, error=error)
    encoded = deadletter.encode_record(record)
    assert len(encoded) <= deadletter.MAX_RECORD_BYTES
    parsed = json.loads(encoded)
    assert (parsed["stream"], parsed["stream_seq"], parsed["deliveries"]) == ("CRM_IN", 4711, 3)
    assert parsed["payload_bytes"] == len(body) and parsed["payload_truncated"] is True
    assert len(parsed["error"]) <= deadletter.ERROR_CHARS and len(parsed["subject"]) <= deadletter.NAME_CHARS
    assert set(deadletter.trace_headers(msg)) == {"traceparent"}


def test_a_small_message_is_previewed_whole() -> None:
    record = deadletter.dead_letter_record(
        consumer="c", msg=js_msg("crm.in.acme.signals", b'{"a": 1}'), deliveries=1, error="E: x"
    )
    assert record["payload"] == '{"a": 1}' and record["payload_truncated"] is False


def test_a_hostile_event_id_is_hashed_into_a_bounded_key() -> None:
    assert applied_key("d", "acme", "evt_1") == "d|acme|evt_1"
    key = applied_key("d", "acme", "x" * 100_000)
    assert key.startswith("d|acme|sha256:") and len(key) < 100
    assert key == applied_key("d", "acme", "x" * 100_000) != applied_key("d", "acme", "x" * 99_999)


@pytest.mark.parametrize("subject", ["in.acme.signals", "in.acme.touchpoints", "in.acme.conversations"])
def test_known_ingest_kinds_pass_the_catch_all(subject: str) -> None:
    consumer = bus.unknown_ingest_consumer(durable="d")
    assert consumer.check_subject is not None and consumer.handler is None
    consumer.check_subject(subject)


@pytest.mark.parametrize("subject", ["in.acme.orders", "in.acme.signals.x", "in.acme", "in.acme.Signals"])
def test_other_ingest_subjects_are_refused_by_the_catch_all(subject: str) -> None:
    consumer = bus.unknown_ingest_consumer(durable="d")
    assert consumer.check_subject is not None
    with pytest.raises(InvalidArgument, match="unknown ingest kind"):
        consumer.check_subject(subject)
