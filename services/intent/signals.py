"""Intent signals: the domain record, and the validation and normalisation every ingest path shares.

Both the IngestSignals RPC and the NATS ingest consumer turn their input into `RawSignal`s and call
`validate_batch`, so a signal is accepted or refused by the same rules whichever way it arrives.
Validation covers the whole batch before anything is written: bad input changes nothing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common.cloudevents import data_items
from common.errors import InvalidArgument
from common.ids import CLIENT_ID_RE, client_id_or_new, require_customer_id
from common.timeutil import as_utc, parse_iso_instant
from services.intent.config import IntentConfig

MAX_BATCH = 500
MAX_PROPERTIES = 20
MAX_PROPERTY_KEY = 64
MAX_PROPERTY_VALUE = 256
MAX_TOPIC = 64
MAX_SOURCE = 64
PARTIES = ("first", "third")
MATCHES = ("account", "contact")  # what a third-party provider matched the activity to
MAX_MATCHED_VALUE = 128
TYPE_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True, kw_only=True)
class RawSignal:
    """A signal as a sender gave it, before validation; empty strings and None mean "not given"."""

    id: str = ""
    customer_id: str = ""
    type: str = ""
    party: str = ""
    topic: str = ""
    occurred_at: datetime | None = None
    properties: dict[str, str] = field(default_factory=dict)
    source: str = ""
    matched_on: str = ""
    matched_value: str = ""


@dataclass(frozen=True, kw_only=True)
class Signal:
    """A validated signal: id assigned, party "first" or "third", occurred_at aware UTC."""

    id: str
    customer_id: str
    type: str
    party: str
    topic: str
    occurred_at: datetime
    properties: dict[str, str] = field(default_factory=dict)
    source: str = ""
    matched_on: str = ""  # third-party only: "account" or "contact"
    matched_value: str = ""  # what the provider matched on: a domain, an email, a company name


def validate_batch(
    raws: Sequence[RawSignal], *, now: datetime, config: IntentConfig, field: str = "signals"
) -> list[Signal]:
    """Validate and normalise 1..500 signals; the first problem raises InvalidArgument naming its field."""
    if not raws:
        raise InvalidArgument(f"{field} must not be empty", field=field)
    if len(raws) > MAX_BATCH:
        raise InvalidArgument(
            f"{field} has {len(raws)} signals; at most {MAX_BATCH} are allowed per call", field=field
        )
    return [validate_signal(raw, now=now, config=config, field=f"{field}[{i}]") for i, raw in enumerate(raws)]


# Events validated between two yields to the event loop (`validate_events`; as common/consumers.py's
# YIELD_EVERY does while decoding).
EVENTS_PER_YIELD = 256
# One ingest event's signals, validated, with its index in the batch and how its customer ids are named.
CheckedEvent = tuple[int, list[Signal], str]


async def validate_events(
    events: Sequence[dict[str, Any]], *, now: datetime, config: IntentConfig
) -> tuple[list[Exception | None], list[CheckedEvent]]:
    """Each ingest CloudEvent of a pulled batch validated alone: its error (or None) per event, and the
    signals of those that passed. Yields to the event loop now and then: a 4,000-event batch takes ~0.1 s
    of CPU, and the batch in flight should send its next database command meanwhile (common/consumers.py)."""
    outcomes: list[Exception | None] = [None] * len(events)
    checked: list[CheckedEvent] = []
    for i, event in enumerate(events):
        if i and i % EVENTS_PER_YIELD == 0:
            await asyncio.sleep(0)
        try:
            raws, field = raws_from_event_data(event["data"])
            signals = validate_batch(
                with_event_ids(raws, str(event.get("id") or ""), items=field == "items"),
                now=now,
                config=config,
                field=field,
            )
        except Exception as err:
            outcomes[i] = err
            continue
        checked.append(
            (i, signals, "data.customer_id" if field == "data" else f"{field}[{{index}}].customer_id")
        )
    return outcomes, checked


def validate_signal(raw: RawSignal, *, now: datetime, config: IntentConfig, field: str) -> Signal:
    """One signal: ids and type checked, party and time defaulted, time within retention and skew."""
    customer_id = require_customer_id(raw.customer_id, field=f"{field}.customer_id")
    signal_id = client_id_or_new(raw.id, prefix="sig", field=f"{field}.id")
    kind = raw.type.strip().lower()
    if not TYPE_RE.match(kind):
        raise InvalidArgument(
            f"{field}.type {raw.type!r} is not a signal type (a lowercase slug such as pricing_page_view)",
            field=f"{field}.type",
        )
    party = raw.party.strip().lower() or "first"
    if party not in PARTIES:
        raise InvalidArgument(
            f"{field}.party must be first or third, got {raw.party!r}", field=f"{field}.party"
        )
    occurred_at = as_utc(raw.occurred_at) if raw.occurred_at else now
    if occurred_at > now + config.max_future:
        raise InvalidArgument(
            f"{field}.occurred_at {occurred_at.isoformat()} is more than "
            f"{config.max_future_seconds} seconds in the future",
            field=f"{field}.occurred_at",
        )
    if occurred_at < now - config.retention:
        raise InvalidArgument(
            f"{field}.occurred_at {occurred_at.isoformat()} is older than the "
            f"{config.retention_days}-day retention window",
            field=f"{field}.occurred_at",
        )
    topic = _short_text(raw.topic, limit=MAX_TOPIC, field=f"{field}.topic")
    source = _short_text(raw.source, limit=MAX_SOURCE, field=f"{field}.source")
    matched_on, matched_value = _match(raw, party=party, field=field)
    return Signal(
        id=signal_id,
        customer_id=customer_id,
        type=kind,
        party=party,
        topic=topic,
        occurred_at=occurred_at,
        properties=_properties(raw.properties, field=f"{field}.properties"),
        source=source,
        matched_on=matched_on,
        matched_value=matched_value,
    )


def _match(raw: RawSignal, *, party: str, field: str) -> tuple[str, str]:
    """A third-party signal's match ("account"/"contact" and the value); first-party ones have none."""
    kind = raw.matched_on.strip().lower()
    value = _short_text(raw.matched_value, limit=MAX_MATCHED_VALUE, field=f"{field}.matched_value")
    if not kind and not value:
        return "", ""
    if party != "third":
        raise InvalidArgument(
            f"{field}.matched_on is for third-party signals only (party third)", field=f"{field}.matched_on"
        )
    if kind not in MATCHES:
        raise InvalidArgument(
            f"{field}.matched_on must be account or contact, got {raw.matched_on!r}",
            field=f"{field}.matched_on",
        )
    return kind, value


