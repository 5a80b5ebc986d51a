"""MongoDB access for journey definitions: one document per custom journey with all its versions.

`journeys`: `{_id: "<tenant>|<key>", tenant_id, key, version, versions: [{version, name, stages,
created_ms, actor}, ...]}`. A change appends a version with one `update_one` guarded by the version
it was computed from, so two concurrent updates cannot both become version n+1 and no stored
version is ever rewritten (the versions read are written back unchanged with the new one). `journey_settings`: `{_id: tenant, default: key}`.

Every touchpoint needs its tenant's journeys, so `book()` keeps them for `CACHE_SECONDS` per process:
a change made through this process is seen at once (the entry is dropped), a change made through
another replica within that time.
"""

from __future__ import annotations

import time
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.errors import AlreadyExists, Contended, FailedPrecondition, InvalidArgument, NotFound
from common.mongo import IndexSpec
from services.journey.definitions import (
    MAX_JOURNEYS,
    JourneyBook,
    journey_from_document,
    stages_document,
)
from services.journey.templates import DEFAULT_JOURNEY, TEMPLATES, Journey

JOURNEYS = "journeys"
SETTINGS = "journey_settings"
CACHE_SECONDS = 2.0
DEFINITION_INDEXES = (IndexSpec(JOURNEYS, (("tenant_id", 1), ("key", 1)), {"unique": True}),)


def _now_ms() -> int:
    return int(time.time() * 1000)


class DefinitionStore:
    """Custom journeys and the default per tenant, always scoped by tenant."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._journeys = db[JOURNEYS]
        self._settings = db[SETTINGS]
        self._cache: dict[str, tuple[float, JourneyBook]] = {}

    async def book(self, tenant: str) -> JourneyBook:
        """The tenant's journeys (templates + custom, current versions) and its default."""
        cached = self._cache.get(tenant)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        journeys: dict[str, Journey] = dict(TEMPLATES)
        async for doc in self._journeys.find({"tenant_id": tenant}):
            journeys[doc["key"]] = journey_from_document(doc["key"], doc["versions"][-1])
        settings = await self._settings.find_one({"_id": tenant})
        default = str((settings or {}).get("default") or DEFAULT_JOURNEY)
        book = JourneyBook(journeys=journeys, default_key=default if default in journeys else DEFAULT_JOURNEY)
        self._cache[tenant] = (time.monotonic() + CACHE_SECONDS, book)
        return book

    async def journey(self, tenant: str, key: str, *, version: int = 0) -> Journey:
        """One journey (a given version, or the current one); NOT_FOUND when it does not exist."""
        if key in TEMPLATES:
            if version not in (0, 1):
                raise NotFound(f"journey {key} has no version {version}", field="version")
            return TEMPLATES[key]
        doc = await self._journeys.find_one({"_id": f"{tenant}|{key}", "tenant_id": tenant})
        if doc is None:
            raise NotFound(f"no journey {key!r}", field="key")
        versions = doc["versions"]
        if not version:
            return journey_from_document(key, versions[-1])
        for stored in versions:
            if int(stored["version"]) == version:
                return journey_from_document(key, stored)
        raise NotFound(f"journey {key} has no version {version}", field="version")

    async def versions(self, tenant: str, key: str) -> list[Journey]:
        """Every version of a journey, oldest first (a template has one)."""
        if key in TEMPLATES:
            return [TEMPLATES[key]]
        doc = await self._journeys.find_one({"_id": f"{tenant}|{key}", "tenant_id": tenant})
        if doc is None:
            raise NotFound(f"no journey {key!r}", field="key")
        return [journey_from_document(key, v) for v in doc["versions"]]

    async def define(self, tenant: str, journey: Journey, *, actor: str) -> Journey:
        """Store a new journey as version 1; ALREADY_EXISTS if the key is taken."""
        count = await self._journeys.count_documents({"tenant_id": tenant}, limit=MAX_JOURNEYS)
        if count >= MAX_JOURNEYS:
            raise InvalidArgument(f"a tenant has at most {MAX_JOURNEYS} custom journeys", field="key")
        doc = {
            "_id": f"{tenant}|{journey.key}",
            "tenant_id": tenant,
            "key": journey.key,
            "version": 1,
            "versions": [_version_document(journey, actor=actor)],
        }
        try:
            await self._journeys.insert_one(doc)
        except DuplicateKeyError:
            raise AlreadyExists(
                f"journey {journey.key!r} exists; change it with updateJourney", field="key"
            ) from None
        self._cache.pop(tenant, None)
        return journey

    async def update(
        self, tenant: str, journey: Journey, *, actor: str, expected_version: int = 0
    ) -> Journey:
        """Append `journey` as the next version; earlier versions stay as they were.

        `expected_version` (0: whatever is current) makes the change conditional, so an editor working
        from a stale copy gets FAILED_PRECONDITION instead of overwriting someone else's change.
        """
        for _ in range(10):
            doc = await self._journeys.find_one({"_id": f"{tenant}|{journey.key}", "tenant_id": tenant})
            if doc is None:
                raise NotFound(f"no journey {journey.key!r}", field="key")
            current, versions = int(doc["version"]), list(doc["versions"])
            if expected_version and expected_version != current:
                raise FailedPrecondition(
                    f"journey {journey.key} is at version {current}, not {expected_version}",
                    field="expected_version",
                )
            versioned = Journey(
                key=journey.key, name=journey.name, stages=journey.stages, version=current + 1
            )
            result = await self._journeys.update_one(
                {"_id": doc["_id"], "tenant_id": tenant, "version": current},
                # The stored versions are written back as read, plus the new one: the stand-in stores
                # a `$push`ed sub-document as a string, and the guard makes this as safe as a push.
                {
                    "$set": {
                        "version": current + 1,
                        "versions": [*versions, _version_document(versioned, actor=actor)],
                    }
                },
            )
            if result.modified_count == 1:
                self._cache.pop(tenant, None)
                return versioned
        raise Contended(f"journey {journey.key} kept changing; try again")

    async def set_default(self, tenant: str, key: str) -> None:
        """Make `key` the tenant's default journey; NOT_FOUND for a journey it does not have."""
        await self.journey(tenant, key)
        await self._settings.update_one({"_id": tenant}, {"$set": {"default": key}}, upsert=True)
        self._cache.pop(tenant, None)


def _version_document(journey: Journey, *, actor: str) -> dict[str, Any]:
    return {
        "version": journey.version,
        "name": journey.name,
        "stages": stages_document(journey),
        "created_ms": _now_ms(),
        "actor": actor,
    }
