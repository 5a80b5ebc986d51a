"""Contacts close the call list: a call or a visit after the intent means someone has responded.

A contact is a `ContactFact` (customer, when, what kind). The journey service's `touchpoint_recorded`
events become facts here (`touchpoint_contacts`): a touchpoint counts when its type is one of the
tenant model's `contact_types` (calls, visits, meetings by default). **Seam for issue 11:** the leads
service's follow-ups join by mapping their event to `ContactFact(..., always=True)` in a consumer of
their own and calling `record_contacts` — a follow-up is a contact whatever the model lists.

`record_contacts` moves each customer's `last_contact_ms` forward (never back: an older contact
arriving late changes nothing) through `IntentEngine.update(..., cause="contact")`, so the same write
recomputes `call_open` (planning.call_open) and the customer drops off the call list. Idempotent: a
re-delivered fact finds `last_contact_ms` already there and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument
from common.timeutil import parse_iso_instant, to_ms
from services.intent.aggregate import IntentState
from services.intent.engine import IntentEngine, StepResult
from services.intent.model import IntentModel

CONTACT = "contact"
TOUCHPOINT_RECORDED = "crm.journey.touchpoint_recorded.v1"


@dataclass(frozen=True, kw_only=True)
class ContactFact:
    customer_id: str
    at_ms: int
    kind: str  # the touchpoint type, or e.g. "follow_up"
    always: bool = False  # counts whatever the model's contact_types say (lead follow-ups)


def touchpoint_contact(event: dict[str, Any]) -> ContactFact | None:
    """The contact a `touchpoint_recorded` event may be (whether it counts is the model's call)."""
    if event.get("type") != TOUCHPOINT_RECORDED:
        return None
    data = event.get("data")
    if not isinstance(data, dict):
        raise InvalidArgument("touchpoint_recorded data must be an object", field="data")
    customer_id, kind, occurred = data.get("customer_id"), data.get("type"), data.get("occurred_at")
    if not isinstance(customer_id, str) or not isinstance(kind, str) or not isinstance(occurred, str):
        raise InvalidArgument(
            "touchpoint_recorded needs customer_id, type and occurred_at", field="data.customer_id"
        )
    at = parse_iso_instant(occurred, field="data.occurred_at")
    return ContactFact(customer_id=customer_id, at_ms=to_ms(at), kind=kind)


async def record_contacts(
    engine: IntentEngine, tenant: str, facts: Iterable[ContactFact], *, now_ms: int
) -> None:
    """Move each customer's last contact forward to its latest counting fact (one write per customer)."""
    by_customer: dict[str, list[ContactFact]] = {}
    for fact in facts:
        by_customer.setdefault(fact.customer_id, []).append(fact)
    if not by_customer:
        return

    async def step(state: IntentState, doc: dict[str, Any] | None, model: IntentModel) -> StepResult | None:
        if doc is None:
            return None  # no intent yet: nothing on the call list to close
        counting = [
            f.at_ms for f in by_customer[state.customer_id] if f.always or f.kind in model.contact_types
        ]
        if not counting:
            return None
        # A contact dated in the future (a sender's clock) must not close surges yet to come.
        latest = min(max(counting), now_ms)
        if latest <= int(doc.get("last_contact_ms", 0)):
            return None
        return (
            await current_state(engine, tenant, state, model, now_ms=now_ms),
            [],
            {"last_contact_ms": latest},
        )

    await engine.update(tenant, list(by_customer), step, cause=CONTACT)


async def current_state(
    engine: IntentEngine, tenant: str, state: IntentState, model: IntentModel, *, now_ms: int
) -> IntentState:
    """The state under the current model: rebuilt from stored signals if built with an older version."""
    if state.model_version == model.version or not state.buckets:
        return state
    return await engine.rebuild(tenant, state.customer_id, model=model, now_ms=now_ms)
