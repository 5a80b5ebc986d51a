"""Who to call first: the call list's ranking and its keyset pages; pure.

A customer is on the list while their intent is newer than their last contact (`planning.call_open`,
re-evaluated here at the list's instant, since time alone closes a surge or lowers a level). The rank:

    rank = score × (1 + surge_boost × 2^(−(now − surge at) / surge_half_life))   while the surge is open
    rank = score                                                                 otherwise

with the score decayed to `now` from the customer's aggregates (`scoring.score_state`, with the model
version the aggregates were built with) and the boost from the tenant's current `CallListRule`. Ties
go by customer id, so the order is total.

**Pages.** Every page of one list is ranked at the same instant (`as_of`, carried in the cursor) and a
page starts strictly after the (rank, customer id) of the last entry served. A customer who drops off
between pages (contacted) shifts nobody: no one is skipped or shown twice. A customer whose signals
change between pages is ranked anew and may move; the list says `as_of`, so a UI can offer a refresh.
An offset would skip a customer every time one above it drops off, which is exactly what a rep working
the list from the top causes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument
from services.intent.model import DAY_MS, HOUR_MS, IntentModel
from services.intent.planning import call_open
from services.intent.scoring import ScoreResult, describe_reason


@dataclass(frozen=True, kw_only=True)
class SurgeView:
    """The customer's last surge as stored (`scores.surge`), and whether it still calls for a call."""

    at_ms: int
    reason: str
    window_days: int
    types: tuple[Mapping[str, Any], ...]
    open: bool


@dataclass(frozen=True, kw_only=True)
class CallEntry:
    customer_id: str
    owner_id: str
    rank: float
    result: ScoreResult
    reason: str
    surge: SurgeView | None
    last_contact_ms: int

    @property
    def key(self) -> tuple[float, str]:
        """The list's order: highest rank first, then customer id."""
        return (-self.rank, self.customer_id)


@dataclass(frozen=True, kw_only=True)
class Position:
    """Where a page starts: the list's instant and the last entry served (None: the first page)."""

    as_of_ms: int
    rank: float | None = None
    customer_id: str = ""


def surge_view(doc: Mapping[str, Any], *, model: IntentModel, now_ms: int) -> SurgeView | None:
    """The stored last surge, open while not contacted since and younger than `surge_open_days`."""
    surge = doc.get("surge")
    if not isinstance(surge, Mapping) or not surge.get("at_ms"):
        return None
    at_ms = int(surge["at_ms"])
    contacted = int(doc.get("last_contact_ms", 0))
    fresh = now_ms - at_ms <= model.call_list.surge_open_days * DAY_MS
    return SurgeView(
        at_ms=at_ms,
        reason=str(surge.get("reason", "")),
        window_days=int(surge.get("window_days", 0)),
        types=tuple(t for t in surge.get("types") or [] if isinstance(t, Mapping)),
        open=at_ms > contacted and fresh,
    )


def freshness(age_ms: int, *, model: IntentModel) -> float:
    """2^(−age / surge half-life): 1 for a surge this instant, ½ one half-life later."""
    return float(2.0 ** (-max(age_ms, 0) / (model.call_list.surge_half_life_hours * HOUR_MS)))


def entry(
    doc: Mapping[str, Any], result: ScoreResult, *, model: IntentModel, now_ms: int
) -> CallEntry | None:
    """The customer's call-list entry at `now_ms` under the tenant's current `model`, or None if closed."""
    surge = surge_view(doc, model=model, now_ms=now_ms)
    contacted = int(doc.get("last_contact_ms", 0))
    still_open = call_open(
        level=result.level,
        last_signal_ms=result.last_signal_ms,
        last_contact_ms=contacted,
        last_surge_ms=surge.at_ms if surge else 0,
        model=model,
        now_ms=now_ms,
    )
    if not still_open:
        return None
    boost = 1.0
    if surge is not None and surge.open:
        boost += model.call_list.surge_boost * freshness(now_ms - surge.at_ms, model=model)
    return CallEntry(
        customer_id=result.customer_id,
        owner_id=str(doc.get("owner_id") or ""),
        rank=result.score * boost,
        result=result,
        reason=surge.reason if surge is not None and surge.open else describe_reason(result, model=model),
        surge=surge,
        last_contact_ms=contacted,
    )


def ranked(entries: Iterable[CallEntry | None]) -> list[CallEntry]:
    return sorted((e for e in entries if e is not None), key=lambda e: e.key)


def page(entries: Sequence[CallEntry], *, after: Position, size: int) -> tuple[list[CallEntry], bool]:
    """Up to `size` ranked entries strictly after `after`, and whether more follow."""
    rest = list(entries)
    if after.rank is not None:
        last = (-after.rank, after.customer_id)
        rest = [e for e in entries if e.key > last]
    return rest[:size], len(rest) > size


def cursor_of(last: CallEntry, *, as_of_ms: int) -> dict[str, Any]:
    return {"t": as_of_ms, "r": last.rank, "c": last.customer_id}


def position_of(cursor: Mapping[str, Any] | None, *, now_ms: int) -> Position:
    """The position a page token names (a first page is ranked at `now_ms`); another shape is refused."""
    if cursor is None:
        return Position(as_of_ms=now_ms)
    at, rank, cid = cursor.get("t"), cursor.get("r"), cursor.get("c")
    good = (
        isinstance(at, int)
        and not isinstance(at, bool)
        and isinstance(rank, int | float)
        and not isinstance(rank, bool)
        and isinstance(cid, str)
        and bool(cid)
    )
    if not good:
        raise InvalidArgument("page_token is not a call list page token", field="page_token")
    assert isinstance(at, int) and isinstance(rank, int | float) and isinstance(cid, str)
    return Position(as_of_ms=at, rank=float(rank), customer_id=cid)
