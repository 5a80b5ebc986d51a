"""The tags service's domain records: definitions, assignments and history entries.

Enumerations are lowercase strings (`"enum"`, `"manual"`), the form they take in MongoDB documents
and in event data; `convert.py` maps them to and from the proto enums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CATEGORIES = ("basic", "behavior", "composite", "marketing", "system")
VALUE_TYPES = ("flag", "enum", "number", "text", "date")
UPDATE_CYCLES = ("realtime", "daily", "monthly", "quarterly")
TAG_STATUSES = ("active", "deprecated", "archived")
SOURCES = ("manual", "rule", "channel", "conversation", "model", "import", "system")
# Everything but a person is a machine source; a machine never overturns a person's decision.
MACHINE_SOURCES = frozenset(SOURCES) - {"manual"}

SYSTEM_CATEGORY = "system"
ADMIN_ROLE = "admin"


@dataclass(frozen=True, kw_only=True)
class ValueHints:
    """What makes one allowed value of an enum tag heard in a conversation."""

    value: str
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Hints:
    """Extraction hints for conversation tags (see `ExtractionHints` in tags.proto for their meaning)."""

    keywords: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    values: tuple[ValueHints, ...] = ()

    def is_empty(self) -> bool:
        return not (self.keywords or self.synonyms or self.patterns or self.values)


@dataclass(frozen=True, kw_only=True)
class TagDef:
    """One tag of a tenant's library; `key` is unique per tenant."""

    key: str
    display_name: str
    description: str = ""
    group: str = ""
    category: str
    value_type: str
    allowed_values: tuple[str, ...] = ()
    exclusive: bool = False
    update_cycle: str = "realtime"
    ttl_days: int = 0
    assign_roles: tuple[str, ...] = ()
    status: str = "active"
    hints: Hints = field(default_factory=Hints)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    merged_into: str = ""  # the tag this one was merged into (it is then archived for good)

    def same_content(self, other: TagDef) -> bool:
        """True when only the timestamps differ (a re-definition that changes nothing)."""
        return _without_times(self) == _without_times(other)


def _without_times(definition: TagDef) -> tuple[Any, ...]:
    return (
        definition.key,
        definition.display_name,
        definition.description,
        definition.group,
        definition.category,
        definition.value_type,
        definition.allowed_values,
        definition.exclusive,
        definition.update_cycle,
        definition.ttl_days,
        definition.assign_roles,
        definition.status,
        definition.hints,
        definition.merged_into,
    )


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """Why a tag was assigned: the rule, channel code, conversation span or events behind it."""

    rule_id: str = ""
    channel_code: str = ""
    conversation_id: str = ""
    quote: str = ""
    event_ids: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """The one active value of one tag for one customer, with its provenance."""

    customer_id: str
    tag_key: str
    value: str
    source: str
    confidence: float
    evidence: Evidence
    actor: str
    assigned_at: datetime
    expires_at: datetime | None = None
    status: str = "active"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True, kw_only=True)
class AssignInput:
    """One validated item of an assignment request (defaults already applied)."""

    tag_key: str
    value: str
    source: str = "manual"
    confidence: float = 1.0
    evidence: Evidence = field(default_factory=Evidence)
    expires_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class HistoryEntry:
    """One line of the append-only history: assigned | replaced | removed | expired."""

    id: str
    customer_id: str
    tag_key: str
    action: str
    value: str
    previous_value: str
    source: str
    confidence: float
    evidence: Evidence
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Skipped:
    """An input that changed nothing, with why ("unchanged" or "human_decision")."""

    tag_key: str
    value: str
    reason: str
