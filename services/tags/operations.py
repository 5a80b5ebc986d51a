"""The tags service's use cases: read the state, apply the pure rules, write, publish.

Shared by the gRPC servicer (on behalf of a caller) and the NATS consumers (on behalf of the platform:
`roles=None`), so both paths obey the same rules and leave the same history and events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from common.bus import EventPublisher
from common.timeutil import utcnow
from services.tags import assignment, library, values
from services.tags.events import change_events, definition_event
from services.tags.model import AssignInput, Assignment, HistoryEntry, TagDef
from services.tags.store import TagStore


def now_ms() -> datetime:
    """Now, at the millisecond precision MongoDB stores, so responses equal what a re-read returns."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class TagOperations:
    """Every change to definitions and assignments goes through here."""

    def __init__(self, store: TagStore, events: EventPublisher) -> None:
        self.store = store
        self._events = events

    async def define_tag(self, tenant: str, candidate: TagDef, *, by_platform: bool = False) -> TagDef:
        """Create or update a definition; a re-definition that changes nothing writes and publishes nothing."""
        existing = await self.store.definition(tenant, candidate.key.strip())
        definition = library.define(candidate, existing=existing, now=now_ms(), by_platform=by_platform)
        if existing is not None and existing.same_content(definition):
            return existing
        await self.store.save_definition(tenant, definition)
        await self._events.publish(
            tenant=tenant,
            event="definition_changed",
            data=definition_event(definition, created=existing is None),
            subject_id=definition.key,
        )
        return definition

    async def ensure_system_tag(self, tenant: str, definition: TagDef) -> TagDef:
        """The tenant's definition of a platform tag, defined on first use."""
        existing = await self.store.definition(tenant, definition.key)
        if existing is not None:
            return existing
        return await self.define_tag(tenant, definition, by_platform=True)

    async def assign(
        self,
        tenant: str,
        customer_id: str,
        items: list[AssignInput],
        *,
        roles: frozenset[str] | None,
        actor: str,
        assigned_at: datetime | None = None,
        reason: str = "",
    ) -> tuple[assignment.Plan, dict[str, TagDef]]:
        """Validate all items, then apply them; returns the plan and the definitions it involved."""
        now = now_ms()
        stored = await self.store.assignments(tenant, [customer_id])
        current = {a.tag_key: a for a in stored}
        definitions = await self.store.definitions(tenant, {i.tag_key for i in items} | set(current))
        checked = values.check_items(items, definitions, roles=roles, now=now)
        result = assignment.plan(
            customer_id,
            checked,
            definitions,
            current,
            actor=actor,
            now=now,
            assigned_at=assigned_at,
            reason=reason,
        )
        await self.store.apply(tenant, upserts=result.upserts, deletes=result.deletes, history=result.history)
        await self._publish_changes(tenant, result.history)
        return result, definitions

    async def remove(
        self,
        tenant: str,
        customer_id: str,
        tag_key: str,
        *,
        roles: frozenset[str] | None,
        actor: str,
        reason: str,
    ) -> tuple[Assignment, TagDef | None]:
        """Remove the customer's active value of a tag; returns it with its definition."""
        current = await self.store.assignment(tenant, customer_id, tag_key)
        definition = await self.store.definition(tenant, tag_key)
        entry = assignment.plan_removal(
            current,
            definition,
            customer_id=customer_id,
            tag_key=tag_key,
            roles=roles,
            actor=actor,
            reason=reason,
            now=now_ms(),
        )
        assert current is not None  # plan_removal raised NotFound otherwise
        await self.store.apply(tenant, upserts=[], deletes=[current], history=[entry])
        await self._publish_changes(tenant, [entry])
        return current, definition

    async def active_tags(
        self, tenant: str, customer_ids: list[str]
    ) -> tuple[dict[str, list[Assignment]], dict[str, TagDef]]:
        """Active (unexpired) assignments per customer and their definitions: two queries in all."""
        now = now_ms()
        by_customer: dict[str, list[Assignment]] = defaultdict(list)
        for a in await self.store.assignments(tenant, sorted(set(customer_ids))):
            # Expiry is lazy: an expired document stays until the tag is next written, but is never shown.
            if not a.is_expired(now):
                by_customer[a.customer_id].append(a)
        keys = {a.tag_key for tags in by_customer.values() for a in tags}
        return by_customer, await self.store.definitions(tenant, keys)

    async def _publish_changes(self, tenant: str, history: list[HistoryEntry]) -> None:
        items = change_events(tenant, history)
        if len(items) == 1:
            t, event, data, subject = items[0]
            await self._events.publish(tenant=t, event=event, data=data, subject_id=subject)
        elif items:
            await self._events.publish_many(items)
