"""Conversations as the tags service accepts them: the record, its validation, and the tenant settings.

Every ingest path (the IngestConversation RPC, the `<root>.in.<tenant>.conversations` consumer) turns
its input into a `ConversationInput` and calls `validate_conversation`, so a conversation is accepted
or refused by the same rules whichever way it arrives. Validation covers the whole conversation before
anything is written, and names the offending field (`conversation.turns[3].speaker`). Pure: no I/O.
"""

from __future__ import annotations

import functools
import math
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.cloudevents import data_items
from common.errors import InvalidArgument, PermissionDenied
from common.ids import client_id_or_new, require_customer_id
from common.timeutil import as_utc, parse_iso_instant
from services.tags.config import TagsConfig
from services.tags.heard.model import SPEAKERS, HeardFact, Transcript, Turn
from services.tags.model import ADMIN_ROLE

CHANNELS = ("call", "wechat", "wecom", "meeting", "email")
ID_PREFIX = "cnv"
MAX_TURNS = 500
MAX_TURN_TEXT = 2000
MAX_TOTAL_TEXT = 100_000
MAX_REP_ID = 128
MAX_SUMMARY = 2000
MAX_TIME_ZONE = 64
MAX_OFFSET_MS = 7 * 24 * 3600 * 1000  # a turn's offset: no conversation lasts a week
DEFAULT_THRESHOLD = 0.85
DEFAULT_TIME_ZONE = "Asia/Shanghai"


@dataclass(frozen=True, kw_only=True)
class TurnInput:
    """One turn as a sender gave it; empty strings mean "not given"."""

    speaker: str = ""
    text: str = ""
    offset_ms: int = 0


@dataclass(frozen=True, kw_only=True)
class ConversationInput:
    """A conversation as a sender gave it, before validation (decoded from proto or from ingest JSON)."""

    id: str = ""
    customer_id: str = ""
    channel: str = ""
    started_at: datetime | None = None
    time_zone: str = ""
    turns: tuple[TurnInput, ...] = ()
    rep_id: str = ""
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class Conversation:
    """A validated, stored conversation and what extraction last heard in it.

    `summary` is the sender's own, `heard_summary` the one extraction wrote; people see the first
    that is not empty (`display_summary`). Times are aware UTC at millisecond precision.
    """

    id: str
    customer_id: str
    channel: str
    started_at: datetime
    time_zone: str
    turns: tuple[Turn, ...]
    rep_id: str = ""
    summary: str = ""
    heard_summary: str = ""
    facts: tuple[HeardFact, ...] = ()
    received_at: datetime
    extracted_at: datetime | None = None
    expires_at: datetime

    @property
    def display_summary(self) -> str:
        return self.summary or self.heard_summary

    def transcript(self) -> Transcript:
        """What extraction reads: the turns, the start and the time zone relative times resolve in."""
        return Transcript(turns=self.turns, started_at=self.started_at, time_zone=self.time_zone)


@dataclass(frozen=True, kw_only=True)
class ConversationSettings:
    """A tenant's settings: the confidence from which heard tags apply themselves, and its time zone."""

    auto_apply_threshold: float = DEFAULT_THRESHOLD
    time_zone: str = DEFAULT_TIME_ZONE
    updated_at: datetime | None = None
    updated_by: str = ""


