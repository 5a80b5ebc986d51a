"""What one extraction does for one customer: the pure planning step of ingest and re-extraction.

Given what was heard, the customer's active tags, the tenant's threshold, the decisions people made
on earlier suggestions and the suggestions this conversation already has, `plan_extraction` decides,
per heard value, in order:
1. the customer already has that value active → skipped "unchanged";
2. a person decided against that value for this customer (rejected a suggestion to assign it, or
   accepted one to remove it) → skipped "human_decision";
3. this conversation already made that suggestion and it is no longer pending → it keeps its status
   (skipped "unchanged" when it was applied, "human_decision" when a person reviewed it);
4. confidence at or above the threshold → apply it (source conversation), recorded as an "applied"
   suggestion so a person can still review it; the caller stores that suggestion only if the
   assignment happened (a person's tag of the same tag or exclusive group is not overturned);
5. otherwise → a pending suggestion.
A value the customer contradicted ("不是X") that is active from a machine source becomes a pending
suggestion to remove it, never applied by itself; contradicted values that are not active, or that a
person set, change nothing. Suggestion ids are deterministic, so re-extraction updates rather than
duplicates. No I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from common.errors import FailedPrecondition, InvalidArgument
from common.ids import new_id
from services.tags.assignments.plan import HUMAN_DECISION, UNCHANGED
from services.tags.heard.model import Heard, HeardTag, Span
from services.tags.model import MACHINE_SOURCES, AssignInput, Assignment, Evidence, HistoryEntry, Skipped

ASSIGN = "assign"
REMOVE = "remove"
ACTIONS = (ASSIGN, REMOVE)
PENDING = "pending"
APPLIED = "applied"
ACCEPTED = "accepted"
REJECTED = "rejected"
STATUSES = (PENDING, APPLIED, ACCEPTED, REJECTED)
REVIEWED = (ACCEPTED, REJECTED)
SOURCE = "conversation"
ACCEPT = "accept"
REJECT = "reject"
DECISIONS = (ACCEPT, REJECT)
MAX_REVIEW_NOTE = 500


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    """A tag change heard in a conversation: set `tag_key` = `value` (assign) or take it away (remove)."""

    id: str
    customer_id: str
    conversation_id: str
    tag_key: str
    value: str
    action: str  # ASSIGN | REMOVE
    confidence: float
    evidence: Span
    reason: str
    status: str  # PENDING | APPLIED | ACCEPTED | REJECTED
    created_at: datetime
    reviewed_by: str = ""
    reviewed_at: datetime | None = None
    review_note: str = ""


def suggestion_id(conversation_id: str, tag_key: str, value: str, action: str) -> str:
    """ "sug_" + 24 hex digits of a hash of what is suggested, so extracting again finds the same one."""
    digest = hashlib.sha256(f"{conversation_id}|{tag_key}|{value}|{action}".encode()).hexdigest()
    return f"sug_{digest[:24]}"


def evidence_of(suggestion: Suggestion) -> Evidence:
    """The tag evidence a suggestion carries: its conversation, the quoted sentence and where it is."""
    span = suggestion.evidence
    return Evidence(
        conversation_id=suggestion.conversation_id,
        quote=span.quote,
        note=f"turn {span.turn_index}, characters {span.start}-{span.end}: {suggestion.reason}",
    )


@dataclass(frozen=True, kw_only=True)
class Decisions:
    """What people decided about one customer's suggested values, as (tag_key, value) pairs."""

    against: frozenset[tuple[str, str]] = frozenset()  # assign rejected, or remove accepted
    kept: frozenset[tuple[str, str]] = frozenset()  # remove rejected: the value stays


def person_decisions(reviewed: Iterable[Suggestion]) -> Decisions:
    """The decisions behind a customer's reviewed suggestions (any conversation)."""
    against: set[tuple[str, str]] = set()
    kept: set[tuple[str, str]] = set()
    for s in reviewed:
        pair = (s.tag_key, s.value)
        if (s.action, s.status) in ((ASSIGN, REJECTED), (REMOVE, ACCEPTED)):
            against.add(pair)
        elif (s.action, s.status) == (REMOVE, REJECTED):
            kept.add(pair)
    return Decisions(against=frozenset(against), kept=frozenset(kept))


@dataclass(frozen=True, kw_only=True)
class Application:
    """A heard value to apply, and the "applied" suggestion that records it if the assignment happens."""

    input: AssignInput
    suggestion: Suggestion


