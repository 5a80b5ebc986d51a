"""The timeline's projections of other services' events: what is shown, how it reads, what is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from common.errors import InvalidArgument
from services.journey.surges import level_changed, surged
from services.journey.timeline_feed import entry_document
from services.journey.timeline_sources import (
    SOURCES,
    conversation_ingested,
    customer_created,
    tag_change_shown,
    tag_changed,
)

CID = "cus_01M84R6SX5331R493MH73V3ETP"


def event(type_: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "evt_1", "type": type_, "time": "2026-11-23T17:45:37.367Z", "data": data, **extra}


def tag(source: str, *, key: str = "budget", action: str | None = None, **fields: Any) -> dict[str, Any]:
    data = {
        "customer_id": CID,
        "tag_key": key,
        "value": "",
        "source": source,
        "actor": "rep_wang",
        "at": "2026-11-23T18:00:00.000Z",
        **fields,
    }
    if action is not None:
        data["action"] = action
    return data


def test_a_conversation_reads_as_what_was_heard_dated_when_it_started() -> None:
    data = {
        "conversation_id": "call-42",
        "customer_id": CID,
        "channel": "call",
        "started_at": "2026-11-23T02:05:00.000Z",
        "turn_count": 4,
        "summary": "预算 20万, 极简风",
        "applied": [],
        "suggested": 0,
        "callback_at": "",
    }
    entry = conversation_ingested(data, event("crm.tags.conversation_ingested.v1", data))
    assert entry.summary == "听到: 预算 20万, 极简风"
    assert entry.at == datetime(2026, 11, 23, 2, 5, tzinfo=UTC)
    assert entry.channel == "call" and entry.refs == (("conversation_id", "call-42"),)


def test_a_conversation_without_a_summary_lists_the_tags_it_applied() -> None:
    data = {
        "conversation_id": "c",
        "customer_id": CID,
        "channel": "wechat",
        "started_at": "2026-11-23T02:05:00Z",
        "summary": "",
        "applied": [{"tag_key": "budget", "value": "200000"}, {"tag_key": "pref.suv", "value": ""}],
    }
    assert conversation_ingested(data, event("x", data)).summary == "听到: budget=200000, pref.suv"


@pytest.mark.parametrize(
    ("source", "key", "removed", "action", "shown"),
    [
        ("manual", "budget", False, None, True),  # a person
        ("import", "budget", False, None, True),
        ("channel", "budget", False, None, True),
        ("system", "deal.won_product", False, None, True),  # a system tag
        ("system", "intent.level", False, None, False),  # shown from intent itself
        ("rule", "budget", False, None, False),  # machine refresh
        ("model", "budget", False, None, False),
        ("conversation", "budget", False, None, False),  # the conversation entry lists it
        ("manual", "budget", True, "removed", True),
        ("manual", "value.medium", True, "replaced", False),  # the assignment that displaced it shows
        ("system", "trial", True, "expired", False),
    ],
)
def test_which_tag_changes_the_timeline_shows(
    source: str, key: str, removed: bool, action: str | None, shown: bool
) -> None:
    assert tag_change_shown(tag(source, key=key, action=action), removed=removed) is shown


def test_tag_changes_read_as_plus_minus_and_from_to() -> None:
    assigned = "crm.tags.assigned.v1"
    flag = tag_changed(tag("manual", key="vip", reason="老客户介绍"), event(assigned, {}))
    moved = tag_changed(
        tag("manual", value="200000", previous_value="150000", history_id="th_1"), event(assigned, {})
    )
    gone = tag_changed(tag("manual", key="vip", action="removed"), event("crm.tags.removed.v1", {}))
    assert flag is not None and flag.summary == "标签 +vip — 老客户介绍" and flag.actor == "rep_wang"
    assert moved is not None and moved.summary == "标签 budget: 150000 → 200000"
    assert moved.refs == (("tag_key", "budget"), ("history_id", "th_1"))
    assert gone is not None and gone.summary == "标签 −vip" and gone.type == "tags.removed"
    assert tag_changed(tag("rule"), event(assigned, {})) is None


def test_an_intent_level_change_reads_from_to_with_its_reason() -> None:
    data = {
        "customer_id": CID,
        "level": "high",
        "previous_level": "medium",
        "score": 75.0,
        "reason": "3 pricing_page_view in the last 7 days",
    }
    entry = level_changed(data, event("crm.intent.level_changed.v1", data))
    assert entry.summary == "意向 MEDIUM → HIGH: 3 pricing_page_view in the last 7 days"
    assert entry.at == datetime(2026, 11, 23, 17, 45, 37, 367000, tzinfo=UTC)
    first = level_changed({**data, "previous_level": None}, event("x", data))
    assert first.summary.startswith("意向 → HIGH: ")


def test_a_new_customer_reads_with_source_and_owner() -> None:
    data = {
        "id": CID,
        "name": "梁明",
        "source_channel": "展会",
        "owner_id": "rep_sunhao",
        "created_at": "2026-11-23T17:45:36.421Z",
    }
    entry = customer_created(data, event("crm.leads.customer_created.v1", data))
    assert entry.summary == "新客户: 梁明（来源 展会，负责人 rep_sunhao）"
    assert entry.customer_id == CID and entry.refs == (("owner_id", "rep_sunhao"),)


def test_entries_are_keyed_by_tenant_and_event_id_so_a_redelivery_is_the_same_document() -> None:
    data = {"customer_id": CID, "level": "high", "previous_level": "low", "reason": ""}
    evt = event("crm.intent.level_changed.v1", data)
    doc = entry_document("acme", "intent_level", evt, level_changed(data, evt))
    assert doc["_id"] == "acme|intent_level/evt_1" and doc["source_event_id"] == "evt_1"
    assert (
        entry_document("globex", "intent_level", evt, level_changed(data, evt))["_id"]
        == "globex|intent_level/evt_1"
    )
    surge = {"customer_id": CID, "reason": "3× 定价页", "surged_at_ms": 1795779612518}
    assert (
        entry_document("acme", "intent_surge", evt, surged(surge, evt))["id"] == f"surge/{CID}/1795779612518"
    )


@pytest.mark.parametrize(
    ("project", "data", "field"),
    [
        (level_changed, {"level": "high"}, "data.customer_id"),
        (level_changed, {"customer_id": CID, "level": "extreme"}, "data.level"),
        (conversation_ingested, {"customer_id": CID, "started_at": "yesterday"}, "data.started_at"),
        (conversation_ingested, {"customer_id": CID}, "data.started_at"),
        (customer_created, {"id": CID, "created_at": 5}, "data.created_at"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_field(
    project: Any, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        project(data, event("x", data))
    assert refused.value.field == field


def test_one_durable_consumer_per_source_service() -> None:
    assert [(s.service, s.durable, s.filter_subject) for s in SOURCES] == [
        ("intent", "journey-timeline-intent", "evt.*.intent.>"),
        ("tags", "journey-timeline-tags", "evt.*.tags.>"),
        ("leads", "journey-timeline-leads", "evt.*.leads.>"),
    ]
