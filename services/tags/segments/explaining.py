"""Explain as the API returns it: the matcher's verdict per node, with the values that decided it.

The per-customer matcher (`match.py`) judges every node from the customer's stored assignments; this
module only shapes that into `ExplainNode` messages: each node's kind, text, result, and for a
predicate the tag value it looked at (value, source, actor, assigned/expiry times) or the fact that
the customer has no active value of that tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from crm.tags.v1 import segments_pb2

from common.timeutil import to_timestamp
from services.tags.model import Assignment
from services.tags.segments import codec
from services.tags.segments.expression import And, Node, Not, Or
from services.tags.segments.membership import customer_matches


def _text(node: Node) -> str:
    from services.tags.segments.parser import to_text

    return to_text(node)


def _value(a: Assignment) -> segments_pb2.ExplainedValue:
    return segments_pb2.ExplainedValue(
        tag_key=a.tag_key,
        value=a.value,
        source=a.source,
        assigned_at=to_timestamp(a.assigned_at),
        expires_at=to_timestamp(a.expires_at),
        actor=a.actor,
    )


def _reason(node: Node, result: bool, active: Assignment | None, expired: Assignment | None) -> str:
    if isinstance(node, And):
        return "every part holds" if result else "a part does not hold"
    if isinstance(node, Or):
        return "a part holds" if result else "no part holds"
    if isinstance(node, Not):
        return "the inner part does not hold" if result else "the inner part holds"
    if active is None:
        if expired is not None:
            return f"{node.tag} expired at {expired.expires_at.isoformat() if expired.expires_at else ''}"
        return f"the customer has no {node.tag}"
    shown = f"{node.tag} = {active.value}" if active.value else node.tag
    return f"{shown} ({active.source}), which {'satisfies' if result else 'does not satisfy'} this"


def explain_node(
    node: Node, assignments: Mapping[str, Assignment], *, now: datetime
) -> segments_pb2.ExplainNode:
    """The explanation of `node` for a customer with these stored assignments, judged at `now`."""
    result = customer_matches(node, assignments, now)
    message = segments_pb2.ExplainNode(kind=codec.kind(node), text=_text(node), result=result)
    active: Assignment | None = None
    expired: Assignment | None = None
    if isinstance(node, (And, Or)):
        message.children.extend(explain_node(c, assignments, now=now) for c in node.children)
    elif isinstance(node, Not):
        message.children.append(explain_node(node.child, assignments, now=now))
    else:
        stored = assignments.get(node.tag)
        if stored is not None and stored.is_expired(now):
            expired = stored
        else:
            active = stored
        message.tag_key = node.tag
        if active is not None:
            message.values.append(_value(active))
    message.reason = _reason(node, result, active, expired)
    return message


def explain_customer(
    node: Node, assignments: Mapping[str, Assignment], *, now: datetime
) -> tuple[segments_pb2.ExplainNode, bool]:
    root = explain_node(node, assignments, now=now)
    return root, root.result
