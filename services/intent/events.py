"""NATS side of the intent service: the signal ingest consumer and the `level_changed` event.

`level_changed` (subject `<root>.evt.<tenant>.intent.level_changed`, type `crm.intent.level_changed.v1`,
CloudEvent `subject` = customer id) carries:
    {"customer_id": "cus_…", "level": "low"|"medium"|"high",
     "previous_level": "low"|"medium"|"high"|null, "score": 72.4,
     "reason": "3× 定价页 and 1× 演示申请 in the last 7 days"}
The tags service turns it into the system tag `intent.level`.

`surged` (`<root>.evt.<tenant>.intent.surged`, type `crm.intent.surged.v1`) carries the shape built by
services/intent/planning.py `surged_data` (docs/events.md has an example). Both events are stored in
the customer's `scores` document by the same write that moves the level or records the surge, and
relayed by common/outbox.py.
"""

from __future__ import annotations

from common.bus import BatchHandler, BatchPrepare, Consumer

LEVEL_CHANGED = "level_changed"
SURGED = "surged"
INGEST_DURABLE = "intent-ingest"
# Messages per pulled batch: one aggregate write per customer per batch, so a larger batch writes fewer
# documents per signal (an aggregate update costs the stand-in about 3.5 signal inserts; bench/intent_ingest.py:
# 2,000 -> 4,000 took the stand-in's CPU for 20,000 signals over 200 customers from 5.4-6.2 s to 4.5-4.8 s).
INGEST_BATCH = 4000
# A full batch takes 1-2 s on a quiet box; a batch that outlives this counts as failed and comes back, so
# leave room for a loaded one (the ack wait is kept alive meanwhile, common/consumers.py).
INGEST_TIMEOUT_SECONDS = 60.0
INGEST_SUBJECT = "in.*.signals"


def ingest_consumer(ingest: BatchHandler, *, prepare: BatchPrepare | None = None) -> Consumer:
    """The durable consumer of `<root>.in.<tenant>.signals`: one signal or {"items": [...]} per message.

    Malformed data raises InvalidArgument and a customer leads does not have raises NotFound, which
    the runner dead-letters at once; leads not answering naks it with back-off. `prepare` asks leads
    about a pulled batch's customers once (common/customers.py). Re-delivery is
    harmless: stored signal ids are de-duplicated and a signal joins its aggregate once. A pulled
    batch is handled at once (`ingest` is `IntentEngine.ingest_events`): one aggregate write per
    customer per batch, whatever the number of its signals in it.
    """
    return Consumer(
        durable=INGEST_DURABLE,
        stream_kind="in",
        filter_subject=INGEST_SUBJECT,
        handler=None,
        batch_handler=ingest,
        batch=INGEST_BATCH,
        timeout=INGEST_TIMEOUT_SECONDS,
        in_flight=2,  # the next batch is decoded and checked while this one is written
        remember_applied=False,  # signal ids are the idempotency key (services/intent/engine.py)
        prepare=prepare,
    )
