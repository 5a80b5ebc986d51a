"""Where a tenant's model versions live, and the engine's `ModelSource` over them.

`intent_models`: one immutable document per (tenant, version), `_id` `<tenant>|<version>`, version
numbers counting up from 1 (0 is the house model and never stored). The current model is the highest
version — one indexed query; there is no separate "current" pointer to keep in step. Storing version
n + 1 is an `insert_one` of that `_id`: two admins saving at once cannot both get n + 1 (the loser
gets a duplicate key and merges its change onto the winner's).

`intent_model_rescores`: progress of re-scoring the tenant's customers after each version
(services/intent/rescoring.py), one document per (tenant, version), changed only by guarded updates.

`intent_signal_types`: one document per (tenant, type) the tenant has sent, so a model may weigh the
tenant's own types. Recorded on ingest from an in-memory set per tenant: a known type costs nothing,
an unseen one one upsert.

**Caches.** Versions are immutable: `version(tenant, n)` is cached without expiry (bounded). The
current version is cached for `CURRENT_TTL` seconds per tenant and dropped at once on the replica that
stores a new one, so every replica uses a new version within `CURRENT_TTL` (1 s) of its storing; the
re-score starts `RESCORE_DELAY` (2 s) later, after every replica has it.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pymongo import DESCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.mongo import IndexSpec
from services.intent.model import BUILTIN_TYPES, IntentModel
from services.intent.model_convert import model_from_document, model_to_document
from services.intent.models import HOUSE

log = logging.getLogger(__name__)

MODELS = "intent_models"
RESCORES = "intent_model_rescores"
SIGNAL_TYPES = "intent_signal_types"
CURRENT_TTL = 1.0
VERSION_CACHE = 1000
MAX_TYPES_REMEMBERED = 5000  # per tenant in memory; beyond it a type is simply upserted again

MODEL_INDEXES = [
    IndexSpec(MODELS, [("tenant_id", 1), ("version", -1)], {"unique": True}),
    IndexSpec(RESCORES, [("tenant_id", 1), ("version", -1)]),
    IndexSpec(SIGNAL_TYPES, [("tenant_id", 1), ("type", 1)], {"unique": True}),
]


def version_id(tenant: str, version: int) -> str:
    return f"{tenant}|{version}"


@dataclass(frozen=True, kw_only=True)
class StoredModel:
    """One version as stored: the model and who made it, when, why (the house model: empty)."""

    model: IntentModel
    actor: str = ""
    note: str = ""
    created_ms: int = 0


HOUSE_VERSION = StoredModel(model=HOUSE)


class ModelStore:
    """Versions of every tenant's model; the engine's `ModelSource` (cached as the module says)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], *, current_ttl: float = CURRENT_TTL) -> None:
        self.models = db[MODELS]
        self.rescores = db[RESCORES]
        self.types = db[SIGNAL_TYPES]
        self._ttl = current_ttl
        self._current: dict[str, tuple[float, StoredModel]] = {}
        self._versions: OrderedDict[tuple[str, int], StoredModel] = OrderedDict()
        self._seen_types: dict[str, set[str]] = {}

    # --- ModelSource ---
    async def current(self, tenant: str) -> IntentModel:
        return (await self.current_stored(tenant)).model

    async def version(self, tenant: str, version: int) -> IntentModel:
        stored = await self.stored(tenant, version)
        if stored is None:  # never happens for a version some aggregate carries; be safe anyway
            log.warning("intent model version %s of %s is missing; using the current one", version, tenant)
            return await self.current(tenant)
        return stored.model

    # --- versions ---
    async def current_stored(self, tenant: str, *, fresh: bool = False) -> StoredModel:
        """The tenant's newest version (the house model if none), from a cache at most CURRENT_TTL old."""
        cached = self._current.get(tenant)
        if cached and not fresh and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        doc = await self.models.find_one({"tenant_id": tenant}, sort=[("version", DESCENDING)])
        stored = _stored(doc) if doc else HOUSE_VERSION
        self._current[tenant] = (time.monotonic(), stored)
        return stored

    async def stored(self, tenant: str, version: int) -> StoredModel | None:
        if version == 0:
            return HOUSE_VERSION
        key = (tenant, version)
        if key in self._versions:
            self._versions.move_to_end(key)
            return self._versions[key]
        doc = await self.models.find_one({"_id": version_id(tenant, version)})
        if doc is None:
            return None
        self._versions[key] = _stored(doc)
        if len(self._versions) > VERSION_CACHE:
            self._versions.popitem(last=False)
        return self._versions[key]

    async def insert(self, tenant: str, stored: StoredModel) -> bool:
        """Store a new version; False if that version number was taken meanwhile (nothing stored)."""
        model = stored.model
        try:
            await self.models.insert_one(
                {
                    "_id": version_id(tenant, model.version),
                    "tenant_id": tenant,
                    "version": model.version,
                    "model": model_to_document(model),
                    "actor": stored.actor,
                    "note": stored.note,
                    "created_ms": stored.created_ms,
                }
            )
        except DuplicateKeyError:
            self._current.pop(tenant, None)
            return False
        self._current[tenant] = (time.monotonic(), stored)
        self._versions[(tenant, model.version)] = stored
        return True

    async def page(self, tenant: str, *, below: int | None, limit: int) -> list[StoredModel]:
        """Versions newest first, those numbered below `below` (None: from the newest)."""
        query: dict[str, Any] = {"tenant_id": tenant}
        if below is not None:
            query["version"] = {"$lt": below}
        cursor = self.models.find(query).sort("version", DESCENDING).limit(limit)
        return [_stored(doc) async for doc in cursor]

    # --- the tenant's own signal types ---
    async def record_types(self, tenant: str, types: Iterable[str]) -> None:
        """Remember the types a tenant sends; only types this process has not seen cost a write."""
        seen = self._seen_types.setdefault(tenant, set())
        new = {t for t in types if t not in seen and t not in BUILTIN_TYPES}
        if not new:
            return
        await self.types.bulk_write(
            [
                UpdateOne(
                    {"_id": f"{tenant}|{t}"},
                    {"$set": {"tenant_id": tenant, "type": t}},
                    upsert=True,
                )
                for t in sorted(new)
            ],
            ordered=False,
        )
        if len(seen) + len(new) <= MAX_TYPES_REMEMBERED:
            seen.update(new)

    async def known_types(self, tenant: str) -> list[str]:
        """Built-in types and every type the tenant has sent, sorted."""
        cursor = self.types.find({"tenant_id": tenant}, {"type": 1})
        sent = {doc["type"] async for doc in cursor}
        return sorted(sent | set(BUILTIN_TYPES))


def _stored(doc: dict[str, Any]) -> StoredModel:
    return StoredModel(
        model=model_from_document(doc["model"]),
        actor=doc.get("actor", ""),
        note=doc.get("note", ""),
        created_ms=int(doc.get("created_ms", 0)),
    )
