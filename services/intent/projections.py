"""The leads service's customer facts the intent service keeps: profile (for fit) and owner (for people).

Consumed: `<root>.evt.<tenant>.leads.*` (durable `intent-profiles`; the tenant is the subject's). A
`customer_created` (or a later `customer_updated` with the same data shape) sets the customer's
`profile` {region, industry, company_size}, `owner_id` and `profile_ms` (the event's `updated_at`) in
the `scores` document, through `IntentEngine.update(..., cause="profile")`: a fit change re-plans the
score in the same write (level, history entry, events), and `owner_id` is what `intent.surged` names
and the call list filters on. Other leads events are acknowledged and ignored.

Idempotent and order-safe: a fact older than the stored `profile_ms`, or identical to what is stored,
writes nothing. A batch of events is one `update` (one write per customer, its latest fact wins).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from common.bus import Consumer
from common.errors import InvalidArgument
from common.timeutil import parse_iso_instant, to_ms, utcnow
from services.intent.aggregate import IntentState
from services.intent.contacts import (
    ContactFact,
    current_state,
    followup_contact,
    record_contacts,
    touchpoint_contact,
)
from services.intent.engine import IntentEngine, StepResult
from services.intent.model import FIT_ATTRIBUTES, IntentModel

PROFILE = "profile"
PROFILE_DURABLE = "intent-profiles"
PROFILE_SUBJECT = "evt.*.leads.*"
CONTACT_DURABLE = "intent-contacts"
CONTACT_SUBJECT = "evt.*.journey.touchpoint_recorded"
FOLLOWUP_DURABLE = "intent-followups"
FOLLOWUP_SUBJECT = "evt.*.leads.followup_recorded"
PROFILE_EVENTS = ("crm.leads.customer_created.v1", "crm.leads.customer_updated.v1")
F = TypeVar("F")


@dataclass(frozen=True, kw_only=True)
class ProfileFact:
    customer_id: str
    profile: dict[str, str]
    owner_id: str
    at_ms: int

    def fields(self) -> dict[str, Any]:
        return {"profile": self.profile, "owner_id": self.owner_id, "profile_ms": self.at_ms}


def profile_fact(event: dict[str, Any]) -> ProfileFact | None:
    """The profile fact of a leads customer event; None for events that carry none."""
    if event.get("type") not in PROFILE_EVENTS:
        return None
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise InvalidArgument("a customer event's data needs the customer id", field="data.id")
    updated = data.get("updated_at") or data.get("created_at")
    at_ms = to_ms(parse_iso_instant(updated, field="data.updated_at")) if isinstance(updated, str) else 0
    return ProfileFact(
        customer_id=data["id"],
        profile={name: str(data.get(name) or "") for name in FIT_ATTRIBUTES},
        owner_id=str(data.get("owner_id") or ""),
        at_ms=at_ms,
    )


async def record_profiles(
    engine: IntentEngine, tenant: str, facts: Sequence[ProfileFact], *, now_ms: int
) -> None:
    """Store each customer's latest profile fact (one write per customer; nothing when unchanged)."""
    latest: dict[str, ProfileFact] = {}
    for fact in facts:
        if fact.customer_id not in latest or fact.at_ms >= latest[fact.customer_id].at_ms:
            latest[fact.customer_id] = fact
    if not latest:
        return

    async def step(state: IntentState, doc: dict[str, Any] | None, model: IntentModel) -> StepResult | None:
        fact = latest[state.customer_id]
        stored = doc or {}
        if fact.at_ms < int(stored.get("profile_ms", 0)):
            return None  # an older fact arriving late
        if stored.get("profile") == fact.profile and stored.get("owner_id") == fact.owner_id:
            return None
        current, upgraded = await current_state(engine, tenant, state, doc, model, now_ms=now_ms)
        return current, [], {**upgraded, **fact.fields()}

    await engine.update(tenant, list(latest), step, cause=PROFILE)


def profile_consumer(engine: IntentEngine, *, clock: Callable[[], datetime] = utcnow) -> Consumer:
    """The durable consumer of leads' customer events (module docstring)."""

    async def handle(tenant: str, events: list[dict[str, Any]]) -> list[Exception | None]:
        facts, outcomes, good = _parse(events, profile_fact)
        if facts:
            await _apply(record_profiles(engine, tenant, facts, now_ms=to_ms(clock())), outcomes, good)
        return outcomes

    return Consumer(
        durable=PROFILE_DURABLE,
        stream_kind="evt",
        filter_subject=PROFILE_SUBJECT,
        handler=None,
        batch_handler=handle,
    )


def contact_consumer(engine: IntentEngine, *, clock: Callable[[], datetime] = utcnow) -> Consumer:
    """The durable consumer of journey's `touchpoint_recorded` (services/intent/contacts.py)."""
    return _contacts(engine, touchpoint_contact, CONTACT_DURABLE, CONTACT_SUBJECT, clock=clock)


def followup_consumer(engine: IntentEngine, *, clock: Callable[[], datetime] = utcnow) -> Consumer:
    """The durable consumer of the leads pool's `followup_recorded`: a follow-up is a contact."""
    return _contacts(engine, followup_contact, FOLLOWUP_DURABLE, FOLLOWUP_SUBJECT, clock=clock)


def _contacts(
    engine: IntentEngine,
    parse: Callable[[dict[str, Any]], ContactFact | None],
    durable: str,
    subject: str,
    *,
    clock: Callable[[], datetime],
) -> Consumer:
    async def handle(tenant: str, events: list[dict[str, Any]]) -> list[Exception | None]:
        facts, outcomes, good = _parse(events, parse)
        if facts:
            await _apply(record_contacts(engine, tenant, facts, now_ms=to_ms(clock())), outcomes, good)
        return outcomes

    return Consumer(
        durable=durable, stream_kind="evt", filter_subject=subject, handler=None, batch_handler=handle
    )


def _parse(
    events: list[dict[str, Any]], parse: Callable[[dict[str, Any]], F | None]
) -> tuple[list[F], list[Exception | None], list[int]]:
    """Each event parsed alone (a malformed one fails alone, and is dead-lettered by the runner)."""
    outcomes: list[Exception | None] = [None] * len(events)
    facts: list[F] = []
    good: list[int] = []
    for i, event in enumerate(events):
        try:
            fact = parse(event)
        except Exception as err:
            outcomes[i] = err
            continue
        if fact is not None:
            facts.append(fact)
            good.append(i)
    return facts, outcomes, good


async def _apply(work: Awaitable[None], outcomes: list[Exception | None], good: list[int]) -> None:
    """Run the batch's one write; if it fails, every event that fed it failed (and is retried)."""
    try:
        await work
    except Exception as err:
        for i in good:
            outcomes[i] = err
