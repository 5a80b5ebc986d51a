"""Stale deals at work: the `journey.stale` timer's handler and the stale-deals list (see stale.py).

The handler is idempotent the way the scheduler needs (docs/scheduler.md): it announces a stay only
if the progress document does not record it as announced, and records it in the same guarded write
that stores the event, so a handler run twice (a lease that ran out) announces nothing twice; the
event id is derived from (tenant, customer, journey, entered_at) as well, so JetStream would drop a
second copy anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import dataclass, replace
from typing import Any

from common.errors import Contended
from common.outbox import Pending
from common.timeutil import iso_utc
from services.journey.definition_store import DefinitionStore
from services.journey.events import DEAL_STALE, JourneyEvents
from services.journey.progress import CustomerProgress
from services.journey.stale import StaleStay, rot_plan, stale_now, timer_items
from services.journey.store import JourneyStore
from services.journey.touchpoints import to_millis

MAX_ATTEMPTS = 20
# Candidates read per round while filling a page: a customer stale in another journey than the one
# asked for is read and skipped.
SCAN = 200


@dataclass(frozen=True, kw_only=True)
class StaleDeal:
    """One row of the stale-deals list."""

    customer_id: str
    owner_id: str
    stay: StaleStay
    version: int


def deal_stale_id(tenant: str, customer_id: str, stay: StaleStay) -> str:
    raw = f"{tenant}|{customer_id}|{stay.journey}|{to_millis(stay.entered_at)}"
    return "evt_stale_" + hashlib.sha256(raw.encode()).hexdigest()[:32]


class StaleDeals:
    """Announces stays that turned stale (the timer handler) and lists stale deals."""

    def __init__(self, *, store: JourneyStore, definitions: DefinitionStore, events: JourneyEvents) -> None:
        self._store = store
        self._definitions = definitions
        self._events = events

    async def fire(self, tenant: str, key: str, payload: dict[str, Any]) -> None:
        """The `journey.stale` timer of `<customer>|<instant>`: announce what is stale and unannounced."""
        del payload
        customer_id = key.rsplit("|", 1)[0]
        book = await self._definitions.book(tenant)
        outbox = self._events.outbox
        for attempt in range(MAX_ATTEMPTS):
            current = await self._store.load(tenant, customer_id)
            if current.version == 0:
                return
            progress = current.progress
            now_ms = int(time.time() * 1000)
            fresh = [
                stay
                for stay in stale_now(progress, book, now_ms=now_ms)
                if progress.journeys[stay.journey].stale_entered_ms != to_millis(stay.entered_at)
            ]
            progress = _mark(progress, fresh)
            version = current.version + 1
            events: list[Pending] = [
                outbox.event(
                    tenant=tenant,
                    event=DEAL_STALE,
                    data=_event_data(customer_id, stay, progress.journeys[stay.journey].version),
                    subject_id=customer_id,
                    event_id=deal_stale_id(tenant, customer_id, stay),
                )
                for stay in fresh
            ]
            rot_ms, next_ms = rot_plan(progress, book)
            timers = timer_items(outbox, tenant, customer_id, next_ms=next_ms, scheduled_ms=current.timer_ms)
            items = self._events.ordered([*events, *timers], version=version)
            if not items:
                return
            if await self._store.commit(
                tenant,
                customer_id,
                expected_version=current.version,
                progress=progress,
                items=items,
                rot_ms=rot_ms,
                timer_ms=next_ms if timers else current.timer_ms,
            ):
                await self._events.publish(tenant, customer_id)
                return
            await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
        raise Contended(f"progress of customer {customer_id} kept changing while announcing a stale deal")

    async def list(
        self, tenant: str, *, journey: str, owner_id: str, after: tuple[int, str] | None, limit: int
    ) -> tuple[list[StaleDeal], tuple[int, str] | None]:
        """Up to `limit` deals stale now in `journey`, in the order they turned stale; and the position
        to continue after (None when there are no more)."""
        book = await self._definitions.book(tenant)
        now_ms = int(time.time() * 1000)
        deals: list[StaleDeal] = []
        position = after
        while len(deals) < limit:
            rows = await self._store.stale_candidates(
                tenant, now_ms=now_ms, owner_id=owner_id, after=position, limit=SCAN
            )
            for rot_ms, customer_id, progress in rows:
                position = (rot_ms, customer_id)
                for stay in stale_now(progress, book, now_ms=now_ms):
                    if stay.journey == journey:
                        state = progress.journeys[journey]
                        deals.append(
                            StaleDeal(
                                customer_id=customer_id,
                                owner_id=progress.owner_id,
                                stay=stay,
                                version=state.version,
                            )
                        )
                if len(deals) >= limit:
                    return deals, position
            if len(rows) < SCAN:
                return deals, None
        return deals, position


def _mark(progress: CustomerProgress, stays: list[StaleStay]) -> CustomerProgress:
    journeys = dict(progress.journeys)
    for stay in stays:
        journeys[stay.journey] = replace(journeys[stay.journey], stale_entered_ms=to_millis(stay.entered_at))
    return replace(progress, journeys=journeys)


def _event_data(customer_id: str, stay: StaleStay, version: int) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "journey": stay.journey,
        "version": version,
        "stage": stay.stage,
        "entered_at": iso_utc(stay.entered_at),
        "stale_at": iso_utc(stay.stale_at),
        "days_to_rot": stay.days_to_rot,
    }
