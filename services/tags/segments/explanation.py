"""What explain returns: the segment's tree with outcomes and the tag values that decided them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Facts:
    """The active assignment a predicate looked at: value, provenance, times, evidence summary."""

    value: str
    source: str
    confidence: float
    actor: str
    assigned_at: datetime
    expires_at: datetime | None
    evidence: str


@dataclass(frozen=True, kw_only=True)
class Explanation:
    """One node of the tree: its canonical `text`, whether it holds, and why.

    `kind` is and | or | not | has | equals | in | range | by_source | assigned_within. Predicates
    carry `tag` (key), `tag_name` (display name) and `facts` (None: the customer has no active
    value of the tag, `reason` then says whether it expired); boolean nodes carry `children`.
    """

    text: str
    result: bool
    kind: str
    reason: str
    children: tuple[Explanation, ...] = ()
    tag: str = ""
    tag_name: str = ""
    facts: Facts | None = None

    def predicates(self) -> list[Explanation]:
        """The predicate nodes, left to right (what a flat "why" list shows)."""
        if not self.children:
            return [self]
        return [p for child in self.children for p in child.predicates()]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (times as RFC 3339 `Z` strings), for logs, events and tests."""
        data: dict[str, Any] = {
            "text": self.text,
            "result": self.result,
            "kind": self.kind,
            "reason": self.reason,
        }
        if self.children:
            data["children"] = [c.to_dict() for c in self.children]
        if self.tag:
            data["tag"] = self.tag
            data["tag_name"] = self.tag_name
            data["facts"] = None if self.facts is None else _facts_dict(self.facts)
        return data


def _facts_dict(facts: Facts) -> dict[str, Any]:
    return {
        "value": facts.value,
        "source": facts.source,
        "confidence": facts.confidence,
        "actor": facts.actor,
        "assigned_at": _iso(facts.assigned_at),
        "expires_at": _iso(facts.expires_at) if facts.expires_at else None,
        "evidence": facts.evidence,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
