"""Each tenant's saved segments, cached per replica, for judging membership on every tag write.

Every write of a customer's tags asks which saved segments the customer entered or left, so the
tenant's segments are needed on the hot path. They are cached per tenant together with the
catalogue version they were read at (`SavedSegmentStore.catalogue_version`, bumped after every create,
update and delete on any replica). Each lookup reads that one small document by `_id` and reloads
the segments only when the version moved: a replica judges membership with the segments as they
are when its write happens, not as they were when it last looked.

What that leaves open, and why it is acceptable:
- a segment changed *during* a customer's write may be judged in its old form for that one write
  (the change and the write were concurrent; either order is a true serial history);
- a replica that died between storing a segment and bumping the version leaves the version behind:
  caches also expire after `max_age_seconds` (30 s by default), so that window closes on its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.tags.segments.saved import SavedSegment, referencing
from services.tags.segments.saved_store import SavedSegmentStore

MAX_AGE_SECONDS = 30.0


@dataclass(frozen=True)
class _Cached:
    version: int
    segments: tuple[SavedSegment, ...]
    loaded: float


class SegmentCatalogue:
    """The saved segments of each tenant, as of the tenant's current catalogue version."""

    def __init__(self, store: SavedSegmentStore, *, max_age_seconds: float = MAX_AGE_SECONDS) -> None:
        self._store = store
        self._max_age = max_age_seconds
        self._cached: dict[str, _Cached] = {}

    async def segments(self, tenant: str) -> tuple[SavedSegment, ...]:
        """The tenant's live saved segments: one point read, plus a reload when they changed."""
        version = await self._store.catalogue_version(tenant)
        cached = self._cached.get(tenant)
        now = time.monotonic()
        if cached is not None and cached.version == version and now - cached.loaded < self._max_age:
            return cached.segments
        segments = tuple(await self._store.live(tenant))
        self._cached[tenant] = _Cached(version=version, segments=segments, loaded=now)
        return segments

    async def referencing(self, tenant: str, keys: list[str]) -> dict[str, list[SavedSegment]]:
        """Per tag key, the tenant's saved segments that name it (for the library's usage report)."""
        return referencing(await self.segments(tenant), keys)

    async def changed(self, tenant: str) -> None:
        """After this replica changed a segment: bump the version for all, forget our own copy now."""
        await self._store.bump_catalogue(tenant)
        self._cached.pop(tenant, None)