@dataclass(kw_only=True)
class ExtractionPlan:
    """What one extraction does: assignments to attempt, pending suggestions to store, and skips."""

    apply: list[Application] = field(default_factory=list)
    created: list[Suggestion] = field(default_factory=list)  # new pending suggestions
    refreshed: list[Suggestion] = field(default_factory=list)  # pending ones heard again
    skipped: list[Skipped] = field(default_factory=list)


def plan_extraction(
    heard: Heard,
    *,
    conversation_id: str,
    customer_id: str,
    active: Mapping[str, Assignment],
    threshold: float,
    decisions: Decisions,
    existing: Mapping[str, Suggestion],
    exclusive_groups: Mapping[str, str],
    now: datetime,
) -> ExtractionPlan:
    """Plan what `heard` does for the customer; see the module docstring for the rules.

    `active` maps tag keys to the customer's active (unexpired) assignments; `existing` maps ids to
    this conversation's stored suggestions; `exclusive_groups` maps each exclusive tag to its group.
    """
    plan = ExtractionPlan()

    def suggestion(tag: HeardTag, action: str, status: str) -> Suggestion:
        ident = suggestion_id(conversation_id, tag.tag_key, tag.value, action)
        before = existing.get(ident)
        return Suggestion(
            id=ident,
            customer_id=customer_id,
            conversation_id=conversation_id,
            tag_key=tag.tag_key,
            value=tag.value,
            action=action,
            confidence=tag.confidence,
            evidence=tag.evidence,
            reason=tag.reason,
            status=status,
            created_at=before.created_at if before else now,
        )

    def keep_pending(new: Suggestion) -> None:
        (plan.refreshed if new.id in existing else plan.created).append(new)

    for tag in heard.tags:
        current = active.get(tag.tag_key)
        if current is not None and current.value == tag.value:
            plan.skipped.append(Skipped(tag_key=tag.tag_key, value=tag.value, reason=UNCHANGED))
            continue
        if (tag.tag_key, tag.value) in decisions.against:
            plan.skipped.append(Skipped(tag_key=tag.tag_key, value=tag.value, reason=HUMAN_DECISION))
            continue
        before = existing.get(suggestion_id(conversation_id, tag.tag_key, tag.value, ASSIGN))
        if before is not None and before.status != PENDING:
            reason = UNCHANGED if before.status == APPLIED else HUMAN_DECISION
            plan.skipped.append(Skipped(tag_key=tag.tag_key, value=tag.value, reason=reason))
            continue
        if tag.confidence >= threshold:
            applied = suggestion(tag, ASSIGN, APPLIED)
            item = AssignInput(
                tag_key=tag.tag_key,
                value=tag.value,
                source=SOURCE,
                confidence=tag.confidence,
                evidence=evidence_of(applied),
            )
            plan.apply.append(Application(input=item, suggestion=applied))
        else:
            keep_pending(suggestion(tag, ASSIGN, PENDING))

    # A value displaced by one applied now needs no removal suggestion: the assignment replaces it.
    displaced_keys = {a.input.tag_key for a in plan.apply}
    displaced_groups = {exclusive_groups[k] for k in displaced_keys if k in exclusive_groups}
    for tag in heard.negated:
        current = active.get(tag.tag_key)
        if current is None or current.value != tag.value or current.source not in MACHINE_SOURCES:
            continue
        if tag.tag_key in displaced_keys or exclusive_groups.get(tag.tag_key) in displaced_groups:
            continue
        before = existing.get(suggestion_id(conversation_id, tag.tag_key, tag.value, REMOVE))
        if (tag.tag_key, tag.value) in decisions.kept or (before is not None and before.status != PENDING):
            plan.skipped.append(Skipped(tag_key=tag.tag_key, value=tag.value, reason=HUMAN_DECISION))
            continue
        keep_pending(suggestion(tag, REMOVE, PENDING))
    return plan


def check_review(decision: str, note: str) -> str:
    """The review note, stripped; InvalidArgument for a decision other than accept/reject or a long note."""
    if decision not in DECISIONS:
        raise InvalidArgument("decision must be accept or reject", field="decision")
    text = note.strip()
    if len(text) > MAX_REVIEW_NOTE:
        raise InvalidArgument(f"note is {len(text)} characters; at most {MAX_REVIEW_NOTE}", field="note")
    return text


