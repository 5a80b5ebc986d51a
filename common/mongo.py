"""MongoDB access through PyMongo's async API: one client per process, one database per service.

Writes only valid MongoDB. Where the local stand-in (nx-27017) lacks something, the services use a
form both accept; see docs/mongo-standin.md for what we avoid and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


@dataclass(frozen=True)
class IndexSpec:
    """One index of a collection; every index leads with tenant_id (checked at start)."""

    collection: str
    keys: Sequence[tuple[str, int]]
    options: dict[str, Any] = field(default_factory=dict)
    # Only for machinery that serves every tenant at once (the outbox relay's due-time index).
    cross_tenant: bool = False


def open_client(uri: str) -> AsyncMongoClient[dict[str, Any]]:
    """A client with aware UTC datetimes and short server selection, so a missing database fails fast."""
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000, appname="crm")


async def ensure_indexes(db: AsyncDatabase[dict[str, Any]], specs: Sequence[IndexSpec]) -> None:
    """Create the indexes a service queries by; idempotent, run at every start."""
    for spec in specs:
        leads_with_tenant = spec.keys[0][0] == "tenant_id"
        if not leads_with_tenant and not spec.cross_tenant and "expireAfterSeconds" not in spec.options:
            raise ValueError(f"index on {spec.collection} must lead with tenant_id: {spec.keys}")
        await db[spec.collection].create_index(list(spec.keys), **spec.options)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch: what keyset paging compares (see `newest_first_after`)."""
    return (value - _EPOCH) // timedelta(milliseconds=1)


def newest_first_after(
    query: dict[str, Any], *, ms_field: str, at: datetime, tie_field: str, tie: str
) -> dict[str, Any]:
    """`query` narrowed to the documents after (at, tie) in (ms_field, tie_field) descending order.

    Two defects of the local stand-in shape this form, which real MongoDB answers the same way:
    a top-level `$or` beside other fields is applied as if those fields were absent (so the tenant
    filter would be lost: the `$or` goes inside an `$and`), and datetimes compare at whole seconds
    (so pages compare an integer millisecond field stored next to the datetime).
    """
    ms = epoch_ms(at)
    page = {"$or": [{ms_field: {"$lt": ms}}, {ms_field: ms, tie_field: {"$lt": tie}}]}
    return {"$and": [query, page]}
