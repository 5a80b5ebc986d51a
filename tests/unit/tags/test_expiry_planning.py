"""Unit tests of expiry planning (services/tags/expiry/planning.py and its use in assignments/plan.py):
what update_cycle and ttl_days mean, refreshes, the expired entries, and which timers a write needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from common.ids import new_customer_id
from services.tags.assignments.plan import plan
from services.tags.expiry.planning import (
    EXPIRE_KIND,
    expire,
    expires_at,
    refreshed,
    timer_changes,
    timer_key,
)
from services.tags.model import AssignInput, Assignment, Evidence, TagDef

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CUSTOMER = new_customer_id()


def tag(key: str = "active-buyer", *, cycle: str = "realtime", ttl_days: int = 0) -> TagDef:
    return TagDef(
        key=key,
        display_name=key,
        category="behavior",
        value_type="flag",
        update_cycle=cycle,
        ttl_days=ttl_days,
    )


def held(
    key: str = "active-buyer",
    *,
    source: str = "rule",
    value: str = "",
    expires: datetime | None = None,
    at: datetime = NOW - timedelta(hours=5),
) -> Assignment:
    return Assignment(
        customer_id=CUSTOMER,
        tag_key=key,
        value=value,
        source=source,
        confidence=0.9,
        evidence=Evidence(rule_id="r1"),
        actor="svc:rules",
        assigned_at=at,
        expires_at=expires,
    )


def test_a_machine_value_of_a_cycle_tag_lives_one_and_a_half_cycles() -> None:
    for cycle, lifetime in (
        ("daily", timedelta(hours=36)),
        ("monthly", timedelta(days=45)),
        ("quarterly", timedelta(days=135)),
    ):
        for source in ("rule", "channel", "conversation", "model", "import", "system"):
            assert expires_at(tag(cycle=cycle), source=source, assigned_at=NOW, given=None) == NOW + lifetime


def test_a_persons_value_never_expires_by_cycle_only_by_ttl() -> None:
    assert expires_at(tag(cycle="daily"), source="manual", assigned_at=NOW, given=None) is None
    ttl = tag(cycle="daily", ttl_days=10)
    assert expires_at(ttl, source="manual", assigned_at=NOW, given=None) == NOW + timedelta(days=10)


def test_a_realtime_tag_expires_only_by_ttl_or_the_inputs_own_time() -> None:
    assert expires_at(tag(), source="rule", assigned_at=NOW, given=None) is None
    assert expires_at(tag(ttl_days=2), source="rule", assigned_at=NOW, given=None) == NOW + timedelta(days=2)
    given = NOW + timedelta(days=400)
    assert expires_at(tag(cycle="daily", ttl_days=2), source="rule", assigned_at=NOW, given=given) == given


def test_the_earlier_of_ttl_and_cycle_wins() -> None:
    short_ttl = tag(cycle="monthly", ttl_days=7)
    assert expires_at(short_ttl, source="rule", assigned_at=NOW, given=None) == NOW + timedelta(days=7)
    long_ttl = tag(cycle="daily", ttl_days=7)
    assert expires_at(long_ttl, source="rule", assigned_at=NOW, given=None) == NOW + timedelta(hours=36)


def test_a_machine_reasserting_its_value_refreshes_the_expiry_without_history() -> None:
    daily = tag(cycle="daily")
    stored = held(expires=NOW + timedelta(hours=12))
    result = plan(
        CUSTOMER,
        [AssignInput(tag_key=daily.key, value="", source="rule")],
        {daily.key: daily},
        {daily.key: stored},
        actor="svc:rules",
        now=NOW,
    )
    assert [s.reason for s in result.skipped] == ["unchanged"]
    assert result.history == [] and result.assigned == []
    [moved] = result.refreshed
    assert moved.expires_at == NOW + timedelta(hours=36)
    assert (moved.assigned_at, moved.source, moved.evidence) == (stored.assigned_at, "rule", stored.evidence)
    assert result.final[daily.key] == moved and result.upserts == [moved]


def test_a_refresh_never_shortens_and_a_machine_never_refreshes_a_persons_value() -> None:
    daily = tag(cycle="daily", ttl_days=30)
    later = held(expires=NOW + timedelta(days=3))
    assert refreshed(later, daily, source="rule", at=NOW, given=None) is None
    person = held(source="manual", expires=NOW + timedelta(days=2))
    assert refreshed(person, daily, source="rule", at=NOW, given=None) is None
    # A person re-typing their value restarts its TTL.
    again = refreshed(person, daily, source="manual", at=NOW, given=None)
    assert again is not None and again.expires_at == NOW + timedelta(days=30)


def test_a_refresh_drops_the_expiry_once_the_definition_no_longer_expires_anything() -> None:
    stored = held(expires=NOW + timedelta(hours=3))
    moved = refreshed(stored, tag(), source="rule", at=NOW, given=None)
    assert moved is not None and moved.expires_at is None


def test_expire_removes_only_what_is_due_with_one_expired_entry_each() -> None:
    due = held("a", expires=NOW - timedelta(seconds=1))
    exact = held("b", expires=NOW)
    later = held("c", expires=NOW + timedelta(seconds=1))
    never = held("d")
    final, entries = expire({a.tag_key: a for a in (due, exact, later, never)}, now=NOW)
    assert sorted(final) == ["c", "d"]
    assert [(e.tag_key, e.action, e.source, e.reason, e.at) for e in entries] == [
        ("a", "expired", "system", "expired", NOW),
        ("b", "expired", "system", "expired", NOW),
    ]
    assert entries[0].id < entries[1].id
    assert expire({"c": later}, now=NOW) == ({"c": later}, [])


def test_a_write_creates_a_timer_per_new_expiry_and_names_the_stale_ones() -> None:
    old = held("a", expires=NOW + timedelta(hours=1))
    moved = replace(old, expires_at=NOW + timedelta(hours=2))
    kept = held("b", expires=NOW + timedelta(hours=3))
    gone = held("c", expires=NOW + timedelta(hours=4))
    new = held("d", expires=NOW + timedelta(hours=5))
    plain = held("e")
    due = held("f", expires=NOW - timedelta(seconds=1))  # its own timer is firing: not cancelled
    create, stale = timer_changes(
        "acme",
        {"a": old, "b": kept, "c": gone, "e": plain, "f": due},
        {"a": moved, "b": kept, "d": new, "e": plain},
        now=NOW,
    )
    assert [(t.kind, t.key, t.due_at, t.payload["tag_key"]) for t in create] == [
        (EXPIRE_KIND, timer_key(CUSTOMER, "a", moved.expires_at), moved.expires_at, "a"),  # type: ignore[arg-type]
        (EXPIRE_KIND, timer_key(CUSTOMER, "d", new.expires_at), new.expires_at, "d"),  # type: ignore[arg-type]
    ]
    assert stale == [
        timer_key(CUSTOMER, "a", old.expires_at),  # type: ignore[arg-type]
        timer_key(CUSTOMER, "c", gone.expires_at),  # type: ignore[arg-type]
    ]


def test_expiries_are_kept_at_the_milliseconds_mongodb_stores_so_a_resend_is_no_refresh() -> None:
    given = NOW + timedelta(seconds=5, microseconds=1_500)
    assert expires_at(tag(), source="manual", assigned_at=NOW, given=given) == NOW + timedelta(
        seconds=5, milliseconds=1
    )
    stored = held(source="manual", expires=NOW + timedelta(seconds=5, milliseconds=1))
    assert refreshed(stored, tag(), source="manual", at=NOW, given=given) is None
