"""The consumer of the tags service's `callback_promised`: a call-back heard in a conversation.

It becomes a call-back of the lead's current owner (else of the rep of the conversation), quoting the
sentence it was heard in; the same conversation heard again moves it (`CallbackStore.promise`).
"""

from __future__ import annotations

import time
from typing import Any

from common.bus import Consumer
from common.errors import InvalidArgument
from common.ids import require_customer_id
from common.timeutil import parse_iso_instant, to_ms
from services.leads.pool.callbacks import DEFAULT_GRACE_MS, CallbackStore
from services.leads.pool.store import PoolStore

DURABLE = "leads-callback-promised"


def callback_promised_consumer(store: PoolStore, callbacks: CallbackStore) -> Consumer:
    async def handle(tenant: str, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        customer_id = require_customer_id(str(data.get("customer_id", "")), field="data.customer_id")
        conversation_id = data.get("conversation_id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise InvalidArgument("callback_promised lacks conversation_id", field="data.conversation_id")
        due = parse_iso_instant(str(data.get("callback_at", "")), field="data.callback_at")
        lead = await store.lead(tenant, customer_id)
        rules = await store.pool(tenant, lead["pool_id"]) if lead else None
        rep = str(data.get("rep_id") or "")
        await callbacks.promise(
            tenant,
            customer_id,
            owner=(lead or {}).get("owner_id") or rep,
            promised_by=rep,
            due_ms=to_ms(due),
            grace_ms=rules.grace_ms if rules else DEFAULT_GRACE_MS,
            text=str(data.get("text", ""))[:500],
            quote=str(data.get("quote", ""))[:2000],
            conversation_id=conversation_id,
            now_ms=int(time.time() * 1000),
        )

    return Consumer(
        durable=DURABLE, stream_kind="evt", filter_subject="evt.*.tags.callback_promised", handler=handle
    )
