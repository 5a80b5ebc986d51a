"""Conversation validation (shared by the RPC and the NATS ingest path), its JSON form, settings and config."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from common.config import ConfigError
from common.errors import InvalidArgument, PermissionDenied
from services.tags.config import TagsConfig
from services.tags.heard.conversations import (
    Conversation,
    ConversationInput,
    ConversationSettings,
    TurnInput,
    check_settings,
    input_from_json,
    inputs_from_event_data,
    validate_conversation,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONFIG = TagsConfig()
CUSTOMER = "cus_01JABCDEFGHJKMNPQRSTVWXYZ0"
VALID = ConversationInput(
    customer_id=CUSTOMER,
    channel="call",
    started_at=NOW - timedelta(hours=1),
    turns=(TurnInput(speaker="customer", text="预算二十万左右"), TurnInput(speaker="rep", text="好的")),
)


def check(raw: ConversationInput, *, default_time_zone: str = "Asia/Shanghai") -> Conversation:
    return validate_conversation(raw, now=NOW, config=CONFIG, default_time_zone=default_time_zone)


def field_of(raw: ConversationInput) -> str | None:
    with pytest.raises(InvalidArgument) as caught:
        check(raw)
    return caught.value.field


def with_(**changes: Any) -> ConversationInput:
    return dataclasses.replace(VALID, **changes)


def turns(*texts: str, speaker: str = "customer") -> tuple[TurnInput, ...]:
    return tuple(TurnInput(speaker=speaker, text=t) for t in texts)


def test_a_valid_conversation_gets_an_id_the_tenant_time_zone_and_its_expiry() -> None:
    started = datetime(2026, 11, 23, 19, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    conversation = check(
        with_(
            channel=" WeChat ",
            started_at=started,
            turns=(TurnInput(speaker=" Customer ", text="  想给父母买车  ", offset_ms=1500),),
            rep_id=" rep_li ",
        ),
        default_time_zone="Europe/Berlin",
    )
    assert conversation.id.startswith("cnv_") and len(conversation.id) == 30
    assert (conversation.channel, conversation.time_zone, conversation.rep_id) == (
        "wechat",
        "Europe/Berlin",
        "rep_li",
    )
    # stored in UTC at MongoDB's millisecond precision
    assert conversation.started_at == datetime(2026, 11, 23, 11, 30, 15, 123000, tzinfo=UTC)
    assert conversation.expires_at == conversation.started_at + timedelta(days=365)
    assert conversation.received_at == NOW
    [turn] = conversation.turns
    assert (turn.speaker, turn.text, turn.offset_ms) == ("customer", "想给父母买车", 1500)
    transcript = conversation.transcript()
    assert transcript.time_zone == "Europe/Berlin"
    assert transcript.spoken_at(0) == conversation.started_at + timedelta(milliseconds=1500)


def test_the_senders_id_and_time_zone_are_kept() -> None:
    conversation = check(with_(id="call:2026-11-23.0001", time_zone=" America/New_York "))
    assert (conversation.id, conversation.time_zone) == ("call:2026-11-23.0001", "America/New_York")


def test_a_blank_time_zone_takes_the_tenant_setting() -> None:
    assert check(with_(time_zone="   ")).time_zone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (with_(customer_id="cus_nope"), "conversation.customer_id"),
        (with_(customer_id=""), "conversation.customer_id"),
        (with_(id="has space"), "conversation.id"),
        (with_(id="x" * 129), "conversation.id"),
        (with_(channel=""), "conversation.channel"),
        (with_(channel="fax"), "conversation.channel"),
        (with_(started_at=None), "conversation.started_at"),
        (with_(started_at=datetime(2026, 11, 23, 10, 0)), "conversation.started_at"),
        (with_(started_at=NOW + timedelta(seconds=301)), "conversation.started_at"),
        (with_(started_at=NOW - timedelta(days=366)), "conversation.started_at"),
        (with_(time_zone="Mars/Olympus"), "conversation.time_zone"),
        (with_(time_zone="asia/shanghai"), "conversation.time_zone"),
        (with_(time_zone="America"), "conversation.time_zone"),
        (with_(time_zone="../../etc/passwd"), "conversation.time_zone"),
        (with_(time_zone="/etc/localtime"), "conversation.time_zone"),
        (with_(turns=()), "conversation.turns"),
        (with_(turns=turns(*["好"] * 501)), "conversation.turns"),
        (with_(turns=turns(*["x" * 2000] * 51)), "conversation.turns"),
        (with_(turns=(*VALID.turns, TurnInput(speaker="bot", text="hi"))), "conversation.turns[2].speaker"),
        (with_(turns=(*VALID.turns, TurnInput(text="hi"))), "conversation.turns[2].speaker"),
        (with_(turns=(*VALID.turns, TurnInput(speaker="rep", text="   "))), "conversation.turns[2].text"),
        (
            with_(turns=(*VALID.turns, TurnInput(speaker="rep", text="x" * 2001))),
            "conversation.turns[2].text",
        ),
        (
            with_(turns=(*VALID.turns, TurnInput(speaker="rep", text="x", offset_ms=-1))),
            "conversation.turns[2].offset_ms",
        ),
        (
            with_(turns=(*VALID.turns, TurnInput(speaker="rep", text="x", offset_ms=2**62))),
            "conversation.turns[2].offset_ms",
        ),
        (with_(rep_id="r" * 129), "conversation.rep_id"),
        (with_(summary="s" * 2001), "conversation.summary"),
    ],
)
def test_bad_input_names_its_field(raw: ConversationInput, field: str) -> None:
    assert field_of(raw) == field


def test_limits_are_inclusive() -> None:
    conversation = check(
        with_(
            id="x" * 128,
            started_at=NOW + timedelta(seconds=300),
            turns=turns(*["x" * 2000] * 50),
            rep_id="r" * 128,
            summary="s" * 2000,
        )
    )
    assert len(conversation.turns) == 50
    assert len(check(with_(turns=turns(*["好"] * 500))).turns) == 500


def test_errors_are_named_under_the_field_given() -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_conversation(
            with_(channel="sms"), now=NOW, config=CONFIG, default_time_zone="UTC", field="items[2]"
        )
    assert caught.value.field == "items[2].channel"


def test_retention_comes_from_the_config() -> None:
    short = TagsConfig(conversation_retention_days=30)
    with pytest.raises(InvalidArgument):
        validate_conversation(
            with_(started_at=NOW - timedelta(days=31)), now=NOW, config=short, default_time_zone="UTC"
        )
    kept = validate_conversation(
        with_(started_at=NOW - timedelta(days=29)), now=NOW, config=short, default_time_zone="UTC"
    )
    assert kept.expires_at == NOW + timedelta(days=1)


JSON = {
    "id": "wx-9001",
    "customer_id": CUSTOMER,
    "channel": "wechat",
    "started_at": "2026-11-23T19:00:00+08:00",
    "time_zone": "Asia/Shanghai",
    "turns": [
        {"speaker": "customer", "text": "明天下午三点再打给我", "offset_ms": 0},
        {"speaker": "rep", "text": "好"},
    ],
    "rep_id": "rep_li",
    "summary": "约回电",
}


def test_ingest_json_decodes_to_the_same_input() -> None:
    raw = input_from_json(JSON, field="data")
    assert raw == ConversationInput(
        id="wx-9001",
        customer_id=CUSTOMER,
        channel="wechat",
        started_at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC),
        time_zone="Asia/Shanghai",
        turns=(
            TurnInput(speaker="customer", text="明天下午三点再打给我"),
            TurnInput(speaker="rep", text="好"),
        ),
        rep_id="rep_li",
        summary="约回电",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer_id": 7}, "data.customer_id"),
        ({"started_at": 1700000000}, "data.started_at"),
        ({"started_at": "2026-11-23T19:00:00"}, "data.started_at"),
        ({"started_at": "yesterday"}, "data.started_at"),
        ({"turns": "hello"}, "data.turns"),
        ({"turns": ["hello"]}, "data.turns[0]"),
        ({"turns": [{"speaker": "customer", "text": 5}]}, "data.turns[0].text"),
        ({"turns": [{"speaker": "customer", "text": "x", "offset_ms": "5"}]}, "data.turns[0].offset_ms"),
        ({"turns": [{"speaker": "customer", "text": "x", "offset_ms": True}]}, "data.turns[0].offset_ms"),
        ({"turns": [{"speaker": "customer", "text": "x", "offset_ms": 1.5}]}, "data.turns[0].offset_ms"),
        ({"turns": [{"speaker": "customer", "text": "x"}] * 501}, "data.turns"),
    ],
)
def test_malformed_json_names_its_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        input_from_json({**JSON, **changes}, field="data")
    assert caught.value.field == field


def test_event_data_is_one_conversation_or_a_batch_of_items() -> None:
    [(single, name)] = inputs_from_event_data(JSON, maximum=50)
    assert (single.id, name) == ("wx-9001", "data")
    batch = inputs_from_event_data({"items": [JSON, {**JSON, "id": "wx-9002"}]}, maximum=50)
    assert [(raw.id, name) for raw, name in batch] == [("wx-9001", "items[0]"), ("wx-9002", "items[1]")]
    with pytest.raises(InvalidArgument) as caught:
        inputs_from_event_data({"items": [JSON, "nope"]}, maximum=50)
    assert caught.value.field == "items[1]"
    with pytest.raises(InvalidArgument):
        inputs_from_event_data({"items": [JSON] * 51}, maximum=50)


CURRENT = ConversationSettings(auto_apply_threshold=0.9, time_zone="Asia/Tokyo")


def update(candidate: ConversationSettings, roles: str = "admin") -> ConversationSettings:
    return check_settings(candidate, current=CURRENT, roles=frozenset(roles.split(",")), actor="u1", now=NOW)


def test_admins_change_settings_and_an_empty_time_zone_keeps_the_current_one() -> None:
    assert update(ConversationSettings(auto_apply_threshold=0.7, time_zone="")) == ConversationSettings(
        auto_apply_threshold=0.7, time_zone="Asia/Tokyo", updated_at=NOW, updated_by="u1"
    )
    assert update(ConversationSettings(auto_apply_threshold=0.0, time_zone="UTC")).time_zone == "UTC"


def test_settings_are_admin_only() -> None:
    with pytest.raises(PermissionDenied):
        update(ConversationSettings(), roles="sales,marketing")


@pytest.mark.parametrize(
    ("candidate", "field"),
    [
        (ConversationSettings(auto_apply_threshold=float("nan")), "settings.auto_apply_threshold"),
        (ConversationSettings(auto_apply_threshold=float("inf")), "settings.auto_apply_threshold"),
        (ConversationSettings(auto_apply_threshold=-0.01), "settings.auto_apply_threshold"),
        (ConversationSettings(auto_apply_threshold=1.01), "settings.auto_apply_threshold"),
        (ConversationSettings(time_zone="Beijing"), "settings.time_zone"),
    ],
)
def test_bad_settings_name_their_field(candidate: ConversationSettings, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        update(candidate)
    assert caught.value.field == field


def test_config_reads_the_environment() -> None:
    assert TagsConfig.from_env({}) == TagsConfig(
        conversation_retention_days=365, conversation_max_future_seconds=300
    )
    config = TagsConfig.from_env(
        {"TAGS_CONVERSATION_RETENTION_DAYS": "90", "TAGS_CONVERSATION_MAX_FUTURE_SECONDS": " 60 "}
    )
    assert (config.conversation_retention, config.conversation_max_future) == (
        timedelta(days=90),
        timedelta(seconds=60),
    )
    for bad in ("0", "-3", "soon"):
        with pytest.raises(ConfigError, match="TAGS_CONVERSATION_RETENTION_DAYS"):
            TagsConfig.from_env({"TAGS_CONVERSATION_RETENTION_DAYS": bad})
