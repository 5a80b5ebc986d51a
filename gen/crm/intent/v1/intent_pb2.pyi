import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignalParty(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNAL_PARTY_UNSPECIFIED: _ClassVar[SignalParty]
    SIGNAL_PARTY_FIRST: _ClassVar[SignalParty]
    SIGNAL_PARTY_THIRD: _ClassVar[SignalParty]

class IntentLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTENT_LEVEL_UNSPECIFIED: _ClassVar[IntentLevel]
    INTENT_LEVEL_LOW: _ClassVar[IntentLevel]
    INTENT_LEVEL_MEDIUM: _ClassVar[IntentLevel]
    INTENT_LEVEL_HIGH: _ClassVar[IntentLevel]

class SignalMatch(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNAL_MATCH_UNSPECIFIED: _ClassVar[SignalMatch]
    SIGNAL_MATCH_ACCOUNT: _ClassVar[SignalMatch]
    SIGNAL_MATCH_CONTACT: _ClassVar[SignalMatch]

class ScoreChangeCause(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_CHANGE_CAUSE_UNSPECIFIED: _ClassVar[ScoreChangeCause]
    SCORE_CHANGE_CAUSE_SIGNALS: _ClassVar[ScoreChangeCause]
    SCORE_CHANGE_CAUSE_DECAY: _ClassVar[ScoreChangeCause]
    SCORE_CHANGE_CAUSE_MODEL: _ClassVar[ScoreChangeCause]
    SCORE_CHANGE_CAUSE_PROFILE: _ClassVar[ScoreChangeCause]
    SCORE_CHANGE_CAUSE_CONTACT: _ClassVar[ScoreChangeCause]
SIGNAL_PARTY_UNSPECIFIED: SignalParty
SIGNAL_PARTY_FIRST: SignalParty
SIGNAL_PARTY_THIRD: SignalParty
INTENT_LEVEL_UNSPECIFIED: IntentLevel
INTENT_LEVEL_LOW: IntentLevel
INTENT_LEVEL_MEDIUM: IntentLevel
INTENT_LEVEL_HIGH: IntentLevel
SIGNAL_MATCH_UNSPECIFIED: SignalMatch
SIGNAL_MATCH_ACCOUNT: SignalMatch
SIGNAL_MATCH_CONTACT: SignalMatch
SCORE_CHANGE_CAUSE_UNSPECIFIED: ScoreChangeCause
SCORE_CHANGE_CAUSE_SIGNALS: ScoreChangeCause
SCORE_CHANGE_CAUSE_DECAY: ScoreChangeCause
SCORE_CHANGE_CAUSE_MODEL: ScoreChangeCause
SCORE_CHANGE_CAUSE_PROFILE: ScoreChangeCause
SCORE_CHANGE_CAUSE_CONTACT: ScoreChangeCause

class Signal(_message.Message):
    __slots__ = ("id", "customer_id", "type", "party", "topic", "occurred_at", "properties", "source", "matched_on", "matched_value")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ON_FIELD_NUMBER: _ClassVar[int]
    MATCHED_VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    type: str
    party: SignalParty
    topic: str
    occurred_at: _timestamp_pb2.Timestamp
    properties: _containers.ScalarMap[str, str]
    source: str
    matched_on: SignalMatch
    matched_value: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., type: _Optional[str] = ..., party: _Optional[_Union[SignalParty, str]] = ..., topic: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., properties: _Optional[_Mapping[str, str]] = ..., source: _Optional[str] = ..., matched_on: _Optional[_Union[SignalMatch, str]] = ..., matched_value: _Optional[str] = ...) -> None: ...

class IngestSignalsRequest(_message.Message):
    __slots__ = ("signals",)
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    signals: _containers.RepeatedCompositeFieldContainer[Signal]
    def __init__(self, signals: _Optional[_Iterable[_Union[Signal, _Mapping]]] = ...) -> None: ...

class IngestSignalsResponse(_message.Message):
    __slots__ = ("accepted", "duplicates", "signal_ids")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_IDS_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    duplicates: int
    signal_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, accepted: _Optional[int] = ..., duplicates: _Optional[int] = ..., signal_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SignalContribution(_message.Message):
    __slots__ = ("signal_id", "type", "topic", "occurred_at", "points", "party", "source", "matched_on", "matched_value")
    SIGNAL_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_ON_FIELD_NUMBER: _ClassVar[int]
    MATCHED_VALUE_FIELD_NUMBER: _ClassVar[int]
    signal_id: str
    type: str
    topic: str
    occurred_at: _timestamp_pb2.Timestamp
    points: float
    party: SignalParty
    source: str
    matched_on: SignalMatch
    matched_value: str
    def __init__(self, signal_id: _Optional[str] = ..., type: _Optional[str] = ..., topic: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., points: _Optional[float] = ..., party: _Optional[_Union[SignalParty, str]] = ..., source: _Optional[str] = ..., matched_on: _Optional[_Union[SignalMatch, str]] = ..., matched_value: _Optional[str] = ...) -> None: ...

class ScoreComponents(_message.Message):
    __slots__ = ("frequency", "engagement", "recency", "cap", "fit")
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_FIELD_NUMBER: _ClassVar[int]
    RECENCY_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    FIT_FIELD_NUMBER: _ClassVar[int]
    frequency: float
    engagement: float
    recency: float
    cap: float
    fit: float
    def __init__(self, frequency: _Optional[float] = ..., engagement: _Optional[float] = ..., recency: _Optional[float] = ..., cap: _Optional[float] = ..., fit: _Optional[float] = ...) -> None: ...

class SignalTypeScore(_message.Message):
    __slots__ = ("type", "label", "count", "recent_count", "points")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    RECENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    type: str
    label: str
    count: int
    recent_count: int
    points: float
    def __init__(self, type: _Optional[str] = ..., label: _Optional[str] = ..., count: _Optional[int] = ..., recent_count: _Optional[int] = ..., points: _Optional[float] = ...) -> None: ...

class TopicScore(_message.Message):
    __slots__ = ("topic", "points")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    topic: str
    points: float
    def __init__(self, topic: _Optional[str] = ..., points: _Optional[float] = ...) -> None: ...

class IntentScore(_message.Message):
    __slots__ = ("customer_id", "score", "level", "raw_points", "signal_count", "topics", "top_signals", "computed_at", "last_signal_at", "components", "fit_multiplier", "types", "model_version")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    RAW_POINTS_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    TOP_SIGNALS_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SIGNAL_AT_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    FIT_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    score: float
    level: IntentLevel
    raw_points: float
    signal_count: int
    topics: _containers.RepeatedCompositeFieldContainer[TopicScore]
    top_signals: _containers.RepeatedCompositeFieldContainer[SignalContribution]
    computed_at: _timestamp_pb2.Timestamp
    last_signal_at: _timestamp_pb2.Timestamp
    components: ScoreComponents
    fit_multiplier: float
    types: _containers.RepeatedCompositeFieldContainer[SignalTypeScore]
    model_version: int
    def __init__(self, customer_id: _Optional[str] = ..., score: _Optional[float] = ..., level: _Optional[_Union[IntentLevel, str]] = ..., raw_points: _Optional[float] = ..., signal_count: _Optional[int] = ..., topics: _Optional[_Iterable[_Union[TopicScore, _Mapping]]] = ..., top_signals: _Optional[_Iterable[_Union[SignalContribution, _Mapping]]] = ..., computed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_signal_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., components: _Optional[_Union[ScoreComponents, _Mapping]] = ..., fit_multiplier: _Optional[float] = ..., types: _Optional[_Iterable[_Union[SignalTypeScore, _Mapping]]] = ..., model_version: _Optional[int] = ...) -> None: ...

class GetScoreRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class BatchGetScoresRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetScoresResponse(_message.Message):
    __slots__ = ("scores",)
    SCORES_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedCompositeFieldContainer[IntentScore]
    def __init__(self, scores: _Optional[_Iterable[_Union[IntentScore, _Mapping]]] = ...) -> None: ...

class ScoreHistoryEntry(_message.Message):
    __slots__ = ("id", "at", "cause", "score", "level", "previous_score", "previous_level", "reason", "signal_ids", "surge_reason", "model_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SCORE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_IDS_FIELD_NUMBER: _ClassVar[int]
    SURGE_REASON_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    at: _timestamp_pb2.Timestamp
    cause: ScoreChangeCause
    score: float
    level: IntentLevel
    previous_score: float
    previous_level: IntentLevel
    reason: str
    signal_ids: _containers.RepeatedScalarFieldContainer[str]
    surge_reason: str
    model_version: int
    def __init__(self, id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cause: _Optional[_Union[ScoreChangeCause, str]] = ..., score: _Optional[float] = ..., level: _Optional[_Union[IntentLevel, str]] = ..., previous_score: _Optional[float] = ..., previous_level: _Optional[_Union[IntentLevel, str]] = ..., reason: _Optional[str] = ..., signal_ids: _Optional[_Iterable[str]] = ..., surge_reason: _Optional[str] = ..., model_version: _Optional[int] = ...) -> None: ...

class ListScoreHistoryRequest(_message.Message):
    __slots__ = ("customer_id", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListScoreHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ScoreHistoryEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[ScoreHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
