"""Conversations through GraphQL: ingest, the customer view, reviews that stick, precision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conversation_support import (
    CUSTOMER_CONVERSATIONS,
    DEFINE_WITH_HINTS,
    FIRST_CALL,
    INGEST,
    REEXTRACT,
    REVIEW,
    SUGGESTIONS,
    conversation_input,
    define_library,
    ingest,
    tag_history,
)
from tests.e2e.graphql import codes, create_customer, gql, ok
from tests.support.stack import Stack

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRECISION = "query($keys: [String!]) { tagPrecision(tagKeys: $keys) { tagKey accepted rejected pending applied precision } }"


async def test_ingested_call_shows_on_the_customer_with_summary_facts_and_pending_suggestions(
    stack: Stack,
) -> None:
    started = datetime.now(UTC) - timedelta(hours=1)
    async with stack.client() as client:
        await define_library(client)
        customer_id = await create_customer(client, "Li Na", "li.na@example.com")
        reply = await ingest(client, customer_id, FIRST_CALL, started_at=started)
        view = (await ok(client, CUSTOMER_CONVERSATIONS, id=customer_id))["customer"]

    assert reply["duplicate"] is False
    applied = {(a["key"], a["value"]) for a in reply["applied"]}
    assert applied == {("pref.suv", ""), ("budget", "200000")}
    assert all(a["source"] == "CONVERSATION" for a in reply["applied"])
    [family] = reply["suggested"]
    assert (family["tagKey"], family["status"], family["action"]) == ("pref.family", "PENDING", "ASSIGN")
    assert family["confidence"] < 0.85
    assert family["evidence"] == {"turnIndex": 2, "start": 0, "end": 8, "quote": "可能主要是家用吧"}

    # The customer view: active tags, the conversation with what was heard, what waits for a person.
    assert {(t["key"], t["source"]) for t in view["tags"]} == {
        ("pref.suv", "CONVERSATION"),
        ("budget", "CONVERSATION"),
    }
    [conversation] = view["conversations"]
    assert conversation["id"] == reply["conversation"]["id"]
    assert conversation["summary"]
    assert [t["speaker"] for t in conversation["turns"]] == ["REP", "CUSTOMER", "CUSTOMER", "CUSTOMER"]
    local_day = started.astimezone(SHANGHAI).date() + timedelta(days=1)
    promised = datetime(local_day.year, local_day.month, local_day.day, 15, tzinfo=SHANGHAI)
    assert datetime.fromisoformat(conversation["callbackAt"]) == promised
    budget = next(f for f in conversation["facts"] if f["kind"] == "budget")
    assert budget["amount"] == 200000
    assert budget["evidence"]["quote"] == "我想买一台SUV，预算二十万"
    assert [s["id"] for s in conversation["suggestions"]] == [family["id"]]
    assert [s["id"] for s in view["pendingSuggestions"]] == [family["id"]]


async def test_resending_a_conversation_id_is_a_duplicate_that_changes_nothing(stack: Stack) -> None:
    async with stack.client() as client:
        await define_library(client)
        customer_id = await create_customer(client, "Wu Jie", "wu.jie@example.com")
        first = await ingest(client, customer_id, FIRST_CALL, id="call-2026-0001")
        again = await ingest(client, customer_id, FIRST_CALL, id="call-2026-0001")
        view = (await ok(client, CUSTOMER_CONVERSATIONS, id=customer_id))["customer"]

    assert first["duplicate"] is False
    assert again["duplicate"] is True
    assert again["applied"] == [] and again["suggested"] == []
    assert [c["id"] for c in view["conversations"]] == ["call-2026-0001"]
    assert len(view["pendingSuggestions"]) == 1


async def test_a_rejected_suggestion_is_not_heard_again_when_the_conversation_is_reextracted(
    stack: Stack,
) -> None:
    async with stack.client() as client:
        await define_library(client)
        customer_id = await create_customer(client, "Zhou Min", "zhou.min@example.com")
        reply = await ingest(client, customer_id, FIRST_CALL)
        [family] = reply["suggested"]

        review = (await ok(client, REVIEW, id=family["id"], decision="REJECT", note="他是给父母买"))[
            "reviewSuggestion"
        ]
        again = (await ok(client, REEXTRACT, id=reply["conversation"]["id"]))["reextractConversation"]
        view = (await ok(client, CUSTOMER_CONVERSATIONS, id=customer_id))["customer"]
        rejected = await ok(client, SUGGESTIONS, customerId=customer_id, status="REJECTED")
        pending = await ok(client, SUGGESTIONS, customerId=customer_id)
        history = await tag_history(client, customer_id)

    # The person's rejection is in the tag history, after the machine's suggestion, and nothing follows it.
    family_history = [(e["action"], e["source"], e["actor"]) for e in history if e["tagKey"] == "pref.family"]
    assert family_history == [("rejected", "MANUAL", "e2e-user"), ("suggested", "CONVERSATION", "")]
    assert review["suggestion"]["status"] == "REJECTED"
    assert review["suggestion"]["reviewedBy"] == "e2e-user"
    assert review["suggestion"]["reviewNote"] == "他是给父母买"
    assert review["assigned"] == [] and review["removed"] == []
    # The decision stands: re-extraction hears 家用 again but neither suggests nor applies it.
    assert [s["tagKey"] for s in again["suggested"]] == []
    assert "pref.family" not in {a["key"] for a in again["applied"]}
    assert ("pref.family", "", "HUMAN_DECISION") in {
        (s["key"], s["value"], s["reason"]) for s in again["skipped"]
    }
    assert "pref.family" not in {t["key"] for t in view["tags"]}
    assert view["pendingSuggestions"] == []
    assert [e["node"]["id"] for e in rejected["conversationSuggestions"]["edges"]] == [family["id"]]
    assert pending["conversationSuggestions"]["edges"] == []


async def test_an_accepted_suggestion_sets_a_manual_tag_that_the_history_shows(stack: Stack) -> None:
    async with stack.client() as client:
        await define_library(client)
        customer_id = await create_customer(client, "Guo Tao", "guo.tao@example.com")
        reply = await ingest(client, customer_id, FIRST_CALL)
        [family] = reply["suggested"]

        review = (await ok(client, REVIEW, id=family["id"], decision="ACCEPT"))["reviewSuggestion"]
        view = (await ok(client, CUSTOMER_CONVERSATIONS, id=customer_id))["customer"]
        history = await tag_history(client, customer_id)

    assert review["suggestion"]["status"] == "ACCEPTED"
    assert review["assigned"] == [
        {"key": "pref.family", "value": "", "source": "MANUAL", "actor": "e2e-user"}
    ]
    tags = {t["key"]: t for t in view["tags"]}
    assert tags["pref.family"]["source"] == "MANUAL"
    assert view["pendingSuggestions"] == []
    family_history = [e for e in history if e["tagKey"] == "pref.family"]
    assert [e["action"] for e in family_history] == ["assigned", "suggested"]
    assert (family_history[0]["source"], family_history[0]["actor"]) == ("MANUAL", "e2e-user")
    assert family_history[0]["evidence"]["conversationId"] == reply["conversation"]["id"]
    assert family_history[1]["source"] == "CONVERSATION"


async def test_tag_precision_counts_what_people_accepted_and_rejected(stack: Stack) -> None:
    hedged = [{"speaker": "CUSTOMER", "text": "可能主要是家用吧。"}]
    async with stack.client() as client:
        await define_library(client)
        ids = [await create_customer(client, f"Precision {i}", f"precision{i}@example.com") for i in range(3)]
        suggestions = [(await ingest(client, cid, hedged))["suggested"][0]["id"] for cid in ids]
        await ok(client, REVIEW, id=suggestions[0], decision="ACCEPT")
        await ok(client, REVIEW, id=suggestions[1], decision="REJECT")
        before = (await ok(client, PRECISION, keys=["pref.suv"]))["tagPrecision"]
        await ingest(client, ids[0], [{"speaker": "CUSTOMER", "text": "我想买一台SUV。"}])
        after = (await ok(client, PRECISION, keys=["pref.family", "pref.suv"]))["tagPrecision"]

    # Asked for by key before anything was heard for it: a row of zeros, no precision yet.
    assert before == [
        {"tagKey": "pref.suv", "accepted": 0, "rejected": 0, "pending": 0, "applied": 0, "precision": None}
    ]
    by_key = {p["tagKey"]: p for p in after}
    family = by_key["pref.family"]
    assert (family["accepted"], family["rejected"], family["pending"]) == (1, 1, 1)
    assert family["precision"] == 0.5
    suv = by_key["pref.suv"]
    assert (suv["applied"], suv["accepted"], suv["precision"]) == (1, 0, None)


async def test_ingest_input_reaches_the_service_unchanged(stack: Stack) -> None:
    """Channel, rep, offsets and the sender's own summary come back as sent."""
    turns = [
        {"speaker": "REP", "text": "您好。", "offsetMs": 0},
        {"speaker": "CUSTOMER", "text": "随便看看。", "offsetMs": 4200},
    ]
    async with stack.client() as client:
        await define_library(client)
        customer_id = await create_customer(client, "Ma Li", "ma.li@example.com")
        sent = conversation_input(customer_id, turns, channel="WECHAT", repId="rep-9", summary="只是看看")
        reply = (await ok(client, INGEST, input=sent))["ingestConversation"]
        got = (
            await ok(
                client,
                "query($id: ID!) { conversation(id: $id) { channel repId summary turns { offsetMs } } }",
                id=reply["conversation"]["id"],
            )
        )["conversation"]

    assert got == {
        "channel": "WECHAT",
        "repId": "rep-9",
        "summary": "只是看看",
        "turns": [{"offsetMs": 0}, {"offsetMs": 4200}],
    }
    assert {(a["key"], a["source"]) for a in reply["applied"]} == {("intent.low", "CONVERSATION")}


async def test_define_tag_keeps_extraction_hints_with_hints_per_value(stack: Stack) -> None:
    definition = {
        "key": "fuel",
        "displayName": "能源类型",
        "valueType": "ENUM",
        "allowedValues": ["ev", "petrol"],
        "hints": {
            "synonyms": ["能源"],
            "values": [
                {"value": "ev", "keywords": ["电车", "纯电"], "patterns": ["想要*电动"]},
                {"value": "petrol", "keywords": ["油车"]},
            ],
        },
    }
    async with stack.client() as client:
        defined = (await ok(client, DEFINE_WITH_HINTS, input=definition))["defineTag"]
        bad = await gql(
            client,
            DEFINE_WITH_HINTS,
            input={**definition, "hints": {"values": [{"value": "diesel", "keywords": ["柴油"]}]}},
        )

    assert defined["hints"] == {
        "keywords": [],
        "synonyms": ["能源"],
        "patterns": [],
        "values": [
            {"value": "ev", "keywords": ["电车", "纯电"], "patterns": ["想要*电动"]},
            {"value": "petrol", "keywords": ["油车"], "patterns": []},
        ],
    }
    assert codes(bad) == ["BAD_USER_INPUT"]