@dataclass(frozen=True, kw_only=True)
class ReviewStep:
    """What a person's decision does: the suggestion's new status, the change to the customer's tag
    ("assign", "remove" or "" for none), and whether a "rejected" history entry records it."""

    status: str
    tag_change: str
    record_rejection: bool


def review_step(suggestion: Suggestion, decision: str, *, active: Assignment | None) -> ReviewStep:
    """Decide what accepting or rejecting `suggestion` does, given the customer's active value of its tag.

    Accepting an assignment sets the tag as the reviewer's own; rejecting one that was applied takes the
    value away while it is still the conversation's. Accepting a removal takes the value away if it is
    still active; rejecting one leaves it. A suggestion is reviewed once: FailedPrecondition otherwise.
    """
    if suggestion.status in REVIEWED:
        raise FailedPrecondition(
            f"suggestion {suggestion.id} was already {suggestion.status}", field="suggestion_id"
        )
    still_active = active is not None and active.value == suggestion.value
    if suggestion.action == ASSIGN:
        if decision == ACCEPT:
            return ReviewStep(status=ACCEPTED, tag_change=ASSIGN, record_rejection=False)
        undo = (
            suggestion.status == APPLIED and still_active and active is not None and active.source == SOURCE
        )
        return ReviewStep(status=REJECTED, tag_change=REMOVE if undo else "", record_rejection=True)
    if decision == ACCEPT:
        return ReviewStep(status=ACCEPTED, tag_change=REMOVE if still_active else "", record_rejection=False)
    return ReviewStep(status=REJECTED, tag_change="", record_rejection=True)


def reviewed(suggestion: Suggestion, *, status: str, by: str, at: datetime, note: str) -> Suggestion:
    """The suggestion after a person's decision."""
    return replace(suggestion, status=status, reviewed_by=by, reviewed_at=at, review_note=note)


@dataclass(frozen=True, kw_only=True)
class TagPrecision:
    """How people judged one tag's conversation suggestions (assignments only)."""

    tag_key: str
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    applied: int = 0  # applied automatically and not reviewed

    @property
    def has_precision(self) -> bool:
        return self.accepted + self.rejected > 0

    @property
    def precision(self) -> float:
        """accepted / (accepted + rejected); 0 until a person reviewed one (see `has_precision`)."""
        reviewed_count = self.accepted + self.rejected
        return self.accepted / reviewed_count if reviewed_count else 0.0


def tag_precision(tag_key: str, counts: Mapping[str, int]) -> TagPrecision:
    """The precision record of a tag from its suggestion counts by status."""
    return TagPrecision(
        tag_key=tag_key,
        accepted=counts.get(ACCEPTED, 0),
        rejected=counts.get(REJECTED, 0),
        pending=counts.get(PENDING, 0),
        applied=counts.get(APPLIED, 0),
    )


def suggested_history(created: Sequence[Suggestion]) -> list[HistoryEntry]:
    """One "suggested" entry per new pending suggestion, so the tag history shows what waits for a person."""
    entries = [
        _entry(
            s,
            action="suggested",
            source=SOURCE,
            confidence=s.confidence,
            actor="",
            reason=s.reason if s.action == ASSIGN else f"remove: {s.reason}",
            at=s.created_at,
        )
        for s in created
    ]
    return _with_ordered_ids(entries)


def rejected_entry(suggestion: Suggestion, *, actor: str, note: str, at: datetime) -> HistoryEntry:
    """The "rejected" history entry of a person's rejection, with the reviewer's note."""
    reason = f"rejected conversation suggestion {suggestion.id}" + (f": {note}" if note else "")
    entry = _entry(
        suggestion, action="rejected", source="manual", confidence=1.0, actor=actor, reason=reason, at=at
    )
    return _with_ordered_ids([entry])[0]


def _entry(
    suggestion: Suggestion,
    *,
    action: str,
    source: str,
    confidence: float,
    actor: str,
    reason: str,
    at: datetime,
) -> HistoryEntry:
    return HistoryEntry(
        id="",
        customer_id=suggestion.customer_id,
        tag_key=suggestion.tag_key,
        action=action,
        value=suggestion.value,
        previous_value="",
        source=source,
        confidence=confidence,
        evidence=evidence_of(suggestion),
        actor=actor,
        reason=reason,
        at=at,
    )


def _with_ordered_ids(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """Ids that sort in the order the entries happened, as `assignments/plan.py` gives its entries."""
    ids = sorted(new_id("th") for _ in entries)
    return [replace(e, id=ident) for e, ident in zip(entries, ids, strict=True)]
