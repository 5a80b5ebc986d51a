"""NATS side of the intent service: the signal ingest consumer and the `level_changed` event.

`level_changed` (subject `<root>.evt.<tenant>.intent.level_changed`, type `crm.intent.level_changed.v1`,
CloudEvent `subject` = customer id) carries:
    {"customer_id": "cus_…", "level": "low"|"medium"|"high",
     "previous_level": "low"|"medium"|"high"|null, "score": 72.4,
     "reason": "3 pricing_page_view and 1 demo_request in the last 7 days"}
The tags service turns it into the system tag `intent.level`. The event is stored in the customer's
`scores` document by the same write that moves the level and relayed by common/outbox.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from common.bus import BatchPrepare, Consumer
from services.intent.signals import RawSignal, raws_from_event_data

LEVEL_CHANGED = "level_changed"
INGEST_DURABLE = "intent-ingest"
INGEST_SUBJECT = "in.*.signals"

IngestRaw = Callable[[str, list[RawSignal], str], Awaitable[Any]]


def level_changed_data(
    *, customer_id: str, level: str, previous_level: str | None, score: float, reason: str
) -> dict[str, Any]:
    """The JSON data of a `level_changed` event (shape documented in the module docstring)."""
    return {
        "customer_id": customer_id,
        "level": level,
        "previous_level": previous_level,
        "score": score,
        "reason": reason,
    }


def ingest_consumer(ingest: IngestRaw, *, prepare: BatchPrepare | None = None) -> Consumer:
    """The durable consumer of `<root>.in.<tenant>.signals`: one signal or {"items": [...]} per message.

    Malformed data raises InvalidArgument and a customer leads does not have raises NotFound, which
    the runner dead-letters at once; leads not answering naks it with back-off. `prepare` asks leads
    about a pulled batch's customers once (common/customers.py). Re-delivery is
    harmless: stored signal ids are de-duplicated, and rescoring is idempotent.
    """

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        raws, field = raws_from_event_data(event["data"])
        await ingest(tenant, raws, field)

    return Consumer(
        durable=INGEST_DURABLE,
        stream_kind="in",
        filter_subject=INGEST_SUBJECT,
        handler=handle,
        batch=64,
        prepare=prepare,
    )
