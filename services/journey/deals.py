"""Deals and their qualification (三定), as pure rules: what a change sets, records and announces.

A deal belongs to one customer and one owner. Its qualification fields — product, amount, nature
(valuable / not valuable / uncertain), grade (large / normal / small), expected close date and
expected amount — each remember who set them and when (`settings`), and every change appends one
entry to the deal's history (action, actor, time, each field's before and after). A deal is won by
contract (`signed`) and, separately, by payment (`paid`): signed is not paid, and a deal paid
without a recorded contract is paid all the same. Each is recorded once; recording the same amount
again changes nothing (a retried request), a different amount is refused (FAILED_PRECONDITION).

Nothing here does I/O: `deal_service.py` reads the document, plans with these functions and writes
the plan with a version guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from common.errors import FailedPrecondition, InvalidArgument
from common.timeutil import from_ms, iso_utc
from services.journey.money import Money, money_from_stored

NATURES = ("valuable", "not_valuable", "uncertain")
GRADES = ("large", "normal", "small")
# The qualification fields, in the order history and events list them.
FIELDS = ("product", "amount", "nature", "grade", "expected_close_date", "expected_amount", "owner_id")
MONEY_FIELDS = frozenset({"amount", "expected_amount"})
MAX_PRODUCT = 200
MAX_OWNER = 128
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# History is kept in the deal document (one atomic write with the change); a deal changed more often
# than this keeps its newest entries.
MAX_HISTORY = 200
OPEN, SIGNED, PAID = "open", "signed", "paid"


@dataclass(frozen=True, kw_only=True)
class DealPlan:
    """What one change writes: fields to `$set`, the history entry, and the field changes it made."""

    updates: dict[str, Any]
    entry: dict[str, Any]
    changes: list[dict[str, str]] = field(default_factory=list)


def check_product(value: str, *, where: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument(f"{where}: a product is required", field=where)
    if len(text) > MAX_PRODUCT:
        raise InvalidArgument(f"{where}: at most {MAX_PRODUCT} characters", field=where)
    return text


def check_choice(value: str, allowed: tuple[str, ...], *, where: str) -> str:
    if value not in allowed:
        names = ", ".join(a.upper() for a in allowed)
        raise InvalidArgument(
            f"{where}: unknown value {value.upper() or '(none)'}; one of {names}", field=where
        )
    return value


def check_date(value: str, *, where: str) -> str:
    text = value.strip()
    try:
        if not DATE_RE.match(text):
            raise ValueError
        date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{where}: a date as YYYY-MM-DD, got {value!r}", field=where) from None
    return text


def check_owner(value: str, *, where: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_OWNER:
        raise InvalidArgument(f"{where}: an owner id of 1 to {MAX_OWNER} characters", field=where)
    return text


def shown(name: str, value: Any) -> str:
    """A field's stored value as history shows it: money as "199800.00 CNY", enums in upper case."""
    if value is None or value == "":
        return ""
    if name in MONEY_FIELDS or name in ("signed", "paid"):
        money = money_from_stored(value)
        return f"{money.amount} {money.currency}" if money else ""
    if name in ("nature", "grade"):
        return str(value).upper()
    return str(value)


def plan_qualify(
    doc: dict[str, Any], values: dict[str, Any], *, actor: str, now_ms: int, action: str = "qualified"
) -> DealPlan | None:
    """The change of setting `values` (stored forms, already validated) on the deal `doc`.

    None when every value equals what the deal holds: nothing is written and nothing announced.
    """
    changes: list[dict[str, str]] = []
    updates: dict[str, Any] = {}
    for name in FIELDS:
        if name not in values or doc.get(name) == values[name]:
            continue
        before, after = shown(name, doc.get(name)), shown(name, values[name])
        changes.append({"field": name, "before": before, "after": after})
        updates[name] = values[name]
        updates[f"settings.{name}"] = {"by": actor, "at_ms": now_ms}
    if not changes:
        return None
    entry = {"action": action, "actor": actor, "at_ms": now_ms, "changes": changes}
    updates["history"] = [*(doc.get("history") or []), entry][-MAX_HISTORY:]
    updates["updated_ms"] = now_ms
    return DealPlan(updates=updates, entry=entry, changes=changes)


def plan_won(
    doc: dict[str, Any], *, won: str, money: Money, at_ms: int, actor: str, now_ms: int
) -> DealPlan | None:
    """Record the deal as won by contract (`won="signed"`) or by payment (`"paid"`) for `money`.

    None for a repeat with the same amount and currency (a retried request); FailedPrecondition for
    a different one, since a signed contract or a received payment is a fact that is not overwritten.
    """
    recorded = money_from_stored(doc.get(won))
    if recorded is not None:
        if recorded == money:
            return None
        raise FailedPrecondition(
            f"deal {doc['id']} is already {won} for {recorded.amount} {recorded.currency}",
            field="amount",
            metadata={"deal_id": str(doc["id"]), "status": str(doc.get("status", ""))},
        )
    status = PAID if won == PAID or doc.get("status") == PAID else SIGNED
    change = {"field": won, "before": "", "after": f"{money.amount} {money.currency}"}
    changes = [change]
    if status != doc.get("status"):
        changes.append(
            {"field": "status", "before": str(doc.get("status", "")).upper(), "after": status.upper()}
        )
    entry = {"action": won, "actor": actor, "at_ms": now_ms, "changes": changes}
    updates = {
        won: money.stored(),
        f"{won}_ms": at_ms,
        f"{won}_by": actor,
        "status": status,
        "history": [*(doc.get("history") or []), entry][-MAX_HISTORY:],
        "updated_ms": now_ms,
    }
    return DealPlan(updates=updates, entry=entry, changes=changes)


def new_deal_document(
    tenant: str, *, deal_id: str, customer_id: str, owner_id: str, created_by: str, now_ms: int
) -> dict[str, Any]:
    """An open deal with nothing qualified yet; `plan_qualify(..., action="created")` fills it in."""
    return {
        "_id": deal_key(tenant, deal_id),
        "tenant_id": tenant,
        "id": deal_id,
        "customer_id": customer_id,
        "owner_id": owner_id,
        "status": OPEN,
        "created_by": created_by,
        "created_ms": now_ms,
        "updated_ms": now_ms,
        "settings": {},
        "history": [],
        "version": 1,
    }


def deal_key(tenant: str, deal_id: str) -> str:
    return f"{tenant}|{deal_id}"


def deal_event_data(doc: dict[str, Any]) -> dict[str, Any]:
    """The deal as events carry it: money as {amount, currency}, enums lower case, times ISO."""

    def money(name: str) -> dict[str, str] | None:
        value = money_from_stored(doc.get(name))
        return value.json() if value else None

    return {
        "deal_id": doc["id"],
        "customer_id": doc["customer_id"],
        "owner_id": doc.get("owner_id", ""),
        "product": doc.get("product", ""),
        "amount": money("amount"),
        "nature": doc.get("nature") or None,
        "grade": doc.get("grade") or None,
        "expected_close_date": doc.get("expected_close_date") or None,
        "expected_amount": money("expected_amount"),
        "status": doc.get("status", OPEN),
        "updated_at": iso_utc(from_ms(int(doc.get("updated_ms") or 0))),
    }


def with_updates(doc: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """`doc` as it is after `$set: updates` (dotted `settings.<field>` keys included)."""
    after = {**doc, "settings": dict(doc.get("settings") or {})}
    for key, value in updates.items():
        if key.startswith("settings."):
            after["settings"][key.split(".", 1)[1]] = value
        else:
            after[key] = value
    return after