def _short_text(value: str, *, limit: int, field: str) -> str:
    text = value.strip()
    if len(text) > limit:
        raise InvalidArgument(f"{field} is {len(text)} characters; at most {limit} are allowed", field=field)
    return text


def _properties(values: dict[str, str], *, field: str) -> dict[str, str]:
    if len(values) > MAX_PROPERTIES:
        raise InvalidArgument(
            f"{field} has {len(values)} entries; at most {MAX_PROPERTIES} are allowed", field=field
        )
    out: dict[str, str] = {}
    for key, value in values.items():
        # Keys become document field names, so "$" and "." (Mongo operators and paths) are refused.
        if not key or len(key) > MAX_PROPERTY_KEY or key.startswith("$") or "." in key:
            raise InvalidArgument(
                f"{field} key {key!r} must be 1-{MAX_PROPERTY_KEY} characters without '.' or a leading '$'",
                field=f"{field}.{key}",
            )
        if len(value) > MAX_PROPERTY_VALUE:
            raise InvalidArgument(
                f"{field}.{key} is {len(value)} characters; at most {MAX_PROPERTY_VALUE} are allowed",
                field=f"{field}.{key}",
            )
        out[key] = value
    return out


def raw_from_json(value: Any, *, field: str) -> RawSignal:
    """A RawSignal from an ingest message's JSON object; wrong shapes raise InvalidArgument."""
    if not isinstance(value, dict):
        raise InvalidArgument(f"{field} must be a JSON object", field=field)
    properties = value.get("properties") or {}
    if not isinstance(properties, dict):
        raise InvalidArgument(f"{field}.properties must be an object of strings", field=f"{field}.properties")
    return RawSignal(
        id=_json_text(value, "id", field=field),
        customer_id=_json_text(value, "customer_id", field=field),
        type=_json_text(value, "type", field=field),
        party=_json_text(value, "party", field=field),
        topic=_json_text(value, "topic", field=field),
        occurred_at=_json_time(value.get("occurred_at"), field=f"{field}.occurred_at"),
        properties={
            str(k): _property_text(v, field=f"{field}.properties.{k}") for k, v in properties.items()
        },
        source=_json_text(value, "source", field=field),
        matched_on=_json_text(value, "matched_on", field=field),
        matched_value=_json_text(value, "matched_value", field=field),
    )


