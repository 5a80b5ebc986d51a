"""Contacts close the call list: a call or a visit after the intent means someone has responded.

A contact is a `ContactFact` (customer, when, what kind). The journey service's `touchpoint_recorded`
events become facts here (`touchpoint_contacts`): a touchpoint counts when its type is one of the
tenant model's `contact_types` (calls, visits, meetings by default). The leads pool's
`followup_recorded` events become facts too (`followup_contact`), with `always=True`: a rep recording a
follow-up (a call, a visit, a message, a meeting) has answered the customer whatever touchpoint types
the model lists — `contact_types` names the journey's many touchpoint types, not the pool's four kinds.

`record_contacts` moves each customer's `last_contact_ms` forward (never back: an older contact
arriving late changes nothing) through `IntentEngine.update(..., cause="contact")`, so the same write
recomputes `call_open` (planning.call_open) and the customer drops off the call list; a contact that
takes a customer off the list adds a `score_history` entry (cause CONTACT) saying so. Idempotent: a
re-delivered fact finds `last_contact_ms` already there and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument
from common.ids import new_id
from common.timeutil import parse_iso_instant, to_ms
from services.intent.aggregate import IntentState
from services.intent.engine import IntentEngine, StepResult
from services.intent.migrations import migrate_customer, predates_engine
from services.intent.model import IntentModel
from services.intent.planning import Plan

CONTACT = "contact"
TOUCHPOINT_RECORDED = "crm.journey.touchpoint_recorded.v1"
FOLLOWUP_RECORDED = "crm.leads.followup_recorded.v1"


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


def followup_contact(event: dict[str, Any]) -> ContactFact | None:
    """The contact a leads `followup_recorded` event is (always counted: module docstring)."""
    if event.get("type") != FOLLOWUP_RECORDED:
        return None
    data = event.get("data")
    if not isinstance(data, dict):
        raise InvalidArgument("followup_recorded data must be an object", field="data")
    customer_id, kind, at = data.get("customer_id"), data.get("kind"), data.get("at")
    if not isinstance(customer_id, str) or not customer_id or not isinstance(kind, str):
        raise InvalidArgument("followup_recorded needs customer_id and kind", field="data.customer_id")
    if not isinstance(at, str):
        raise InvalidArgument("followup_recorded needs at", field="data.at")
    when = parse_iso_instant(at, field="data.at")
    return ContactFact(customer_id=customer_id, at_ms=to_ms(when), kind=f"follow_up.{kind}", always=True)


async def record_contacts(
    engine: IntentEngine, tenant: str, facts: Iterable[ContactFact], *, now_ms: int
) -> None:
    """Move each customer's last contact forward to its latest counting fact (one write per customer)."""
    by_customer: dict[str, list[ContactFact]] = {}
    for fact in facts:
        by_customer.setdefault(fact.customer_id, []).append(fact)
    if not by_customer:
        return

    closing: dict[str, ContactFact] = {}  # customers on the call list before this write: the contact

    async def step(state: IntentState, doc: dict[str, Any] | None, model: IntentModel) -> StepResult | None:
        if doc is None:
            return None  # no intent yet: nothing on the call list to close
        counting = [f for f in by_customer[state.customer_id] if f.always or f.kind in model.contact_types]
        if not counting:
            return None
        # A contact dated in the future (a sender's clock) must not close surges yet to come.
        fact = max(counting, key=lambda f: f.at_ms)
        latest = min(fact.at_ms, now_ms)
        if latest <= int(doc.get("last_contact_ms", 0)):
            return None
        closing.pop(state.customer_id, None)
        if doc.get("call_open"):
            closing[state.customer_id] = fact
        current, upgraded = await current_state(engine, tenant, state, doc, model, now_ms=now_ms)
        return current, [], {**upgraded, "last_contact_ms": latest}

    plans = await engine.update(tenant, list(by_customer), step, cause=CONTACT, now_ms=now_ms)
    entries = [
        contact_history(tenant, cid, p, closing[cid], now_ms=now_ms)
        for cid, p in plans.items()
        if cid in closing and p.history is None and not p.fields.get("call_open")
    ]
    if entries:
        # After the write, not in it: planning.plan writes no entry for a score that did not move
        # (a crash in between loses this entry, never the contact). The lead may move it into plan().
        await engine.store.history_entries.insert_many(entries)


def contact_history(
    tenant: str, customer_id: str, p: Plan, fact: ContactFact, *, now_ms: int
) -> dict[str, Any]:
    """The `score_history` entry saying why the customer left the call list (the score did not move)."""
    what = (
        f"a {fact.kind.removeprefix('follow_up.')} follow-up"
        if fact.kind.startswith("follow_up.")
        else f"a {fact.kind} touchpoint"
    )
    return {
        "_id": new_id("ish"),
        "tenant_id": tenant,
        "customer_id": customer_id,
        "at_ms": now_ms,
        "cause": CONTACT,
        "score": p.result.score,
        "level": p.result.level,
        "previous_score": p.result.score,
        "previous_level": p.previous_level,
        "reason": f"contacted: {what} answered the intent; off the call list",
        "signal_ids": [],
        "surge": None,
        "model_version": p.fields.get("model_version"),
    }


async def current_state(
    engine: IntentEngine,
    tenant: str,
    state: IntentState,
    doc: dict[str, Any] | None,
    model: IntentModel,
    *,
    now_ms: int,
) -> tuple[IntentState, dict[str, Any]]:
    """The state under the current model, and document fields to set with it: rebuilt from stored
    signals if built with an older version, or upgraded first if it predates the aggregates
    (services/intent/migrations.py)."""
    if predates_engine(doc):
        return await migrate_customer(engine, tenant, state.customer_id, doc, model=model, now_ms=now_ms)
    if state.model_version == model.version or not state.buckets:
        return state, {}
    return await engine.rebuild(tenant, state.customer_id, model=model, now_ms=now_ms), {}
