"""GraphQL enums mirroring the proto enums, and the conversions between the two.

Proto enum value names carry a prefix (`TAG_CATEGORY_BASIC`); GraphQL names drop it (`BASIC`).
`*_UNSPECIFIED` has no GraphQL value: it reads as null and is what an omitted input sends.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

import strawberry
from crm.intent.v1 import intent_pb2
from crm.journey.v1 import journey_pb2
from crm.tags.v1 import tags_pb2


@strawberry.enum(description="Kind of tag: basic facts, behaviour, composite scores, marketing, system-set")
class TagCategory(Enum):
    BASIC = "basic"
    BEHAVIOR = "behavior"
    COMPOSITE = "composite"
    MARKETING = "marketing"
    SYSTEM = "system"


@strawberry.enum
class TagValueType(Enum):
    FLAG = "flag"
    ENUM = "enum"
    NUMBER = "number"
    TEXT = "text"
    DATE = "date"


@strawberry.enum
class UpdateCycle(Enum):
    REALTIME = "realtime"
    DAILY = "daily"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


@strawberry.enum
class TagStatus(Enum):
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    ARCHIVED = "archived"


@strawberry.enum(description="Where a tag assignment came from (its provenance)")
class TagSource(Enum):
    MANUAL = "manual"
    RULE = "rule"
    CHANNEL = "channel"
    CONVERSATION = "conversation"
    MODEL = "model"
    IMPORT = "import"
    SYSTEM = "system"


@strawberry.enum
class AssignmentStatus(Enum):
    ACTIVE = "active"
    SUGGESTED = "suggested"
    REJECTED = "rejected"
    EXPIRED = "expired"


@strawberry.enum
class IntentLevel(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@strawberry.enum(description="What a timeline entry is: a touchpoint, or another service's event")
class TimelineEntryKind(Enum):
    TOUCHPOINT = "touchpoint"
    INTENT_SURGE = "intent_surge"
    CONVERSATION = "conversation"
    TAG_CHANGE = "tag_change"
    INTENT_LEVEL = "intent_level"
    LEAD = "lead"


@strawberry.enum(description="First-party (own channels) or third-party (vendor) intent signal")
class SignalParty(Enum):
    FIRST = "first"
    THIRD = "third"


@strawberry.enum(description="What a third-party provider matched a signal to")
class SignalMatch(Enum):
    ACCOUNT = "account"
    CONTACT = "contact"


@strawberry.enum(description="What changed a customer's intent score")
class ScoreChangeCause(Enum):
    SIGNALS = "signals"
    DECAY = "decay"
    MODEL = "model"
    PROFILE = "profile"
    CONTACT = "contact"


@strawberry.enum(description="Where a conversation took place")
class ConversationChannel(Enum):
    CALL = "call"
    WECHAT = "wechat"
    WECOM = "wecom"
    MEETING = "meeting"
    EMAIL = "email"


@strawberry.enum(description="Who spoke a turn: only what the customer says is evidence about them")
class Speaker(Enum):
    CUSTOMER = "customer"
    REP = "rep"


@strawberry.enum(description="Where a conversation suggestion stands")
class SuggestionStatus(Enum):
    PENDING = "pending"
    APPLIED = "applied"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@strawberry.enum(description="What a suggestion proposes: set the value, or remove a contradicted one")
class SuggestionAction(Enum):
    ASSIGN = "assign"
    REMOVE = "remove"


@strawberry.enum(description="A person's decision on a suggestion; final for that customer and value")
class ReviewDecision(Enum):
    ACCEPT = "accept"
    REJECT = "reject"


E = TypeVar("E", bound=Enum)

# GraphQL enum -> (proto enum wrapper, value-name prefix)
_PROTO: dict[type[Enum], tuple[Any, str]] = {
    TagCategory: (tags_pb2.TagCategory, "TAG_CATEGORY_"),
    TagValueType: (tags_pb2.TagValueType, "TAG_VALUE_TYPE_"),
    UpdateCycle: (tags_pb2.UpdateCycle, "UPDATE_CYCLE_"),
    TagStatus: (tags_pb2.TagStatus, "TAG_STATUS_"),
    TagSource: (tags_pb2.TagSource, "TAG_SOURCE_"),
    AssignmentStatus: (tags_pb2.AssignmentStatus, "ASSIGNMENT_STATUS_"),
    IntentLevel: (intent_pb2.IntentLevel, "INTENT_LEVEL_"),
    SignalParty: (intent_pb2.SignalParty, "SIGNAL_PARTY_"),
    SignalMatch: (intent_pb2.SignalMatch, "SIGNAL_MATCH_"),
    ScoreChangeCause: (intent_pb2.ScoreChangeCause, "SCORE_CHANGE_CAUSE_"),
    TimelineEntryKind: (journey_pb2.TimelineEntryKind, "TIMELINE_ENTRY_KIND_"),
    ConversationChannel: (tags_pb2.ConversationChannel, "CONVERSATION_CHANNEL_"),
    Speaker: (tags_pb2.Speaker, "SPEAKER_"),
    SuggestionStatus: (tags_pb2.SuggestionStatus, "SUGGESTION_STATUS_"),
    SuggestionAction: (tags_pb2.SuggestionAction, "SUGGESTION_ACTION_"),
    ReviewDecision: (tags_pb2.ReviewDecision, "REVIEW_DECISION_"),
}


def from_proto_enum(enum: type[E], value: int) -> E | None:
    """The GraphQL value of a proto enum number; None for UNSPECIFIED or a number this build does not know."""
    wrapper, prefix = _PROTO[enum]
    try:
        name = str(wrapper.Name(value)).removeprefix(prefix)
    except ValueError:
        return None
    return enum.__members__.get(name)


def to_proto_enum(value: Enum | None) -> int:
    """The proto enum number of a GraphQL value; UNSPECIFIED (0) for None."""
    if value is None:
        return 0
    wrapper, prefix = _PROTO[type(value)]
    return int(wrapper.Value(prefix + value.name))
