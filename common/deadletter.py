"""Dead-letter records: what `<root>.dlq.<service>` receives for a message a consumer gave up on.

A record must always fit in one NATS message, whatever the original was: re-escaping a whole body as
JSON can make it six times larger (a control byte becomes `\\u0000`), which once exceeded the payload
limit, made the dead-letter publish fail and stopped the consumer. So a record never carries the whole
original. It references it by stream name and stream sequence (read it back with
`nats stream get <stream> <seq>` or `js.get_msg`, while the stream keeps it: 7 days for ingest and
events) and carries a bounded preview, the byte size and a bounded error text. Worst case, every field
escaped six-fold, it stays below `MAX_RECORD_BYTES`.
"""

from __future__ import annotations

import json
from typing import Any

from nats.aio.msg import Msg

from common.timeutil import iso_utc, utcnow

PREVIEW_BYTES = 2048
ERROR_CHARS = 1000
NAME_CHARS = 256
MAX_RECORD_BYTES = 32 * 1024
TRACE_HEADERS = ("traceparent", "tracestate")


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_text(err: BaseException) -> str:
    """`ExceptionType: message`, at most ERROR_CHARS characters (a message may quote the hostile input)."""
    return _bounded(f"{type(err).__name__}: {err}", ERROR_CHARS)


def dead_letter_record(
    *, consumer: str, msg: Msg, deliveries: int, error: str, event_id: str = ""
) -> dict[str, Any]:
    """The JSON record of one dead-lettered message (documented in docs/events.md)."""
    meta = metadata_of(msg)
    data = msg.data or b""
    return {
        "consumer": _bounded(consumer, NAME_CHARS),
        "subject": _bounded(msg.subject, NAME_CHARS),
        "stream": meta.stream if meta else "",
        "stream_seq": meta.sequence.stream if meta and meta.sequence else 0,
        "deliveries": deliveries,
        "error": _bounded(error, ERROR_CHARS),
        "event_id": _bounded(event_id, NAME_CHARS),
        "payload": data[:PREVIEW_BYTES].decode(errors="replace"),
        "payload_bytes": len(data),
        "payload_truncated": len(data) > PREVIEW_BYTES,
        "at": iso_utc(utcnow()),
    }


def metadata_of(msg: Msg) -> Msg.Metadata | None:
    """The JetStream metadata of `msg`, or None for a message that did not come from a consumer."""
    try:
        return msg.metadata
    except Exception:  # nats-py raises NotJSMessageError, or a parse error for a foreign reply subject
        return None


def encode_record(record: dict[str, Any]) -> bytes:
    """The record as JSON bytes; never above MAX_RECORD_BYTES (the preview is cut further if it were)."""
    body = json.dumps(record, ensure_ascii=False).encode()
    while len(body) > MAX_RECORD_BYTES and record["payload"]:
        record = {
            **record,
            "payload": record["payload"][: len(record["payload"]) // 2],
            "payload_truncated": True,
        }
        body = json.dumps(record, ensure_ascii=False).encode()
    return body


def trace_headers(msg: Msg) -> dict[str, str]:
    """Only the trace context travels to the DLQ: other headers are the sender's and may be huge."""
    headers = msg.headers or {}
    return {name: _bounded(headers[name], NAME_CHARS) for name in TRACE_HEADERS if name in headers}