def raws_from_event_data(data: dict[str, Any]) -> tuple[list[RawSignal], str]:
    """The signals in a CloudEvent's data (one object, or {"items": [...]}) and the field prefix to report."""
    items, batch = data_items(data, maximum=MAX_BATCH)
    if batch:
        return [raw_from_json(item, field=f"items[{i}]") for i, item in enumerate(items)], "items"
    return [raw_from_json(data, field="data")], "data"


def with_event_ids(raws: list[RawSignal], event_id: str, *, items: bool) -> list[RawSignal]:
    """Signals without an id of their own take one from the CloudEvent that carried them: `ce:<event id>`
    (`ce:<event id>:<index>` for {"items": [...]}), so a partner re-sending the same event after the
    JetStream de-duplication window still adds its signals once. An event id that would not make a
    valid signal id (common/ids.CLIENT_ID_RE) leaves the signal to get a fresh id, as before."""
    if not event_id:
        return raws
    out = []
    for i, raw in enumerate(raws):
        candidate = f"ce:{event_id}:{i}" if items else f"ce:{event_id}"
        if not raw.id and CLIENT_ID_RE.match(candidate):
            raw = RawSignal(  # not dataclasses.replace: ~5x slower, and this runs once per ingested signal
                id=candidate,
                customer_id=raw.customer_id,
                type=raw.type,
                party=raw.party,
                topic=raw.topic,
                occurred_at=raw.occurred_at,
                properties=raw.properties,
                source=raw.source,
                matched_on=raw.matched_on,
                matched_value=raw.matched_value,
            )
        out.append(raw)
    return out


def _json_text(value: dict[str, Any], key: str, *, field: str) -> str:
    got = value.get(key)
    if got is None:
        return ""
    if not isinstance(got, str):
        raise InvalidArgument(f"{field}.{key} must be a string", field=f"{field}.{key}")
    return got


def _property_text(value: Any, *, field: str) -> str:
    # Partners often send numbers (dwell_seconds: 75); they are kept as their decimal text.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise InvalidArgument(f"{field} must be a string or a number", field=field)


def _json_time(value: Any, *, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be an ISO-8601 string", field=field)
    return parse_iso_instant(value, field=field)


def signal_from_document(doc: Mapping[str, Any]) -> Signal:
    """A stored signal document as the Signal it was stored from (re-scores rebuild from these)."""
    return Signal(
        id=doc["signal_id"],
        customer_id=doc["customer_id"],
        type=doc["type"],
        party=doc.get("party", "first"),
        topic=doc.get("topic", ""),
        occurred_at=as_utc(doc["occurred_at"]),
        properties=dict(doc.get("properties") or {}),
        source=doc.get("source", ""),
        matched_on=doc.get("matched_on", ""),
        matched_value=doc.get("matched_value", ""),
    )