def validate_conversation(
    raw: ConversationInput,
    *,
    now: datetime,
    config: TagsConfig,
    default_time_zone: str,
    field: str = "conversation",
) -> Conversation:
    """Validate and normalise one conversation; the first problem raises InvalidArgument naming its field.

    The id defaults to "cnv_" + ULID; an empty time zone takes the tenant's (`default_time_zone`);
    texts are stripped, so evidence spans index the stored text.
    """
    customer_id = require_customer_id(raw.customer_id, field=f"{field}.customer_id")
    conversation_id = client_id_or_new(raw.id.strip(), prefix=ID_PREFIX, field=f"{field}.id")
    channel = raw.channel.strip().lower()
    if channel not in CHANNELS:
        shown = repr(raw.channel) if raw.channel else "missing"
        raise InvalidArgument(
            f"{field}.channel is {shown}; choose one of {', '.join(CHANNELS)}", field=f"{field}.channel"
        )
    started_at = _started_at(raw.started_at, now=now, config=config, field=f"{field}.started_at")
    zone = raw.time_zone.strip()
    time_zone = check_time_zone(zone, field=f"{field}.time_zone") if zone else default_time_zone
    turns = _turns(raw.turns, field=f"{field}.turns")
    rep_id = _bounded(raw.rep_id, limit=MAX_REP_ID, field=f"{field}.rep_id")
    summary = _bounded(raw.summary, limit=MAX_SUMMARY, field=f"{field}.summary")
    return Conversation(
        id=conversation_id,
        customer_id=customer_id,
        channel=channel,
        started_at=started_at,
        time_zone=time_zone,
        turns=turns,
        rep_id=rep_id,
        summary=summary,
        received_at=now,
        expires_at=started_at + config.conversation_retention,
    )


@functools.cache
def _known_zones() -> frozenset[str]:
    # Looking names up in the known set (rather than opening files) keeps paths and odd names out.
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(name: str, *, field: str) -> str:
    """`name` if it is an IANA time zone name (e.g. Asia/Shanghai), else InvalidArgument naming `field`."""
    if len(name) <= MAX_TIME_ZONE and name in _known_zones():
        try:
            zoneinfo.ZoneInfo(name)
            return name
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise InvalidArgument(f"{field} {name!r} is not an IANA time zone such as Asia/Shanghai", field=field)


def check_settings(
    candidate: ConversationSettings,
    *,
    current: ConversationSettings,
    roles: frozenset[str],
    actor: str,
    now: datetime,
) -> ConversationSettings:
    """The settings to store after an update by a caller with `roles`; admins only.

    The threshold must be a finite number in [0, 1]; an empty time zone keeps the current one.
    """
    if ADMIN_ROLE not in roles:
        raise PermissionDenied("changing conversation settings needs the admin role", field="settings")
    threshold = candidate.auto_apply_threshold
    if not math.isfinite(threshold) or not 0.0 <= threshold <= 1.0:
        raise InvalidArgument(
            f"auto_apply_threshold must be a number from 0 to 1, got {threshold}",
            field="settings.auto_apply_threshold",
        )
    zone = candidate.time_zone.strip()
    time_zone = check_time_zone(zone, field="settings.time_zone") if zone else current.time_zone
    return ConversationSettings(
        auto_apply_threshold=threshold, time_zone=time_zone, updated_at=now, updated_by=actor
    )


