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

class ModelRescoreState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_RESCORE_STATE_UNSPECIFIED: _ClassVar[ModelRescoreState]
    MODEL_RESCORE_STATE_RUNNING: _ClassVar[ModelRescoreState]
    MODEL_RESCORE_STATE_DONE: _ClassVar[ModelRescoreState]
    MODEL_RESCORE_STATE_SUPERSEDED: _ClassVar[ModelRescoreState]

class DataMigrationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_MIGRATION_STATE_UNSPECIFIED: _ClassVar[DataMigrationState]
    DATA_MIGRATION_STATE_NONE: _ClassVar[DataMigrationState]
    DATA_MIGRATION_STATE_PENDING: _ClassVar[DataMigrationState]
    DATA_MIGRATION_STATE_SIGNALS: _ClassVar[DataMigrationState]
    DATA_MIGRATION_STATE_AGGREGATES: _ClassVar[DataMigrationState]
    DATA_MIGRATION_STATE_DONE: _ClassVar[DataMigrationState]
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
MODEL_RESCORE_STATE_UNSPECIFIED: ModelRescoreState
MODEL_RESCORE_STATE_RUNNING: ModelRescoreState
MODEL_RESCORE_STATE_DONE: ModelRescoreState
MODEL_RESCORE_STATE_SUPERSEDED: ModelRescoreState
DATA_MIGRATION_STATE_UNSPECIFIED: DataMigrationState
DATA_MIGRATION_STATE_NONE: DataMigrationState
DATA_MIGRATION_STATE_PENDING: DataMigrationState
DATA_MIGRATION_STATE_SIGNALS: DataMigrationState
DATA_MIGRATION_STATE_AGGREGATES: DataMigrationState
DATA_MIGRATION_STATE_DONE: DataMigrationState

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
    __slots__ = ("customer_id", "score", "level", "raw_points", "signal_count", "topics", "top_signals", "computed_at", "last_signal_at", "components", "fit_multiplier", "types", "model_version", "surge")
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
    SURGE_FIELD_NUMBER: _ClassVar[int]
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
    surge: IntentSurge
    def __init__(self, customer_id: _Optional[str] = ..., score: _Optional[float] = ..., level: _Optional[_Union[IntentLevel, str]] = ..., raw_points: _Optional[float] = ..., signal_count: _Optional[int] = ..., topics: _Optional[_Iterable[_Union[TopicScore, _Mapping]]] = ..., top_signals: _Optional[_Iterable[_Union[SignalContribution, _Mapping]]] = ..., computed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_signal_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., components: _Optional[_Union[ScoreComponents, _Mapping]] = ..., fit_multiplier: _Optional[float] = ..., types: _Optional[_Iterable[_Union[SignalTypeScore, _Mapping]]] = ..., model_version: _Optional[int] = ..., surge: _Optional[_Union[IntentSurge, _Mapping]] = ...) -> None: ...

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

class SignalTypeRule(_message.Message):
    __slots__ = ("type", "weight", "cap", "label")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    type: str
    weight: float
    cap: float
    label: str
    def __init__(self, type: _Optional[str] = ..., weight: _Optional[float] = ..., cap: _Optional[float] = ..., label: _Optional[str] = ...) -> None: ...

class FitRule(_message.Message):
    __slots__ = ("attribute", "value", "multiplier")
    ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    attribute: str
    value: str
    multiplier: float
    def __init__(self, attribute: _Optional[str] = ..., value: _Optional[str] = ..., multiplier: _Optional[float] = ...) -> None: ...

class SurgeRule(_message.Message):
    __slots__ = ("window_days", "baseline_days", "min_signals", "ratio", "cooldown_hours", "min_weight")
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_DAYS_FIELD_NUMBER: _ClassVar[int]
    MIN_SIGNALS_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_HOURS_FIELD_NUMBER: _ClassVar[int]
    MIN_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    window_days: int
    baseline_days: int
    min_signals: int
    ratio: float
    cooldown_hours: float
    min_weight: float
    def __init__(self, window_days: _Optional[int] = ..., baseline_days: _Optional[int] = ..., min_signals: _Optional[int] = ..., ratio: _Optional[float] = ..., cooldown_hours: _Optional[float] = ..., min_weight: _Optional[float] = ...) -> None: ...

