"""The pure rules of money, deals and tasks: what is accepted, what a change records, when reminders act."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.envvars import ConfigError
from common.errors import FailedPrecondition, InvalidArgument
from services.journey import deals, tasks
from services.journey.money import Money, format_minor, parse_money
from services.journey.task_config import TaskConfig


@pytest.mark.parametrize(
    ("text", "minor"), [("0", 0), ("19.9", 1990), ("199800.00", 19980000), (" 7 ", 700), ("0.05", 5)]
)
def test_amounts_are_exact_minor_units(text: str, minor: int) -> None:
    assert parse_money(text, "cny", field="amount") == Money(minor=minor, currency="CNY")
    assert format_minor(minor) == f"{minor // 100}.{minor % 100:02d}"


@pytest.mark.parametrize(
    ("text", "currency", "words", "where"),
    [
        ("abc", "CNY", "not a number", "amount"),
        ("1e5", "CNY", "not a number", "amount"),
        ("-1", "CNY", "negative", "amount"),
        ("1.234", "CNY", "two decimals", "amount"),
        ("", "CNY", "required", "amount"),
        ("10", "yuan", "ISO 4217", "amount.currency"),
    ],
)
def test_bad_amounts_name_the_field_and_say_what_is_wrong(
    text: str, currency: str, words: str, where: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_money(text, currency, field="amount")
    assert words in refused.value.message and refused.value.field == where


def test_a_qualification_change_records_who_when_and_before_after() -> None:
    doc = deals.new_deal_document(
        "acme", deal_id="d1", customer_id="c", owner_id="li", created_by="li", now_ms=1
    )
    created = deals.plan_qualify(doc, {"product": "Model Y"}, actor="li", now_ms=1, action="created")
    assert created is not None
    doc = deals.with_updates(doc, created.updates)
    plan = deals.plan_qualify(doc, {"product": "Model Y", "nature": "valuable"}, actor="zhao", now_ms=5)
    assert plan is not None
    assert plan.changes == [{"field": "nature", "before": "", "after": "VALUABLE"}]
    after = deals.with_updates(doc, plan.updates)
    assert after["settings"] == {"product": {"by": "li", "at_ms": 1}, "nature": {"by": "zhao", "at_ms": 5}}
    assert [h["action"] for h in after["history"]] == ["created", "qualified"]
    assert deals.plan_qualify(after, {"nature": "valuable"}, actor="zhao", now_ms=9) is None


def test_signed_and_paid_are_separate_facts_recorded_once() -> None:
    doc = deals.new_deal_document(
        "acme", deal_id="d1", customer_id="c", owner_id="li", created_by="li", now_ms=1
    )
    price = Money(minor=100, currency="CNY")
    signed = deals.plan_won(doc, won="signed", money=price, at_ms=2, actor="li", now_ms=2)
    assert signed is not None and signed.updates["status"] == "signed"
    doc = deals.with_updates(doc, signed.updates)
    assert deals.plan_won(doc, won="signed", money=price, at_ms=3, actor="li", now_ms=3) is None
    with pytest.raises(FailedPrecondition):
        deals.plan_won(doc, won="signed", money=Money(minor=5, currency="CNY"), at_ms=3, actor="li", now_ms=3)
    paid = deals.plan_won(doc, won="paid", money=price, at_ms=4, actor="li", now_ms=4)
    assert paid is not None and paid.updates["status"] == "paid"


@pytest.mark.parametrize(("value", "allowed"), [("huge", deals.GRADES), ("", deals.NATURES)])
def test_unknown_enum_values_are_refused(value: str, allowed: tuple[str, ...]) -> None:
    with pytest.raises(InvalidArgument, match="unknown value"):
        deals.check_choice(value, allowed, where="deal.grade")


def test_a_due_time_must_lie_ahead() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    now_ms = int(now.timestamp() * 1000)
    assert tasks.check_due(now + timedelta(seconds=2), now_ms=now_ms, where="due_at") == now_ms + 2000
    for bad in (now, now - timedelta(minutes=1), None):
        with pytest.raises(InvalidArgument):
            tasks.check_due(bad, now_ms=now_ms, where="due_at")


def test_a_reminder_acts_once_per_due_time_and_never_for_a_closed_or_moved_task() -> None:
    doc = {"id": "t", "status": "open", "due_ms": 1000, "due_fired_ms": 0, "overdue_fired_ms": 0}
    due = tasks.plan_reminder(doc, tasks.DUE_KIND, due_ms=1000, now_ms=1100)
    assert due is not None
    doc = {**doc, **due}
    assert tasks.plan_reminder(doc, tasks.DUE_KIND, due_ms=1000, now_ms=1200) is None  # re-run after a crash
    assert tasks.plan_reminder(doc, tasks.DUE_KIND, due_ms=900, now_ms=1200) is None  # the old due time
    overdue = tasks.plan_reminder(doc, tasks.OVERDUE_KIND, due_ms=1000, now_ms=5000)
    assert overdue is not None and overdue["status"] == "overdue"
    assert tasks.plan_reminder({**doc, "status": "done"}, tasks.DUE_KIND, due_ms=1000, now_ms=1) is None
    moved = tasks.plan_update({**doc, **overdue}, {"due_ms": 9000}, now_ms=6000)
    assert moved is not None and moved["status"] == "open"
    with pytest.raises(FailedPrecondition):
        tasks.plan_update({**doc, "status": "done"}, {"notes": "x"}, now_ms=1)


def test_the_grace_period_is_read_from_its_variable() -> None:
    assert TaskConfig.from_env({"JOURNEY_TASK_GRACE_SECONDS": "30"}).grace_ms == 30_000
    with pytest.raises(ConfigError, match="JOURNEY_TASK_GRACE_SECONDS"):
        TaskConfig.from_env({"JOURNEY_TASK_GRACE_SECONDS": "-1"})
