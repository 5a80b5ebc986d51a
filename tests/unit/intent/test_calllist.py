"""The call list's ranking and pages (services/intent/calllist.py), without servers."""

from __future__ import annotations

from typing import Any

import pytest

from common.errors import InvalidArgument
from common.timeutil import from_ms
from services.intent import calllist
from services.intent.aggregate import IntentState, add, term_of
from services.intent.model import DAY_MS, HOUR_MS, IntentModel
from services.intent.scoring import score_state
from services.intent.signals import Signal

MODEL = IntentModel()
NOW = 20_000 * DAY_MS + 12 * HOUR_MS


def scored(cid: str, kinds: list[tuple[str, int]]) -> Any:
    state = IntentState(customer_id=cid)
    signals = [
        Signal(id=f"{cid}-{i}", customer_id=cid, type=k, party="first", topic="", occurred_at=from_ms(at))
        for i, (k, at) in enumerate(kinds)
    ]
    add(state, [term_of(s, model=MODEL, received_ms=NOW) for s in signals], model=MODEL)
    return score_state(state, model=MODEL, now_ms=NOW)


def doc(cid: str, **fields: Any) -> dict[str, Any]:
    return {"customer_id": cid, "owner_id": "rep", **fields}


def test_an_open_surge_boosts_the_rank_by_its_freshness_and_gives_the_reason() -> None:
    result = scored("a", [("pricing_page_view", NOW - HOUR_MS)] * 3)
    surge = {
        "at_ms": NOW - 24 * HOUR_MS,
        "reason": "3× 定价页 in 2 days; usually 0",
        "window_days": 2,
        "types": [],
    }
    entry = calllist.entry(doc("a", surge=surge), result, model=MODEL, now_ms=NOW)
    assert entry is not None
    # One surge half-life (24 h) old: 1 + 1 × ½.
    assert entry.rank == pytest.approx(result.score * 1.5)
    assert entry.reason == surge["reason"] and entry.surge is not None and entry.surge.open


def test_a_contact_after_the_surge_closes_it_and_a_low_customer_leaves_the_list() -> None:
    low = scored("b", [("content_read", NOW - HOUR_MS)])
    surge = {"at_ms": NOW - HOUR_MS, "reason": "r", "window_days": 2, "types": []}
    assert calllist.entry(doc("b", surge=surge), low, model=MODEL, now_ms=NOW) is not None
    contacted = doc("b", surge=surge, last_contact_ms=NOW - HOUR_MS // 2)
    assert calllist.entry(contacted, low, model=MODEL, now_ms=NOW) is None
    old = {**surge, "at_ms": NOW - 8 * DAY_MS}  # older than surge_open_days
    assert calllist.entry(doc("b", surge=old), low, model=MODEL, now_ms=NOW) is None


def test_without_a_surge_the_rank_is_the_score_and_the_reason_the_levels() -> None:
    medium = scored("c", [("demo_request", NOW - 4 * DAY_MS)] * 2)
    entry = calllist.entry(doc("c"), medium, model=MODEL, now_ms=NOW)
    assert entry is not None and entry.rank == medium.score
    assert entry.reason.startswith("2× 演示申请")


def test_pages_continue_after_the_last_entry_even_when_one_above_drops_off() -> None:
    entries = calllist.ranked(
        calllist.entry(
            doc(cid), scored(cid, [("demo_request", NOW - d * DAY_MS)] * 2), model=MODEL, now_ms=NOW
        )
        for cid, d in (("x1", 3), ("x2", 4), ("x3", 5), ("x4", 6))
    )
    assert [e.customer_id for e in entries] == ["x1", "x2", "x3", "x4"]
    first, more = calllist.page(entries, after=calllist.Position(as_of_ms=NOW), size=2)
    assert [e.customer_id for e in first] == ["x1", "x2"] and more
    cursor = calllist.cursor_of(first[-1], as_of_ms=NOW)
    at = calllist.position_of(cursor, now_ms=NOW + 10_000)
    assert at.as_of_ms == NOW  # the next page is ranked at the first page's instant
    without_x1 = [e for e in entries if e.customer_id != "x1"]  # contacted meanwhile
    second, more = calllist.page(without_x1, after=at, size=2)
    assert [e.customer_id for e in second] == ["x3", "x4"] and not more


@pytest.mark.parametrize(
    "cursor", [{"t": "x", "r": 1, "c": "a"}, {"t": 1, "r": True, "c": "a"}, {"t": 1, "r": 1}]
)
def test_a_cursor_of_another_shape_is_refused(cursor: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        calllist.position_of(cursor, now_ms=NOW)