class CallListRule(_message.Message):
    __slots__ = ("surge_boost", "surge_half_life_hours", "surge_open_days")
    SURGE_BOOST_FIELD_NUMBER: _ClassVar[int]
    SURGE_HALF_LIFE_HOURS_FIELD_NUMBER: _ClassVar[int]
    SURGE_OPEN_DAYS_FIELD_NUMBER: _ClassVar[int]
    surge_boost: float
    surge_half_life_hours: float
    surge_open_days: int
    def __init__(self, surge_boost: _Optional[float] = ..., surge_half_life_hours: _Optional[float] = ..., surge_open_days: _Optional[int] = ...) -> None: ...

class IntentModel(_message.Message):
    __slots__ = ("version", "signal_types", "default_weight", "half_life_days", "window_days", "saturation", "type_cap", "third_party_factor", "engaged_dwell_seconds", "dwell_factor", "engaged_depth", "depth_factor", "fit", "medium_threshold", "high_threshold", "surge", "call_list", "contact_types")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_TYPES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    HALF_LIFE_DAYS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    SATURATION_FIELD_NUMBER: _ClassVar[int]
    TYPE_CAP_FIELD_NUMBER: _ClassVar[int]
    THIRD_PARTY_FACTOR_FIELD_NUMBER: _ClassVar[int]
    ENGAGED_DWELL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DWELL_FACTOR_FIELD_NUMBER: _ClassVar[int]
    ENGAGED_DEPTH_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FACTOR_FIELD_NUMBER: _ClassVar[int]
    FIT_FIELD_NUMBER: _ClassVar[int]
    MEDIUM_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    HIGH_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SURGE_FIELD_NUMBER: _ClassVar[int]
    CALL_LIST_FIELD_NUMBER: _ClassVar[int]
    CONTACT_TYPES_FIELD_NUMBER: _ClassVar[int]
    version: int
    signal_types: _containers.RepeatedCompositeFieldContainer[SignalTypeRule]
    default_weight: float
    half_life_days: float
    window_days: int
    saturation: float
    type_cap: float
    third_party_factor: float
    engaged_dwell_seconds: float
    dwell_factor: float
    engaged_depth: float
    depth_factor: float
    fit: _containers.RepeatedCompositeFieldContainer[FitRule]
    medium_threshold: float
    high_threshold: float
    surge: SurgeRule
    call_list: CallListRule
    contact_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, version: _Optional[int] = ..., signal_types: _Optional[_Iterable[_Union[SignalTypeRule, _Mapping]]] = ..., default_weight: _Optional[float] = ..., half_life_days: _Optional[float] = ..., window_days: _Optional[int] = ..., saturation: _Optional[float] = ..., type_cap: _Optional[float] = ..., third_party_factor: _Optional[float] = ..., engaged_dwell_seconds: _Optional[float] = ..., dwell_factor: _Optional[float] = ..., engaged_depth: _Optional[float] = ..., depth_factor: _Optional[float] = ..., fit: _Optional[_Iterable[_Union[FitRule, _Mapping]]] = ..., medium_threshold: _Optional[float] = ..., high_threshold: _Optional[float] = ..., surge: _Optional[_Union[SurgeRule, _Mapping]] = ..., call_list: _Optional[_Union[CallListRule, _Mapping]] = ..., contact_types: _Optional[_Iterable[str]] = ...) -> None: ...

class ModelRescore(_message.Message):
    __slots__ = ("state", "done", "total", "started_at", "finished_at")
    STATE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    state: ModelRescoreState
    done: int
    total: int
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[_Union[ModelRescoreState, str]] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IntentModelVersion(_message.Message):
    __slots__ = ("model", "actor", "note", "created_at", "rescore", "known_signal_types", "current")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESCORE_FIELD_NUMBER: _ClassVar[int]
    KNOWN_SIGNAL_TYPES_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    model: IntentModel
    actor: str
    note: str
    created_at: _timestamp_pb2.Timestamp
    rescore: ModelRescore
    known_signal_types: _containers.RepeatedScalarFieldContainer[str]
    current: bool
    def __init__(self, model: _Optional[_Union[IntentModel, _Mapping]] = ..., actor: _Optional[str] = ..., note: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rescore: _Optional[_Union[ModelRescore, _Mapping]] = ..., known_signal_types: _Optional[_Iterable[str]] = ..., current: _Optional[bool] = ...) -> None: ...

class GetIntentModelRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class ListIntentModelVersionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListIntentModelVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[IntentModelVersion]
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[IntentModelVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SignalTypeRuleInput(_message.Message):
    __slots__ = ("type", "weight", "cap", "label")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    type: str
    weight: float
    cap: float
    label: str
    def __init__(self, type: _Optional[str] = ..., weight: _Optional[float] = ..., cap: _Optional[float] = ..., label: _Optional[str] = ...) -> None: ...

class FitRuleList(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[FitRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[FitRule, _Mapping]]] = ...) -> None: ...

class StringList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class SurgeRulePatch(_message.Message):
    __slots__ = ("window_days", "baseline_days", "min_signals", "ratio", "cooldown_hours", "min_weight")
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_DAYS_FIELD_NUMBER: _ClassVar[int]
    MIN_SIGNALS_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_HOURS_FIELD_NUMBER: _ClassVar[int]
    MIN_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    window_days: int
    baseline_days: int
    min_signals: int
    ratio: float
    cooldown_hours: float
    min_weight: float
    def __init__(self, window_days: _Optional[int] = ..., baseline_days: _Optional[int] = ..., min_signals: _Optional[int] = ..., ratio: _Optional[float] = ..., cooldown_hours: _Optional[float] = ..., min_weight: _Optional[float] = ...) -> None: ...

class CallListRulePatch(_message.Message):
    __slots__ = ("surge_boost", "surge_half_life_hours", "surge_open_days")
    SURGE_BOOST_FIELD_NUMBER: _ClassVar[int]
    SURGE_HALF_LIFE_HOURS_FIELD_NUMBER: _ClassVar[int]
    SURGE_OPEN_DAYS_FIELD_NUMBER: _ClassVar[int]
    surge_boost: float
    surge_half_life_hours: float
    surge_open_days: int
    def __init__(self, surge_boost: _Optional[float] = ..., surge_half_life_hours: _Optional[float] = ..., surge_open_days: _Optional[int] = ...) -> None: ...

class IntentModelPatch(_message.Message):
    __slots__ = ("signal_types", "remove_signal_types", "default_weight", "half_life_days", "window_days", "saturation", "type_cap", "third_party_factor", "engaged_dwell_seconds", "dwell_factor", "engaged_depth", "depth_factor", "fit", "medium_threshold", "high_threshold", "surge", "call_list", "contact_types")
    SIGNAL_TYPES_FIELD_NUMBER: _ClassVar[int]
    REMOVE_SIGNAL_TYPES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    HALF_LIFE_DAYS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    SATURATION_FIELD_NUMBER: _ClassVar[int]
    TYPE_CAP_FIELD_NUMBER: _ClassVar[int]
    THIRD_PARTY_FACTOR_FIELD_NUMBER: _ClassVar[int]
    ENGAGED_DWELL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DWELL_FACTOR_FIELD_NUMBER: _ClassVar[int]
    ENGAGED_DEPTH_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FACTOR_FIELD_NUMBER: _ClassVar[int]
    FIT_FIELD_NUMBER: _ClassVar[int]
    MEDIUM_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    HIGH_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SURGE_FIELD_NUMBER: _ClassVar[int]
    CALL_LIST_FIELD_NUMBER: _ClassVar[int]
    CONTACT_TYPES_FIELD_NUMBER: _ClassVar[int]
    signal_types: _containers.RepeatedCompositeFieldContainer[SignalTypeRuleInput]
    remove_signal_types: _containers.RepeatedScalarFieldContainer[str]
    default_weight: float
    half_life_days: float
    window_days: int
    saturation: float
    type_cap: float
    third_party_factor: float
    engaged_dwell_seconds: float
    dwell_factor: float
    engaged_depth: float
    depth_factor: float
    fit: FitRuleList
    medium_threshold: float
    high_threshold: float
    surge: SurgeRulePatch
    call_list: CallListRulePatch
    contact_types: StringList
    def __init__(self, signal_types: _Optional[_Iterable[_Union[SignalTypeRuleInput, _Mapping]]] = ..., remove_signal_types: _Optional[_Iterable[str]] = ..., default_weight: _Optional[float] = ..., half_life_days: _Optional[float] = ..., window_days: _Optional[int] = ..., saturation: _Optional[float] = ..., type_cap: _Optional[float] = ..., third_party_factor: _Optional[float] = ..., engaged_dwell_seconds: _Optional[float] = ..., dwell_factor: _Optional[float] = ..., engaged_depth: _Optional[float] = ..., depth_factor: _Optional[float] = ..., fit: _Optional[_Union[FitRuleList, _Mapping]] = ..., medium_threshold: _Optional[float] = ..., high_threshold: _Optional[float] = ..., surge: _Optional[_Union[SurgeRulePatch, _Mapping]] = ..., call_list: _Optional[_Union[CallListRulePatch, _Mapping]] = ..., contact_types: _Optional[_Union[StringList, _Mapping]] = ...) -> None: ...

