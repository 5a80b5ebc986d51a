"""Explain as the API returns it: `match.explain`'s tree shaped into `ExplainNode` messages.

The per-customer matcher decides (`match.py`, the reference semantics); this module only converts
each node's kind, text, result and reason, and for a predicate the active value it looked at (value,
source, confidence, actor, times, an evidence summary), or nothing when the customer has none.
"""

from __future__ import annotations

from crm.tags.v1 import segments_pb2

from common.timeutil import to_timestamp
from services.tags.segments.explanation import Explanation


def explanation_to_proto(node: Explanation) -> segments_pb2.ExplainNode:
    message = segments_pb2.ExplainNode(
        kind=node.kind,
        text=node.text,
        result=node.result,
        reason=node.reason,
        tag_key=node.tag,
        tag_name=node.tag_name,
        children=[explanation_to_proto(c) for c in node.children],
    )
    if node.facts is not None:
        facts = node.facts
        message.values.append(
            segments_pb2.ExplainedValue(
                tag_key=node.tag,
                value=facts.value,
                source=facts.source,
                assigned_at=to_timestamp(facts.assigned_at),
                expires_at=to_timestamp(facts.expires_at),
                actor=facts.actor,
                confidence=facts.confidence,
                evidence=facts.evidence,
            )
        )
    return message
