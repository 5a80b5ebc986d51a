"""Deal use cases: create, qualify, mark signed or paid — read, plan (deals.py), guarded write, publish.

Each change is one single-document write of the deal guarded by the version read; its history entry
and its event (`deal_qualified`, `deal_signed`, `deal_paid`) ride in the same write (the outbox), so
a change and its announcement never part. A writer that loses the race re-reads and re-plans.
Everything is validated before anything is written: bad input changes nothing.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from common.context import CallContext
from common.customers import KnownCustomers
from common.errors import Contended, InvalidArgument, NotFound
from common.outbox import Outbox, Pending
from common.timeutil import from_ms, iso_utc
from services.journey import deals
from services.journey.deal_store import DEALS, DealStore
from services.journey.money import Money, format_minor, money_from_stored
from services.journey.ownership import owner_for, require_owner_or_manager

MAX_ATTEMPTS = 20
DEAL_QUALIFIED = "deal_qualified"
DEAL_SIGNED = "deal_signed"
DEAL_PAID = "deal_paid"
MAX_REVENUE_DAYS = 366


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


class DealBook:
    """The deals of every tenant, changed on behalf of one caller at a time."""

    def __init__(self, *, store: DealStore, outbox: Outbox, customers: KnownCustomers) -> None:
        self._store = store
        self._outbox = outbox
        self._customers = customers

    async def create(
        self, call: CallContext, *, customer_id: str, deal_id: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        """A new deal with `values` (validated stored forms; `product` required). A re-sent `deal_id`
        of the same customer returns the deal as stored and announces nothing again."""
        tenant = call.tenant
        if "product" not in values:
            raise InvalidArgument("deal.product: a product is required", field="deal.product")
        owner = owner_for(call, str(values.pop("owner_id", "")), field="deal.owner_id")
        await self._customers.require(tenant, [customer_id], field="customer_id")
        existing = await self._store.get(tenant, deal_id)
        if existing is not None:
            return self._same_customer(existing, customer_id)
        now = _now_ms()
        doc = deals.new_deal_document(
            tenant,
            deal_id=deal_id,
            customer_id=customer_id,
            owner_id=owner,
            created_by=call.caller,
            now_ms=now,
        )
        plan = deals.plan_qualify(doc, values, actor=call.caller, now_ms=now, action="created")
        if plan is not None:
            doc = deals.with_updates(doc, plan.updates)
        items = [self._qualified_event(tenant, doc, plan.changes if plan else [], actor=call.caller)]
        if not await self._store.insert(doc, items):
            stored = await self._store.get(tenant, deal_id)
            if stored is None:  # pragma: no cover - an insert conflict means the document exists
                raise Contended(f"deal {deal_id} could not be created; try again")
            return self._same_customer(stored, customer_id)
        await self._outbox.publish(DEALS, doc["_id"], items)
        return doc

    async def qualify(self, call: CallContext, deal_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Set the qualification `values` on a deal its caller may change; unchanged values do nothing."""
        tenant = call.tenant
        if not values:
            raise InvalidArgument("fields: name at least one field to change", field="fields")
        if "owner_id" in values:
            values["owner_id"] = owner_for(call, str(values["owner_id"]), field="deal.owner_id")
        for attempt in range(MAX_ATTEMPTS):
            doc = await self.get(tenant, deal_id)
            require_owner_or_manager(call, doc.get("owner_id", ""), what=f"deal {deal_id}", field="deal_id")
            plan = deals.plan_qualify(doc, values, actor=call.caller, now_ms=_now_ms())
            if plan is None:
                return doc
            after = deals.with_updates(doc, plan.updates)
            items = [self._qualified_event(tenant, after, plan.changes, actor=call.caller)]
            if await self._store.update(
                tenant, deal_id, version=int(doc["version"]), updates=plan.updates, items=items
            ):
                await self._outbox.publish(DEALS, doc["_id"], items)
                return {**after, "version": int(doc["version"]) + 1}
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"deal {deal_id} changed {MAX_ATTEMPTS} times meanwhile; try again")

    async def mark_won(
        self, call: CallContext, deal_id: str, *, won: str, money: Money, at: datetime
    ) -> dict[str, Any]:
        """Record the deal as signed or paid for `money` at `at`; publishes deal_signed / deal_paid."""
        tenant = call.tenant
        at_ms = int(at.timestamp() * 1000)
        for attempt in range(MAX_ATTEMPTS):
            doc = await self.get(tenant, deal_id)
            require_owner_or_manager(call, doc.get("owner_id", ""), what=f"deal {deal_id}", field="deal_id")
            plan = deals.plan_won(doc, won=won, money=money, at_ms=at_ms, actor=call.caller, now_ms=_now_ms())
            if plan is None:
                return doc
            after = deals.with_updates(doc, plan.updates)
            data = {
                **deals.deal_event_data(after),
                "amount": money.amount,
                "currency": money.currency,
                "amount_minor": money.minor,
                f"{won}_at": iso_utc(at),
                "actor": call.caller,
            }
            event = DEAL_SIGNED if won == deals.SIGNED else DEAL_PAID
            items: list[Pending] = [
                self._outbox.event(tenant=tenant, event=event, data=data, subject_id=doc["customer_id"])
            ]
            if await self._store.update(
                tenant, deal_id, version=int(doc["version"]), updates=plan.updates, items=items
            ):
                await self._outbox.publish(DEALS, doc["_id"], items)
                return {**after, "version": int(doc["version"]) + 1}
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Contended(f"deal {deal_id} changed {MAX_ATTEMPTS} times meanwhile; try again")

    async def get(self, tenant: str, deal_id: str) -> dict[str, Any]:
        doc = await self._store.get(tenant, deal_id)
        if doc is None:
            raise NotFound(
                f"no deal {deal_id} in this tenant", field="deal_id", metadata={"deal_id": deal_id}
            )
        return doc

    async def of_customers(self, tenant: str, customer_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        return await self._store.of_customers(tenant, customer_ids)

    async def revenue(
        self, tenant: str, *, start: datetime, end: datetime, owner_id: str = ""
    ) -> list[dict[str, Any]]:
        """Signed and paid sums per (month, owner, currency) in [start, end), sorted; exact (minor units)."""
        if end <= start:
            raise InvalidArgument("to: must be after from", field="to")
        if (end - start).days > MAX_REVENUE_DAYS:
            raise InvalidArgument(f"to: a period of at most {MAX_REVENUE_DAYS} days", field="to")
        start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
        rows: dict[tuple[str, str, str], dict[str, Any]] = {}
        for won in (deals.SIGNED, deals.PAID):
            found = await self._store.won_between(
                tenant, won=won, from_ms=start_ms, to_ms=end_ms, owner_id=owner_id
            )
            for doc in found:
                money = money_from_stored(doc.get(won))
                if money is None:
                    continue
                month = from_ms(int(doc[f"{won}_ms"])).strftime("%Y-%m")
                key = (month, str(doc.get("owner_id", "")), money.currency)
                row = rows.setdefault(
                    key, {"signed_minor": 0, "signed_count": 0, "paid_minor": 0, "paid_count": 0}
                )
                row[f"{won}_minor"] += money.minor
                row[f"{won}_count"] += 1
        return [
            {
                "month": month,
                "owner_id": owner,
                "currency": currency,
                "signed_amount": format_minor(row["signed_minor"]),
                "signed_count": row["signed_count"],
                "paid_amount": format_minor(row["paid_minor"]),
                "paid_count": row["paid_count"],
            }
            for (month, owner, currency), row in sorted(rows.items())
        ]

    def _qualified_event(
        self, tenant: str, doc: dict[str, Any], changes: list[dict[str, str]], *, actor: str
    ) -> Pending:
        data = {**deals.deal_event_data(doc), "changes": changes, "actor": actor}
        return self._outbox.event(
            tenant=tenant, event=DEAL_QUALIFIED, data=data, subject_id=doc["customer_id"]
        )

    @staticmethod
    def _same_customer(doc: dict[str, Any], customer_id: str) -> dict[str, Any]:
        if doc["customer_id"] != customer_id:
            raise InvalidArgument(
                f"deal_id: {doc['id']} is a deal of another customer",
                field="deal_id",
                metadata={"deal_id": doc["id"]},
            )
        return doc