class UpdateIntentModelRequest(_message.Message):
    __slots__ = ("input", "note", "expected_version")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    input: IntentModelPatch
    note: str
    expected_version: int
    def __init__(self, input: _Optional[_Union[IntentModelPatch, _Mapping]] = ..., note: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class SurgingType(_message.Message):
    __slots__ = ("type", "label", "count", "usual")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    USUAL_FIELD_NUMBER: _ClassVar[int]
    type: str
    label: str
    count: int
    usual: float
    def __init__(self, type: _Optional[str] = ..., label: _Optional[str] = ..., count: _Optional[int] = ..., usual: _Optional[float] = ...) -> None: ...

class IntentSurge(_message.Message):
    __slots__ = ("at", "reason", "window_days", "types", "open")
    AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    reason: str
    window_days: int
    types: _containers.RepeatedCompositeFieldContainer[SurgingType]
    open: bool
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., window_days: _Optional[int] = ..., types: _Optional[_Iterable[_Union[SurgingType, _Mapping]]] = ..., open: _Optional[bool] = ...) -> None: ...

class ListCallListRequest(_message.Message):
    __slots__ = ("owner_ids", "all_owners", "page_size", "page_token")
    OWNER_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_OWNERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner_ids: _containers.RepeatedScalarFieldContainer[str]
    all_owners: bool
    page_size: int
    page_token: str
    def __init__(self, owner_ids: _Optional[_Iterable[str]] = ..., all_owners: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class CallListEntry(_message.Message):
    __slots__ = ("customer_id", "owner_id", "rank", "score", "level", "reason", "surge", "last_contact_at", "last_signal_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SURGE_FIELD_NUMBER: _ClassVar[int]
    LAST_CONTACT_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SIGNAL_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    owner_id: str
    rank: float
    score: float
    level: IntentLevel
    reason: str
    surge: IntentSurge
    last_contact_at: _timestamp_pb2.Timestamp
    last_signal_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., rank: _Optional[float] = ..., score: _Optional[float] = ..., level: _Optional[_Union[IntentLevel, str]] = ..., reason: _Optional[str] = ..., surge: _Optional[_Union[IntentSurge, _Mapping]] = ..., last_contact_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_signal_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCallListResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "as_of", "candidates_truncated")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CallListEntry]
    next_page_token: str
    as_of: _timestamp_pb2.Timestamp
    candidates_truncated: bool
    def __init__(self, entries: _Optional[_Iterable[_Union[CallListEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., candidates_truncated: _Optional[bool] = ...) -> None: ...

class GetDataMigrationRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DataMigration(_message.Message):
    __slots__ = ("version", "state", "signals_done", "customers_done", "started_at", "finished_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_DONE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_DONE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    version: str
    state: DataMigrationState
    signals_done: int
    customers_done: int
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[str] = ..., state: _Optional[_Union[DataMigrationState, str]] = ..., signals_done: _Optional[int] = ..., customers_done: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
