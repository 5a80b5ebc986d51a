"""MongoDB access through PyMongo's async API: one client per process, one database per service.

Writes only valid MongoDB. Where the local stand-in (nx-27017) lacks something, the services use a
form both accept; see docs/mongo-standin.md for what we avoid and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


@dataclass(frozen=True)
class IndexSpec:
    """One index of a collection; every index leads with tenant_id (checked at start)."""

    collection: str
    keys: Sequence[tuple[str, int]]
    options: dict[str, Any] = field(default_factory=dict)


def open_client(uri: str) -> AsyncMongoClient[dict[str, Any]]:
    """A client with aware UTC datetimes and short server selection, so a missing database fails fast."""
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000, appname="crm")


async def ensure_indexes(db: AsyncDatabase[dict[str, Any]], specs: Sequence[IndexSpec]) -> None:
    """Create the indexes a service queries by; idempotent, run at every start."""
    for spec in specs:
        if spec.keys[0][0] != "tenant_id" and not spec.options.get("expireAfterSeconds"):
            raise ValueError(f"index on {spec.collection} must lead with tenant_id: {spec.keys}")
        await db[spec.collection].create_index(list(spec.keys), **spec.options)
