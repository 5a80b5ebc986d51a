"""The library's use cases: create, update, deprecate/archive/restore, bulk archive, usage and the report.

Who may call them (admin or tag_admin, or the platform) is checked per RPC before they run
(`common.roles.EDIT_LIBRARY`); here the rules of the library apply (`rules`, `changes`). Every change
of a definition is one guarded write of the definition with its `definition_changed` event in the
same write (`store.save_definition`, the outbox), retried against the new state on a conflict.
Usage marks come from the segment index and saved-segment references from the segments part, both
injected, so this module never counts in MongoDB.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from datetime import datetime

from common.errors import Contended, InvalidArgument, NotFound
from common.outbox import Outbox
from common.timeutil import utcnow
from services.tags.events import definition_event
from services.tags.library import changes
from services.tags.library.usage import (
    References,
    SegmentRef,
    Usage,
    UsageMarks,
    dead_tags,
    no_references,
    usage_of,
)
from services.tags.model import TagDef
from services.tags.segments.index import TagUsage
from services.tags.store import DEFINITIONS, TagStore

MAX_ATTEMPTS = 100
MAX_ARCHIVE = 500
LIBRARY_SCAN_PAGE = 500
Change = Callable[[TagDef | None], TagDef]


def now_ms() -> datetime:
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def no_usage(tenant: str) -> Mapping[str, TagUsage]:
    """Until the segment index is wired in: nothing is known to be used."""
    return {}


class LibraryOperations:
    """Every change to the tag library goes through here (assignments go through TagOperations)."""

    def __init__(
        self,
        store: TagStore,
        outbox: Outbox,
        *,
        usage: UsageMarks = no_usage,
        references: References = no_references,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.usage_marks = usage
        self.references = references

    # ---- changes ----

    async def define(self, tenant: str, candidate: TagDef, *, by_platform: bool = False) -> TagDef:
        """Create a tag; ALREADY_EXISTS for a taken key unless the request repeats it exactly."""
        now = now_ms()
        return await self.change(
            tenant,
            candidate.key.strip(),
            lambda existing: changes.create(candidate, existing=existing, now=now, by_platform=by_platform),
            field="definition.key",
        )

    async def update(self, tenant: str, key: str, patch: changes.TagPatch, *, by_platform: bool) -> TagDef:
        now = now_ms()
        return await self.change(
            tenant,
            key,
            lambda existing: changes.update(_found(existing, key), patch, now=now, by_platform=by_platform),
        )

    async def set_status(
        self, tenant: str, key: str, status: str, *, by_platform: bool, actor: str = "", reason: str = ""
    ) -> TagDef:
        """Deprecate, archive or restore; who did it and why travel in the `definition_changed` event."""
        now = now_ms()
        return await self.change(
            tenant,
            key,
            lambda existing: changes.transition(
                _found(existing, key), status, now=now, by_platform=by_platform
            ),
            actor=actor,
            reason=reason,
        )

    async def archive_many(
        self, tenant: str, keys: list[str], *, by_platform: bool, actor: str = "", reason: str = ""
    ) -> tuple[list[TagDef], list[tuple[str, str]]]:
        """Archive each key (the dead-tag report's); skip archived, system and segment-referenced tags.

        Every key is checked before anything is written, so an unknown key changes nothing.
        """
        wanted = list(dict.fromkeys(k.strip() for k in keys))
        if not wanted or len(wanted) > MAX_ARCHIVE:
            raise InvalidArgument(f"keys lists 1 to {MAX_ARCHIVE} tags", field="keys")
        found = await self.store.definitions(tenant, set(wanted))
        for i, key in enumerate(wanted):
            if key not in found:
                raise InvalidArgument(f"tag {key!r} is not defined", field=f"keys[{i}]")
        referenced = await self.references(tenant, wanted)
        archived: list[TagDef] = []
        skipped: list[tuple[str, str]] = []
        for key in wanted:
            definition = found[key]
            if definition.status == changes.ARCHIVED:
                skipped.append((key, "already_archived"))
            elif definition.category == "system" and not by_platform:
                skipped.append((key, "system"))
            elif referenced.get(key):
                skipped.append((key, "referenced_by_segments"))
            else:
                archived.append(
                    await self.set_status(
                        tenant, key, changes.ARCHIVED, by_platform=by_platform, actor=actor, reason=reason
                    )
                )
        return archived, skipped

    async def change(
        self, tenant: str, key: str, apply: Change, *, field: str = "key", actor: str = "", reason: str = ""
    ) -> TagDef:
        """Read → apply → guarded write with the `definition_changed` event; a no-op writes nothing."""
        if not key:
            raise InvalidArgument("key is required", field=field)
        for attempt in range(MAX_ATTEMPTS):
            read = await self.store.stored_definition(tenant, key)
            existing = read.definition
            definition = apply(existing)
            if existing is not None and existing.same_content(definition):
                return existing
            event = self.outbox.event(
                tenant=tenant,
                event="definition_changed",
                data=definition_event(definition, created=existing is None, actor=actor, reason=reason),
                subject_id=definition.key,
            )
            if await self.store.save_definition(tenant, definition, read=read, events=[event]):
                await self.outbox.publish(DEFINITIONS, f"{tenant}/{definition.key}", [event])
                return definition
            await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
        raise Contended(f"tag {key!r} kept changing; try again", field=field)

    # ---- reading ----

    async def usage(self, tenant: str, keys: list[str]) -> dict[str, Usage]:
        marks, refs = await asyncio.gather(self.usage_marks(tenant), self.references(tenant, keys))
        return usage_of(keys, marks, refs)

    async def detail(self, tenant: str, key: str) -> tuple[TagDef, Usage]:
        definition = await self.store.definition(tenant, key.strip())
        if definition is None:
            raise NotFound(f"no tag {key!r}", field="key")
        return definition, (await self.usage(tenant, [definition.key]))[definition.key]

    async def dead(self, tenant: str, *, unused_days: int) -> list[tuple[TagDef, Usage, str]]:
        """The whole report: the library is read in pages (tens to thousands of tags), marks once."""
        library = await self.whole_library(tenant)
        usage = await self.usage(tenant, [d.key for d in library])
        return dead_tags(library, usage, now=now_ms(), unused_days=unused_days)

    async def whole_library(self, tenant: str) -> list[TagDef]:
        found: list[TagDef] = []
        after: str | None = None
        while True:
            page = await self.store.list_definitions(
                tenant, after_key=after, group="", include_archived=False, limit=LIBRARY_SCAN_PAGE
            )
            found.extend(page)
            if len(page) < LIBRARY_SCAN_PAGE:
                return found
            after = page[-1].key


def _found(existing: TagDef | None, key: str) -> TagDef:
    if existing is None:
        raise NotFound(f"no tag {key!r}", field="key")
    return existing


__all__ = ["LibraryOperations", "SegmentRef", "no_usage"]
