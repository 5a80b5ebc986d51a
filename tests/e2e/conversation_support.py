"""A tag library with hints, conversations to ingest, and the GraphQL operations the conversation e2e
tests share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.graphql import DEFINE_TAG, ok

# What extraction listens for: flags heard through keywords, an exclusive pair, a number tag.
LIBRARY: list[dict[str, Any]] = [
    {"key": "pref.suv", "displayName": "想要SUV", "group": "preference", "hints": {"keywords": ["SUV"]}},
    {
        "key": "pref.family",
        "displayName": "家用",
        "group": "preference",
        "hints": {"keywords": ["孩子", "家用"]},
    },
    {
        "key": "intent.high",
        "displayName": "高意向",
        "group": "buying",
        "exclusive": True,
        "hints": {"keywords": ["马上买", "这个月就买"]},
    },
    {
        "key": "intent.low",
        "displayName": "低意向",
        "group": "buying",
        "exclusive": True,
        "hints": {"keywords": ["随便看看", "不着急"]},
    },
    {"key": "budget", "displayName": "预算", "valueType": "NUMBER", "hints": {"keywords": ["预算"]}},
]

# A plain statement is applied (SUV, budget); a hedged one waits for a person (家用); a promise is kept.
FIRST_CALL = [
    {"speaker": "REP", "text": "您好，这里是星河汽车，请问您想看什么车？"},
    {"speaker": "CUSTOMER", "text": "我想买一台SUV，预算二十万。"},
    {"speaker": "CUSTOMER", "text": "可能主要是家用吧。"},
    {"speaker": "CUSTOMER", "text": "明天下午三点再打给我。"},
]

DEFINE_WITH_HINTS = """
mutation Define($input: DefineTagInput!) {
  defineTag(input: $input) { key hints { keywords synonyms patterns values { value keywords patterns } } }
}
"""

SUGGESTION_FIELDS = """
id customerId conversationId tagKey value action confidence reason status displayName group
reviewedBy reviewNote evidence { turnIndex start end quote }
"""

INGEST = f"""
mutation Ingest($input: IngestConversationInput!) {{
  ingestConversation(input: $input) {{
    duplicate
    conversation {{ id customerId channel summary callbackAt facts {{ kind value amount qualifier }} }}
    applied {{ key value source confidence evidence {{ conversationId quote }} }}
    suggested {{ {SUGGESTION_FIELDS} }}
    skipped {{ key value reason }}
  }}
}}
"""

REEXTRACT = f"""
mutation Reextract($id: ID!) {{
  reextractConversation(id: $id) {{
    duplicate
    applied {{ key value }}
    suggested {{ {SUGGESTION_FIELDS} }}
    skipped {{ key value reason }}
  }}
}}
"""

REVIEW = f"""
mutation Review($id: ID!, $decision: ReviewDecision!, $note: String! = "") {{
  reviewSuggestion(id: $id, decision: $decision, note: $note) {{
    suggestion {{ {SUGGESTION_FIELDS} }}
    assigned {{ key value source actor }}
    removed {{ key value }}
  }}
}}
"""

CUSTOMER_CONVERSATIONS = f"""
query Conversations($id: ID!) {{
  customer(id: $id) {{
    tags {{ key value source confidence }}
    conversations {{
      id channel startedAt timeZone summary callbackAt
      turns {{ speaker text offsetMs }}
      facts {{ kind value text qualifier amount at evidence {{ turnIndex quote }} }}
      suggestions(status: PENDING) {{ {SUGGESTION_FIELDS} }}
    }}
    pendingSuggestions {{ {SUGGESTION_FIELDS} }}
  }}
}}
"""

SUGGESTIONS = f"""
query Suggestions($customerId: ID, $status: SuggestionStatus! = PENDING, $tagKey: String) {{
  conversationSuggestions(customerId: $customerId, status: $status, tagKey: $tagKey) {{
    edges {{ cursor node {{ {SUGGESTION_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


async def define_library(client: httpx.AsyncClient) -> None:
    for definition in LIBRARY:
        await ok(client, DEFINE_TAG, input=definition)


def conversation_input(
    customer_id: str, turns: list[dict[str, Any]], *, started_at: datetime | None = None, **extra: Any
) -> dict[str, Any]:
    """An IngestConversationInput: a call an hour ago (inside retention, not in the future)."""
    started = started_at or datetime.now(UTC) - timedelta(hours=1)
    return {
        "customerId": customer_id,
        "channel": "CALL",
        "startedAt": started.isoformat(),
        "timeZone": "Asia/Shanghai",
        "turns": turns,
        **extra,
    }


async def ingest(
    client: httpx.AsyncClient, customer_id: str, turns: list[dict[str, Any]], **extra: Any
) -> Any:
    data = await ok(client, INGEST, input=conversation_input(customer_id, turns, **extra))
    return data["ingestConversation"]


TAG_HISTORY = """
query History($id: ID!) {
  customer(id: $id) {
    tagHistory(first: 50) {
      entries { tagKey action value source actor reason evidence { conversationId quote } }
      pageInfo { hasNextPage }
    }
  }
}
"""


async def tag_history(client: httpx.AsyncClient, customer_id: str) -> list[dict[str, Any]]:
    """The customer's tag history, newest first, as the gateway shows it."""
    data = await ok(client, TAG_HISTORY, id=customer_id)
    entries: list[dict[str, Any]] = data["customer"]["tagHistory"]["entries"]
    return entries
