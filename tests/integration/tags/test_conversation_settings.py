"""A tenant's conversation settings: admin only, and they decide what applies itself and how times resolve."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from crm.tags.v1 import tags_pb2 as T

from common.grpc_client import field_violations
from common.timeutil import iso_utc
from tests.integration.tags.conftest import TagsClient
from tests.integration.tags.conversation_helpers import (
    CALLBACK,
    HEDGED,
    SURE,
    conversation,
    define_library,
    ingest,
    started,
)
from tests.integration.tags.helpers import wait_for_events
from tests.support.events import connect, subscribe
from tests.support.rpc import metadata

MD = metadata("acme")


async def update(
    tags: TagsClient, threshold: float, time_zone: str = "", *, roles: str = "admin"
) -> T.ConversationSettings:
    response: T.ConversationSettings = await tags.stub.UpdateConversationSettings(
        T.UpdateConversationSettingsRequest(
            settings=T.ConversationSettings(auto_apply_threshold=threshold, time_zone=time_zone)
        ),
        metadata=metadata("acme", caller="admin-1", roles=roles),
    )
    return response


async def current(tags: TagsClient, tenant: str = "acme") -> T.ConversationSettings:
    response: T.ConversationSettings = await tags.stub.GetConversationSettings(
        T.GetConversationSettingsRequest(), metadata=metadata(tenant)
    )
    return response


async def test_settings_default_and_only_admins_change_them(tags: TagsClient) -> None:
    defaults = await current(tags)
    assert (defaults.auto_apply_threshold, defaults.time_zone, defaults.updated_by) == (
        0.85,
        "Asia/Shanghai",
        "",
    )

    for threshold, time_zone, roles, code, field in (
        # refused by the role table before the request is read: no field, the roles are in ErrorInfo
        (0.5, "", "sales,marketing", grpc.StatusCode.PERMISSION_DENIED, ""),
        (1.5, "", "admin", grpc.StatusCode.INVALID_ARGUMENT, "settings.auto_apply_threshold"),
        (float("nan"), "", "admin", grpc.StatusCode.INVALID_ARGUMENT, "settings.auto_apply_threshold"),
        (0.5, "Asia/Beijing", "admin", grpc.StatusCode.INVALID_ARGUMENT, "settings.time_zone"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await update(tags, threshold, time_zone, roles=roles)
        assert caught.value.code() == code
        assert [f for f, _ in field_violations(caught.value)] == ([field] if field else [])
    assert await current(tags) == defaults

    changed = await update(tags, 0.6, "Europe/Berlin")
    assert (changed.auto_apply_threshold, changed.time_zone, changed.updated_by) == (
        0.6,
        "Europe/Berlin",
        "admin-1",
    )
    assert changed.HasField("updated_at")
    assert await current(tags) == changed
    kept_zone = await update(tags, 0.7)
    assert (kept_zone.auto_apply_threshold, kept_zone.time_zone) == (0.7, "Europe/Berlin")
    assert (await current(tags, "globex")).time_zone == "Asia/Shanghai"  # per tenant


async def test_the_threshold_decides_what_applies_itself(tags: TagsClient) -> None:
    await define_library(tags)

    await update(tags, 0.6)
    eager = await ingest(tags, conversation(await tags.customer(), ("customer", SURE + HEDGED)))
    assert sorted(a.tag_key for a in eager.applied) == ["budget", "intent.high", "pref.suv"]
    assert list(eager.suggested) == []
    [suv] = [a for a in eager.applied if a.tag_key == "pref.suv"]
    assert (suv.source, suv.confidence) == (T.TAG_SOURCE_CONVERSATION, pytest.approx(0.65))

    await update(tags, 0.95)
    careful = await ingest(tags, conversation(await tags.customer(), ("customer", SURE + HEDGED)))
    assert list(careful.applied) == []
    assert sorted(s.tag_key for s in careful.suggested) == ["budget", "intent.high", "pref.suv"]


async def test_call_backs_resolve_in_the_tenants_time_zone_and_are_announced_once(
    tags: TagsClient, nats_url: str, namespace: str
) -> None:
    await update(tags, 0.85, "Europe/Berlin")
    customer = await tags.customer()
    started_at = started(hours_ago=1)
    nc = await connect(nats_url)
    try:
        events = await subscribe(nc, f"{namespace}.evt.acme.tags.callback_promised")
        response = await ingest(
            tags,
            conversation(customer, ("customer", CALLBACK), conversation_id="tz-1", started_at=started_at),
        )
        [(event, _)] = await wait_for_events(events, lambda e: True, 1)
        # extracting again finds the same time: nothing new to announce
        await tags.stub.ReextractConversation(
            T.ReextractConversationRequest(conversation_id="tz-1"), metadata=MD
        )
        await asyncio.sleep(0.3)
        assert len(events.events) == 1
    finally:
        await nc.close()

    berlin = ZoneInfo("Europe/Berlin")
    day = started_at.astimezone(berlin).date() + timedelta(days=1)  # "明天下午三点" in Berlin
    expected = datetime(day.year, day.month, day.day, 15, tzinfo=berlin)
    assert response.conversation.time_zone == "Europe/Berlin"
    assert (event["data"]["callback_at"], event["data"]["time_zone"]) == (iso_utc(expected), "Europe/Berlin")
    assert event["data"]["local_time"] == expected.isoformat()
    [fact] = [f for f in response.conversation.facts if f.kind == "callback_at"]
    assert fact.at.ToDatetime(tzinfo=UTC) == expected
