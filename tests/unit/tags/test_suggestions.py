"""What one extraction does for a customer, what a review does, precision, and the history they leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.errors import FailedPrecondition, InvalidArgument
from services.tags.heard.model import Heard, HeardTag, Span
from services.tags.heard.suggestions import (
    ACCEPT,
    ACCEPTED,
    APPLIED,
    ASSIGN,
    PENDING,
    REJECT,
    REJECTED,
    REMOVE,
    Decisions,
    ExtractionPlan,
    Suggestion,
    check_review,
    evidence_of,
    person_decisions,
    plan_extraction,
    rejected_entry,
    review_step,
    suggested_history,
    suggestion_id,
    tag_precision,
)
from services.tags.model import AssignInput, Assignment, Evidence, Skipped

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=1)
CUSTOMER = "cus_01JABCDEFGHJKMNPQRSTVWXYZ0"
CONVERSATION = "cnv-1"
QUOTE = "我们预算二十万左右。"
NO_DECISIONS = Decisions()


def heard(key: str, value: str = "", confidence: float = 0.9, *, negated: bool = False) -> HeardTag:
    return HeardTag(
        tag_key=key,
        value=value,
        confidence=confidence,
        evidence=Span(turn_index=2, start=5, end=15, quote=QUOTE),
        reason='keyword "预算"',
        negated=negated,
    )


def active(key: str, value: str = "", source: str = "conversation") -> Assignment:
    return Assignment(
        customer_id=CUSTOMER,
        tag_key=key,
        value=value,
        source=source,
        confidence=0.9,
        evidence=Evidence(),
        actor="",
        assigned_at=EARLIER,
    )


def stored(key: str, value: str = "", *, action: str = ASSIGN, status: str = PENDING) -> Suggestion:
    return Suggestion(
        id=suggestion_id(CONVERSATION, key, value, action),
        customer_id=CUSTOMER,
        conversation_id=CONVERSATION,
        tag_key=key,
        value=value,
        action=action,
        confidence=0.6,
        evidence=Span(turn_index=0, start=0, end=3, quote="old"),
        reason="old reason",
        status=status,
        created_at=EARLIER,
    )


def plan(
    tags: tuple[HeardTag, ...] = (),
    negated: tuple[HeardTag, ...] = (),
    *,
    current: tuple[Assignment, ...] = (),
    threshold: float = 0.85,
    decisions: Decisions = NO_DECISIONS,
    existing: tuple[Suggestion, ...] = (),
    groups: dict[str, str] | None = None,
) -> ExtractionPlan:
    return plan_extraction(
        Heard(tags=tags, negated=negated),
        conversation_id=CONVERSATION,
        customer_id=CUSTOMER,
        active={a.tag_key: a for a in current},
        threshold=threshold,
        decisions=decisions,
        existing={s.id: s for s in existing},
        exclusive_groups=groups or {},
        now=NOW,
    )


def test_suggestion_ids_are_deterministic_per_conversation_value_and_action() -> None:
    ident = suggestion_id("cnv-1", "budget", "200000", "assign")
    assert ident == suggestion_id("cnv-1", "budget", "200000", "assign")
    assert ident.startswith("sug_") and len(ident) == 28
    int(ident[4:], 16)
    others = {
        suggestion_id("cnv-2", "budget", "200000", "assign"),
        suggestion_id("cnv-1", "budget", "300000", "assign"),
        suggestion_id("cnv-1", "budget", "200000", "remove"),
    }
    assert ident not in others and len(others) == 3


def test_a_sure_value_is_applied_with_source_conversation_and_evidence() -> None:
    result = plan((heard("budget", "200000", 0.9),), threshold=0.85)
    [application] = result.apply
    assert application.input == AssignInput(
        tag_key="budget",
        value="200000",
        source="conversation",
        confidence=0.9,
        evidence=Evidence(
            conversation_id=CONVERSATION,
            quote=QUOTE,
            note='turn 2, characters 5-15: keyword "预算"',
        ),
    )
    applied = application.suggestion
    assert (applied.status, applied.action, applied.created_at) == (APPLIED, ASSIGN, NOW)
    assert applied.id == suggestion_id(CONVERSATION, "budget", "200000", ASSIGN)
    assert (result.created, result.refreshed, result.skipped) == ([], [], [])


def test_the_threshold_is_inclusive_and_below_it_a_suggestion_waits() -> None:
    assert len(plan((heard("vip", confidence=0.85),), threshold=0.85).apply) == 1
    result = plan((heard("vip", confidence=0.84),), threshold=0.85)
    assert result.apply == []
    [pending] = result.created
    assert (pending.tag_key, pending.status, pending.action, pending.confidence) == (
        "vip",
        PENDING,
        ASSIGN,
        0.84,
    )
    assert len(plan((heard("vip", confidence=0.01),), threshold=0.0).apply) == 1


def test_a_value_already_active_is_unchanged() -> None:
    result = plan((heard("budget", "200000"),), current=(active("budget", "200000", source="manual"),))
    assert result.skipped == [Skipped(tag_key="budget", value="200000", reason="unchanged")]
    assert (result.apply, result.created) == ([], [])


def test_a_value_people_decided_against_is_not_suggested_again() -> None:
    decisions = person_decisions(
        [
            stored("vip", "", status=REJECTED),  # an assignment a person rejected
            stored("budget", "200000", action=REMOVE, status=ACCEPTED),  # a removal a person accepted
        ]
    )
    result = plan((heard("vip", confidence=0.99), heard("budget", "200000", 0.5)), decisions=decisions)
    assert result.skipped == [
        Skipped(tag_key="vip", value="", reason="human_decision"),
        Skipped(tag_key="budget", value="200000", reason="human_decision"),
    ]
    assert (result.apply, result.created) == ([], [])


def test_person_decisions_distinguish_against_from_kept() -> None:
    decisions = person_decisions(
        [
            stored("a", "1", status=REJECTED),
            stored("b", "2", action=REMOVE, status=ACCEPTED),
            stored("c", "3", action=REMOVE, status=REJECTED),
            stored("d", "4", status=ACCEPTED),
            stored("e", "5", status=PENDING),
        ]
    )
    assert decisions == Decisions(against=frozenset({("a", "1"), ("b", "2")}), kept=frozenset({("c", "3")}))


def test_re_extraction_refreshes_a_pending_suggestion_and_keeps_its_creation_time() -> None:
    result = plan((heard("vip", confidence=0.7),), existing=(stored("vip"),))
    [refreshed] = result.refreshed
    assert (refreshed.confidence, refreshed.evidence.quote, refreshed.created_at) == (0.7, QUOTE, EARLIER)
    assert result.created == []


def test_re_extraction_applies_a_pending_suggestion_that_became_sure() -> None:
    [application] = plan((heard("vip", confidence=0.95),), existing=(stored("vip"),)).apply
    assert (application.suggestion.status, application.suggestion.created_at) == (APPLIED, EARLIER)


@pytest.mark.parametrize(("status", "reason"), [(APPLIED, "unchanged"), (ACCEPTED, "human_decision")])
def test_a_suggestion_no_longer_pending_keeps_its_status(status: str, reason: str) -> None:
    result = plan((heard("vip", confidence=0.95),), existing=(stored("vip", status=status),))
    assert result.skipped == [Skipped(tag_key="vip", value="", reason=reason)]
    assert (result.apply, result.created, result.refreshed) == ([], [], [])


def test_a_contradicted_machine_value_becomes_a_pending_removal() -> None:
    result = plan(negated=(heard("car.suv", negated=True),), current=(active("car.suv", source="rule"),))
    [removal] = result.created
    assert (removal.action, removal.status, removal.tag_key) == (REMOVE, PENDING, "car.suv")
    assert removal.id == suggestion_id(CONVERSATION, "car.suv", "", REMOVE)
    assert result.apply == []


@pytest.mark.parametrize(
    "current",
    [
        (),  # not active
        (active("car.suv", source="manual"),),  # a person's value
        (active("car.sedan"),),  # another tag is active
    ],
)
def test_other_contradicted_values_change_nothing(current: tuple[Assignment, ...]) -> None:
    result = plan(negated=(heard("car.suv", negated=True),), current=current)
    assert (result.apply, result.created, result.skipped) == ([], [], [])


def test_no_removal_is_suggested_for_a_value_an_applied_one_replaces() -> None:
    groups = {"intent.low": "intent", "intent.high": "intent"}
    result = plan(
        (heard("intent.high", confidence=0.9),),
        (heard("intent.low", negated=True),),
        current=(active("intent.low"),),
        groups=groups,
    )
    assert [a.input.tag_key for a in result.apply] == ["intent.high"]
    assert result.created == []


def test_a_value_a_person_kept_is_not_suggested_for_removal_again() -> None:
    decisions = Decisions(kept=frozenset({("car.suv", "")}))
    result = plan(
        negated=(heard("car.suv", negated=True),), current=(active("car.suv"),), decisions=decisions
    )
    assert result.created == []
    assert result.skipped == [Skipped(tag_key="car.suv", value="", reason="human_decision")]


def pending(action: str = ASSIGN, status: str = PENDING) -> Suggestion:
    return stored("vip", "", action=action, status=status)


@pytest.mark.parametrize(
    ("suggestion", "decision", "current", "expected"),
    [
        (pending(), ACCEPT, None, (ACCEPTED, ASSIGN, False)),
        (pending(status=APPLIED), ACCEPT, active("vip"), (ACCEPTED, ASSIGN, False)),
        (pending(), REJECT, None, (REJECTED, "", True)),
        (pending(status=APPLIED), REJECT, active("vip"), (REJECTED, REMOVE, True)),
        # applied, but a person has set the value since: rejecting the suggestion leaves the person's value
        (pending(status=APPLIED), REJECT, active("vip", source="manual"), (REJECTED, "", True)),
        (pending(status=APPLIED), REJECT, None, (REJECTED, "", True)),
        (pending(REMOVE), ACCEPT, active("vip", source="rule"), (ACCEPTED, REMOVE, False)),
        (pending(REMOVE), ACCEPT, None, (ACCEPTED, "", False)),
        (pending(REMOVE), REJECT, active("vip", source="rule"), (REJECTED, "", True)),
    ],
)
def test_what_a_review_does(
    suggestion: Suggestion, decision: str, current: Assignment | None, expected: tuple[str, str, bool]
) -> None:
    step = review_step(suggestion, decision, active=current)
    assert (step.status, step.tag_change, step.record_rejection) == expected


@pytest.mark.parametrize("status", [ACCEPTED, REJECTED])
def test_a_suggestion_is_reviewed_once(status: str) -> None:
    with pytest.raises(FailedPrecondition, match=f"already {status}"):
        review_step(pending(status=status), ACCEPT, active=None)


def test_review_input_is_checked() -> None:
    assert check_review(ACCEPT, "  looks right  ") == "looks right"
    assert check_review(REJECT, "n" * 500) == "n" * 500
    for decision, note, field in (
        ("", "", "decision"),
        ("maybe", "", "decision"),
        (ACCEPT, "n" * 501, "note"),
    ):
        with pytest.raises(InvalidArgument) as caught:
            check_review(decision, note)
        assert caught.value.field == field


def test_precision_is_accepted_over_reviewed() -> None:
    row = tag_precision("vip", {ACCEPTED: 3, REJECTED: 1, PENDING: 4, APPLIED: 2})
    assert (row.accepted, row.rejected, row.pending, row.applied) == (3, 1, 4, 2)
    assert (row.has_precision, row.precision) == (True, 0.75)
    unreviewed = tag_precision("vip", {APPLIED: 5})
    assert (unreviewed.has_precision, unreviewed.precision) == (False, 0.0)


def test_history_records_new_suggestions_and_rejections_in_order() -> None:
    removal = stored("car.suv", action=REMOVE)
    entries = suggested_history([stored("vip"), removal])
    assert [(e.action, e.tag_key, e.source, e.actor, e.confidence) for e in entries] == [
        ("suggested", "vip", "conversation", "", 0.6),
        ("suggested", "car.suv", "conversation", "", 0.6),
    ]
    assert [e.reason for e in entries] == ["old reason", "remove: old reason"]
    assert entries[0].id < entries[1].id and entries[0].id.startswith("th_")
    assert entries[0].evidence == evidence_of(stored("vip"))
    assert entries[0].evidence.note == "turn 0, characters 0-3: old reason"

    entry = rejected_entry(stored("vip"), actor="rev-1", note="他是替父母问的", at=NOW)
    assert (entry.action, entry.source, entry.actor, entry.at) == ("rejected", "manual", "rev-1", NOW)
    assert entry.reason == f"rejected conversation suggestion {stored('vip').id}: 他是替父母问的"
    assert rejected_entry(stored("vip"), actor="r", note="", at=NOW).reason.endswith(stored("vip").id)
