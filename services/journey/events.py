"""The journey service on NATS: the events it publishes and the touchpoint ingest consumer.

Published (subject `<root>.evt.<tenant>.journey.<event>`, type `crm.journey.<event>.v1`, subject_id =
customer id):
- `touchpoint_recorded`: the touchpoint as JSON (id, customer_id, type, channel, occurred_at, actor,
  notes, stage); once per touchpoint, not again for a re-sent id. Its CloudEvent id is derived from
  (tenant, touchpoint id): `touchpoint_recorded_id`.
- `stage_changed`: {customer_id, journey, version, stage, previous_stage, furthest_stage, at,
  touchpoint_id} when the customer's current stage in a journey changes (one per journey a touchpoint
  moves); `at` is when the touchpoint that moved it occurred; `version` is the journey version.
- `deal_stale`: {customer_id, journey, version, stage, entered_at, stale_at, days_to_rot} once per
  stay in a stage that outlives its `days_to_rot` (stale.py, deal_stale.py).

Both are written with the progress change they announce and published through the outbox (see
`store.py` for what a crash at each point leaves behind); `stage_changed` events of one customer reach
the stream in commit order, so each names as `previous_stage` the stage of the one before it.

Consumed: `<root>.in.<tenant>.touchpoints` (durable `journey-ingest`); the CloudEvent data is one
touchpoint or `{"items": [...]}` with the fields above (occurred_at as ISO-8601 with an offset).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from common.bus import Consumer
from common.cloudevents import data_items
from common.customers import KnownCustomers, batch_warmer
from common.outbox import Outbox, Pending
from common.timeutil import iso_utc, utcnow
from services.journey.progress import StageChange
from services.journey.store import PROGRESS, TOUCHPOINTS, progress_id, touchpoint_document
from services.journey.templates import Journey
from services.journey.touchpoints import StageMap, Touchpoint, touchpoint_from_json, touchpoint_json

if TYPE_CHECKING:
    from services.journey.definition_store import DefinitionStore
    from services.journey.recording import TouchpointRecorder

TOUCHPOINT_RECORDED = "touchpoint_recorded"
STAGE_CHANGED = "stage_changed"
DEAL_STALE = "deal_stale"
INGEST_DURABLE = "journey-ingest"
INGEST_SUBJECT = "in.*.touchpoints"
# Items of one commit are ordered within version * ORDER_SPAN: room for MAX_GROUP touchpoints' items.
ORDER_SPAN = 1000
# Bounds the work one message can ask for; a larger import should be split into several messages.
MAX_INGEST_ITEMS = 1000


def stage_changed_data(customer_id: str, journey: Journey, change: StageChange) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "journey": journey.key,
        "version": journey.version,
        "stage": change.stage,
        "previous_stage": change.previous_stage,
        "furthest_stage": change.furthest_stage,
        "at": iso_utc(change.at),
        "touchpoint_id": change.touchpoint_id,
    }


class JourneyEvents:
    """Builds what one progress commit stores in its outbox, and runs the outbox's ordered fast path.

    Nothing is published "after the write" by hand: the items are written with the progress change
    (`JourneyStore.commit`) and published by `publish` or, after a crash, by the outbox relay.
    """

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def commit_items(
        self,
        tenant: str,
        *,
        touchpoint: Touchpoint,
        journey: Journey,
        changes: Sequence[tuple[Journey, StageChange]],
        version: int,
        first: int = 0,
    ) -> list[Pending]:
        """The touchpoint's insert, `touchpoint_recorded` and a `stage_changed` per journey whose stage
        it moved, ordered after every item of earlier versions (and after the `first` items this
        commit already holds), so they are applied and published in commit order. `journey` is the
        touchpoint's primary journey (the one its `stage` is named in).
        """
        items: list[Pending] = [
            self._outbox.insert(TOUCHPOINTS, touchpoint_document(tenant, touchpoint, journey=journey.key)),
            self._outbox.event(
                tenant=tenant,
                event=TOUCHPOINT_RECORDED,
                data=touchpoint_json(touchpoint),
                subject_id=touchpoint.customer_id,
                event_id=touchpoint_recorded_id(tenant, touchpoint.id),
            ),
        ]
        for moved, change in changes:
            items.append(
                self._outbox.event(
                    tenant=tenant,
                    event=STAGE_CHANGED,
                    data=stage_changed_data(touchpoint.customer_id, moved, change),
                    subject_id=touchpoint.customer_id,
                )
            )
        return self.ordered(items, version=version, first=first)

    def ordered(self, items: Sequence[Pending], *, version: int, first: int = 0) -> list[Pending]:
        """`items` ordered after everything of earlier versions and the `first` items before them."""
        return [replace(item, order=version * ORDER_SPAN + first + k) for k, item in enumerate(items)]

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    async def publish(self, tenant: str, customer_id: str) -> None:
        """Apply and publish everything pending in the customer's progress, in order; never raises."""
        await self._outbox.publish_all(PROGRESS, progress_id(tenant, customer_id))

    async def publish_own(self, tenant: str, customer_id: str, items: Sequence[Pending]) -> None:
        """Apply and publish just `items`: only for a commit that found nothing pending before it."""
        await self._outbox.publish(PROGRESS, progress_id(tenant, customer_id), items)


def touchpoint_recorded_id(tenant: str, touchpoint_id: str) -> str:
    """The event id of a touchpoint's `touchpoint_recorded`, derived from the touchpoint's identity.

    Deterministic, so a re-sent touchpoint can tell from the progress document's outbox that its
    first recording is committed but not yet completed (see `JourneyStore`), and so JetStream would
    drop a second copy by `Nats-Msg-Id` should one ever be built.
    """
    digest = hashlib.sha256(f"{tenant}|{touchpoint_id}".encode()).hexdigest()[:32]
    return f"evt_tp_{digest}"


def ingest_consumer(
    recorder: TouchpointRecorder, *, customers: KnownCustomers, definitions: DefinitionStore
) -> Consumer:
    """The durable consumer that records touchpoints partners publish on `<root>.in.<tenant>.touchpoints`.

    A touchpoint for a customer leads does not have in the tenant dead-letters the whole message
    (NotFound), before any is recorded; leads not answering naks it. Leads is asked once per pulled
    batch (common/customers.py)."""

    async def handle(tenant: str, event: dict[str, Any]) -> None:
        book = await definitions.book(tenant)
        touchpoints = parse_ingest(event, journey=book)
        where = "items[{index}].customer_id" if "items" in event["data"] else "customer_id"
        await customers.require(tenant, [t.customer_id for t in touchpoints], field=where)
        # Concurrently, so touchpoints of one customer in one message share commits (group commit).
        await asyncio.gather(*(recorder.record(tenant, touchpoint, book) for touchpoint in touchpoints))

    return Consumer(
        durable=INGEST_DURABLE,
        stream_kind="in",
        filter_subject=INGEST_SUBJECT,
        handler=handle,
        prepare=batch_warmer(customers),
    )


def parse_ingest(event: dict[str, Any], *, journey: StageMap) -> list[Touchpoint]:
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
