"""Does one customer belong to a segment, and why: the per-customer meaning of the expression tree.

This is the reference semantics the index evaluator must agree with (docs/segments.md "What a
segment means"):
- only *active* assignments count: status "active" and not expired at `now` (`is_expired`); an
  expired value that is still stored is absent;
- NOT is the complement within the tenant's known customers: for one known customer, plain negation;
- Equals/In compare the stored value string exactly; a Range compares the value's `range_point`
  (numbers as floats, `YYYY-MM-DD` values as date ordinals) against bounds with their inclusivity;
- BySource: the active value's source is listed; AssignedWithin: assigned at or after `after_ms`,
  strictly before `before_ms`, and at or after `now - last_days` days (epoch milliseconds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from services.tags.model import Assignment, Evidence, TagDef
from services.tags.segments.explanation import Explanation, Facts
from services.tags.segments.expression import (
    And,
    AssignedWithin,
    BySource,
    Equals,
    Has,
    In,
    Node,
    Not,
    Or,
    Predicate,
    Range,
    range_point,
)
from services.tags.segments.printer import to_text

DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Assignments = Mapping[str, Assignment]


def epoch_ms(moment: datetime) -> int:
    """Integer epoch milliseconds (a naive datetime is taken as UTC, as MongoDB stores times)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def active(assignments: Assignments, tag: str, now: datetime) -> Assignment | None:
    """The customer's active value of `tag`, or None (absent, not active, or expired at `now`)."""
    found = assignments.get(tag)
    if found is None or found.status != "active" or found.is_expired(now):
        return None
    return found


def matches(node: Node, assignments: Assignments, *, now: datetime) -> bool:
    """Whether the customer whose assignments (tag key → Assignment) these are is in the segment."""
    if isinstance(node, And):
        return all(matches(c, assignments, now=now) for c in node.children)
    if isinstance(node, Or):
        return any(matches(c, assignments, now=now) for c in node.children)
    if isinstance(node, Not):
        return not matches(node.child, assignments, now=now)
    return holds(node, active(assignments, node.tag, now), now=now)


def holds(predicate: Predicate, value: Assignment | None, *, now: datetime) -> bool:
    """Whether one predicate holds given the tag's active assignment (None: no active value)."""
    if value is None:
        return False
    if isinstance(predicate, Has):
        return True
    if isinstance(predicate, Equals):
        return value.value == predicate.value
    if isinstance(predicate, In):
        return value.value in predicate.values
    if isinstance(predicate, Range):
        return _in_range(predicate, value.value)
    if isinstance(predicate, BySource):
        return value.source in predicate.sources
    return _in_window(predicate, epoch_ms(value.assigned_at), epoch_ms(now))


def _in_range(predicate: Range, stored: str) -> bool:
    try:
        point = range_point("date" if _DATE.match(stored) else "number", stored)
    except ValueError:  # not a number or date: never in a range
        return False
    low, high = predicate.low, predicate.high
    if low is not None and (point < low or (point == low and not predicate.low_inclusive)):
        return False
    return not (high is not None and (point > high or (point == high and not predicate.high_inclusive)))


def window_ms(predicate: AssignedWithin, now_ms: int) -> tuple[int | None, int | None]:
    """The half-open window [after, before) of assignment times an AssignedWithin accepts at `now_ms`
    (None: unbounded) — `last_days` folded into `after`, so the index asks `assigned_between` once."""
    after = predicate.after_ms
    if predicate.last_days is not None:
        start = now_ms - predicate.last_days * DAY_MS
        after = start if after is None else max(after, start)
    return after, predicate.before_ms


def _in_window(predicate: AssignedWithin, assigned_ms: int, now_ms: int) -> bool:
    after, before = window_ms(predicate, now_ms)
    return (after is None or assigned_ms >= after) and (before is None or assigned_ms < before)


def explain(
    node: Node,
    assignments: Assignments,
    *,
    now: datetime,
    definitions: Mapping[str, TagDef],
    display_names: bool = True,
) -> Explanation:
    """The tree with each node's outcome and, for each predicate, the value that decided it.

    Its `result` equals `matches(node, assignments, now=now)` (the same functions decide both).
    Texts use display names where they read back as the same tag (`display_names=False`: keys).
    """
    names = {k: d.display_name for k, d in definitions.items()} if display_names else None
    types = {k: d.value_type for k, d in definitions.items()}

    def walk(current: Node) -> Explanation:
        text = to_text(current, names, value_types=types)
        if isinstance(current, (And, Or, Not)):
            children = (current.child,) if isinstance(current, Not) else current.children
            explained = tuple(walk(c) for c in children)
            outcomes = [e.result for e in explained]
            if isinstance(current, Not):
                result, reason = not outcomes[0], "the negated part is " + str(outcomes[0]).lower()
            elif isinstance(current, And):
                result = all(outcomes)
                reason = (
                    "every part holds" if result else f"{outcomes.count(False)} of {len(outcomes)} parts fail"
                )
            else:
                result = any(outcomes)
                reason = (
                    f"{outcomes.count(True)} of {len(outcomes)} parts hold" if result else "no part holds"
                )
            return Explanation(
                text=text, result=result, kind=_KINDS[type(current)], children=explained, reason=reason
            )
        value = active(assignments, current.tag, now)
        definition = definitions.get(current.tag)
        return Explanation(
            text=text,
            result=holds(current, value, now=now),
            kind=_KINDS[type(current)],
            tag=current.tag,
            tag_name=definition.display_name if definition else current.tag,
            facts=_facts(value) if value else None,
            reason=_why(current, value, assignments.get(current.tag), now),
        )

    return walk(node)


_KINDS: dict[type, str] = {
    And: "and",
    Or: "or",
    Not: "not",
    Has: "has",
    Equals: "equals",
    In: "in",
    Range: "range",
    BySource: "by_source",
    AssignedWithin: "assigned_within",
}


def _facts(value: Assignment) -> Facts:
    return Facts(
        value=value.value,
        source=value.source,
        confidence=value.confidence,
        actor=value.actor,
        assigned_at=value.assigned_at,
        expires_at=value.expires_at,
        evidence=evidence_summary(value.evidence),
    )


def evidence_summary(evidence: Evidence) -> str:
    """One line saying what lies behind an assignment (rule, channel code, quote, events, note)."""
    parts: list[str] = []
    if evidence.rule_id:
        parts.append(f"rule {evidence.rule_id}")
    if evidence.channel_code:
        parts.append(f"channel code {evidence.channel_code}")
    if evidence.conversation_id:
        quote = f" 「{evidence.quote}」" if evidence.quote else ""
        parts.append(f"conversation {evidence.conversation_id}{quote}")
    if evidence.event_ids:
        parts.append("events " + ", ".join(evidence.event_ids))
    if evidence.note:
        parts.append(f"note: {evidence.note}")
    return "; ".join(parts)


def _why(predicate: Predicate, value: Assignment | None, stored: Assignment | None, now: datetime) -> str:
    if value is None:
        if stored is not None and stored.is_expired(now):
            return f"no active value (expired at {_iso(stored.expires_at)})"
        if stored is not None:
            return f"no active value (status {stored.status})"
        return "no active value"
    shown = repr(value.value) if value.value else "set"
    if isinstance(predicate, Has):
        return f"has the tag ({shown})"
    if isinstance(predicate, BySource):
        return f"assigned by {value.source}"
    if isinstance(predicate, AssignedWithin):
        return f"assigned at {_iso(value.assigned_at)}"
    return f"value is {shown}"


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return datetime.fromtimestamp(epoch_ms(moment) / 1000, UTC).isoformat().replace("+00:00", "Z")