def _started_at(value: datetime | None, *, now: datetime, config: TagsConfig, field: str) -> datetime:
    if value is None:
        raise InvalidArgument(f"{field} is required", field=field)
    if value.tzinfo is None:
        raise InvalidArgument(f"{field} must carry a time zone offset", field=field)
    started = as_utc(value)
    # MongoDB keeps milliseconds; truncating now makes a response equal what a re-read returns.
    started = started.replace(microsecond=started.microsecond // 1000 * 1000)
    if started > now + config.conversation_max_future:
        raise InvalidArgument(
            f"{field} {started.isoformat()} is more than {config.conversation_max_future_seconds} "
            "seconds in the future",
            field=field,
        )
    if started < now - config.conversation_retention:
        raise InvalidArgument(
            f"{field} {started.isoformat()} is older than the "
            f"{config.conversation_retention_days}-day retention window",
            field=field,
        )
    return started


def _turns(raws: tuple[TurnInput, ...], *, field: str) -> tuple[Turn, ...]:
    if not raws:
        raise InvalidArgument(f"{field} must hold at least one turn", field=field)
    if len(raws) > MAX_TURNS:
        raise InvalidArgument(f"{field} has {len(raws)} turns; at most {MAX_TURNS}", field=field)
    turns: list[Turn] = []
    total = 0
    for i, raw in enumerate(raws):
        name = f"{field}[{i}]"
        speaker = raw.speaker.strip().lower()
        if speaker not in SPEAKERS:
            shown = repr(raw.speaker) if raw.speaker else "missing"
            raise InvalidArgument(
                f"{name}.speaker is {shown}; choose one of {', '.join(SPEAKERS)}", field=f"{name}.speaker"
            )
        text = raw.text.strip()
        if not text or len(text) > MAX_TURN_TEXT:
            raise InvalidArgument(
                f"{name}.text must be 1 to {MAX_TURN_TEXT} characters (it has {len(text)})",
                field=f"{name}.text",
            )
        if not 0 <= raw.offset_ms <= MAX_OFFSET_MS:
            raise InvalidArgument(
                f"{name}.offset_ms must be from 0 to {MAX_OFFSET_MS} (milliseconds after started_at)",
                field=f"{name}.offset_ms",
            )
        total += len(text)
        turns.append(Turn(speaker=speaker, text=text, offset_ms=raw.offset_ms))
    if total > MAX_TOTAL_TEXT:
        raise InvalidArgument(
            f"{field} hold {total} characters of text; at most {MAX_TOTAL_TEXT}", field=field
        )
    return tuple(turns)


def _bounded(value: str, *, limit: int, field: str) -> str:
    text = value.strip()
    if len(text) > limit:
        raise InvalidArgument(f"{field} is {len(text)} characters; at most {limit}", field=field)
    return text


def input_from_json(value: Any, *, field: str) -> ConversationInput:
    """A ConversationInput from an ingest message's JSON object; wrong shapes raise InvalidArgument.

    Shape: {"id", "customer_id", "channel": "call", "started_at": ISO-8601 with an offset, "time_zone",
    "turns": [{"speaker": "customer", "text": "…", "offset_ms": 0}], "rep_id", "summary"}.
    """
    if not isinstance(value, dict):
        raise InvalidArgument(f"{field} must be a JSON object", field=field)
    turns = value.get("turns")
    if turns is None:
        turns = []
    if not isinstance(turns, list):
        raise InvalidArgument(f"{field}.turns must be a JSON array", field=f"{field}.turns")
    if len(turns) > MAX_TURNS:  # checked before decoding, so a huge array costs nothing
        raise InvalidArgument(
            f"{field}.turns has {len(turns)} turns; at most {MAX_TURNS}", field=f"{field}.turns"
        )
    started = value.get("started_at")
    if started is not None and not isinstance(started, str):
        raise InvalidArgument(f"{field}.started_at must be an ISO-8601 string", field=f"{field}.started_at")
    return ConversationInput(
        id=_json_text(value, "id", field=field),
        customer_id=_json_text(value, "customer_id", field=field),
        channel=_json_text(value, "channel", field=field),
        started_at=parse_iso_instant(started, field=f"{field}.started_at") if started else None,
        time_zone=_json_text(value, "time_zone", field=field),
        turns=tuple(_turn_from_json(t, field=f"{field}.turns[{i}]") for i, t in enumerate(turns)),
        rep_id=_json_text(value, "rep_id", field=field),
        summary=_json_text(value, "summary", field=field),
    )


def inputs_from_event_data(data: dict[str, Any], *, maximum: int) -> list[tuple[ConversationInput, str]]:
    """The conversations in an ingest CloudEvent's data (one object, or {"items": [...]}), each with
    the field name its errors are reported under ("data" or "items[i]")."""
    items, batch = data_items(data, maximum=maximum)
    if batch:
        return [(input_from_json(item, field=f"items[{i}]"), f"items[{i}]") for i, item in enumerate(items)]
    return [(input_from_json(data, field="data"), "data")]


def _turn_from_json(value: Any, *, field: str) -> TurnInput:
    if not isinstance(value, dict):
        raise InvalidArgument(f"{field} must be a JSON object", field=field)
    offset = value.get("offset_ms", 0)
    if offset is None:
        offset = 0
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise InvalidArgument(f"{field}.offset_ms must be an integer", field=f"{field}.offset_ms")
    return TurnInput(
        speaker=_json_text(value, "speaker", field=field),
        text=_json_text(value, "text", field=field),
        offset_ms=offset,
    )


def _json_text(value: dict[str, Any], key: str, *, field: str) -> str:
    got = value.get(key)
    if got is None:
        return ""
    if not isinstance(got, str):
        raise InvalidArgument(f"{field}.{key} must be a string", field=f"{field}.{key}")
    return got
