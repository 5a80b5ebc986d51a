"""The journey service on NATS: the events it publishes and the touchpoint ingest consumer.

Published (subject `<root>.evt.<tenant>.journey.<event>`, type `crm.journey.<event>.v1`, subject_id =
customer id):
- `touchpoint_recorded`: the touchpoint as JSON (id, customer_id, type, channel, occurred_at, actor,
  notes, stage); once per touchpoint, not again for a re-sent id.
- `stage_changed`: {customer_id, journey, stage, previous_stage, furthest_stage, at, touchpoint_id}
  when the customer's current stage changes; `at` is when the touchpoint that moved it occurred.

Consumed: `<root>.in.<tenant>.touchpoints` (durable `journey-ingest`); the CloudEvent data is one
touchpoint or `{"items": [...]}` with the fields above (occurred_at as ISO-8601 with an offset).
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any

from common.bus import Consumer, EventPublisher
from common.cloudevents import data_items
from common.timeutil import iso_utc, utcnow
from services.journey.progress import StageChange
from services.journey.templates import Journey, journey_for_tenant
from services.journey.touchpoints import Touchpoint, touchpoint_from_json, touchpoint_json

if TYPE_CHECKING:
    from services.journey.recording import TouchpointRecorder

TOUCHPOINT_RECORDED = "touchpoint_recorded"
STAGE_CHANGED = "stage_changed"
INGEST_DURABLE = "journey-ingest"
INGEST_SUBJECT = "in.*.touchpoints"
# Bounds the work one message can ask for; a larger import should be split into several messages.
MAX_INGEST_ITEMS = 1000


def stage_changed_data(customer_id: str, journey: Journey, change: StageChange) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "journey": journey.key,
        "stage": change.stage,
        "previous_stage": change.previous_stage,
        "furthest_stage": change.furthest_stage,
        "at": iso_utc(change.at),
        "touchpoint_id": change.touchpoint_id,
    }


class JourneyEvents:
    """Publishes the journey service's domain events."""

    def __init__(self, publisher: EventPublisher) -> None:
        self._publisher = publisher

    async def after_record(
        self,
        tenant: str,
        *,
        touchpoint: Touchpoint,
        is_new: bool,
        journey: Journey,
        change: StageChange | None,
    ) -> None:
        """Publish `touchpoint_recorded` (for a new touchpoint) and `stage_changed` (when there is a change)."""
        sends = []
        if is_new:
            sends.append(
                self._publisher.publish(
                    tenant=tenant,
                    event=TOUCHPOINT_RECORDED,
                    data=touchpoint_json(touchpoint),
                    subject_id=touchpoint.customer_id,
                )
            )
        if change is not None:
            sends.append(
                self._publisher.publish(
                    tenant=tenant,
                    event=STAGE_CHANGED,
                    data=stage_changed_data(touchpoint.customer_id, journey, change),
                    subject_id=touchpoint.customer_id,
                )
            )
        await asyncio.gather(*sends)


def ingest_consumer(recorder: TouchpointRecorder) -> Consumer:
    """The durable consumer that records touchpoints partners publish on `<root>.in.<tenant>.touchpoints`."""

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        journey = journey_for_tenant(tenant)
        touchpoints = parse_ingest(event, journey=journey)
        for touchpoint in touchpoints:
            await recorder.record(tenant, touchpoint, journey)

    return Consumer(durable=INGEST_DURABLE, stream_kind="in", filter_subject=INGEST_SUBJECT, handler=handle)


def parse_ingest(event: dict[str, Any], *, journey: Journey) -> list[Touchpoint]:
    """Validate every touchpoint of an ingest CloudEvent before any is recorded (all or nothing).

    An item without an id gets one derived from the event's source, id and the item's position, so a
    redelivery of the same message records the same touchpoints instead of copies.
    """
    items, batch = data_items(event["data"], maximum=MAX_INGEST_ITEMS)
    digest = hashlib.sha256(f"{event.get('source', '')}\n{event['id']}".encode()).hexdigest()[:26]
    now = utcnow()
    return [
        touchpoint_from_json(
            item,
            journey=journey,
            now=now,
            default_id=f"tp_{digest}_{i}",
            field_prefix=f"items[{i}]." if batch else "",
        )
        for i, item in enumerate(items)
    ]
