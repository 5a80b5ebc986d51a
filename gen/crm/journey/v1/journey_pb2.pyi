import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TimelineEntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIMELINE_ENTRY_KIND_UNSPECIFIED: _ClassVar[TimelineEntryKind]
    TIMELINE_ENTRY_KIND_TOUCHPOINT: _ClassVar[TimelineEntryKind]
    TIMELINE_ENTRY_KIND_INTENT_SURGE: _ClassVar[TimelineEntryKind]
    TIMELINE_ENTRY_KIND_CONVERSATION: _ClassVar[TimelineEntryKind]
    TIMELINE_ENTRY_KIND_TAG_CHANGE: _ClassVar[TimelineEntryKind]
    TIMELINE_ENTRY_KIND_INTENT_LEVEL: _ClassVar[TimelineEntryKind]
    TIMELINE_ENTRY_KIND_LEAD: _ClassVar[TimelineEntryKind]

class StageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_KIND_UNSPECIFIED: _ClassVar[StageKind]
    STAGE_KIND_STAGE: _ClassVar[StageKind]
    STAGE_KIND_WON_CONTRACT: _ClassVar[StageKind]
    STAGE_KIND_WON_PAYMENT: _ClassVar[StageKind]

class FunnelInterval(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUNNEL_INTERVAL_UNSPECIFIED: _ClassVar[FunnelInterval]
    FUNNEL_INTERVAL_WEEK: _ClassVar[FunnelInterval]
    FUNNEL_INTERVAL_MONTH: _ClassVar[FunnelInterval]
TIMELINE_ENTRY_KIND_UNSPECIFIED: TimelineEntryKind
TIMELINE_ENTRY_KIND_TOUCHPOINT: TimelineEntryKind
TIMELINE_ENTRY_KIND_INTENT_SURGE: TimelineEntryKind
TIMELINE_ENTRY_KIND_CONVERSATION: TimelineEntryKind
TIMELINE_ENTRY_KIND_TAG_CHANGE: TimelineEntryKind
TIMELINE_ENTRY_KIND_INTENT_LEVEL: TimelineEntryKind
TIMELINE_ENTRY_KIND_LEAD: TimelineEntryKind
STAGE_KIND_UNSPECIFIED: StageKind
STAGE_KIND_STAGE: StageKind
STAGE_KIND_WON_CONTRACT: StageKind
STAGE_KIND_WON_PAYMENT: StageKind
FUNNEL_INTERVAL_UNSPECIFIED: FunnelInterval
FUNNEL_INTERVAL_WEEK: FunnelInterval
FUNNEL_INTERVAL_MONTH: FunnelInterval

class Touchpoint(_message.Message):
    __slots__ = ("id", "customer_id", "type", "channel", "occurred_at", "actor", "notes", "stage", "kind", "summary", "source_event_id", "refs")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    REFS_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    type: str
    channel: str
    occurred_at: _timestamp_pb2.Timestamp
    actor: str
    notes: str
    stage: str
    kind: TimelineEntryKind
    summary: str
    source_event_id: str
    refs: _containers.RepeatedCompositeFieldContainer[TimelineRef]
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., type: _Optional[str] = ..., channel: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., notes: _Optional[str] = ..., stage: _Optional[str] = ..., kind: _Optional[_Union[TimelineEntryKind, str]] = ..., summary: _Optional[str] = ..., source_event_id: _Optional[str] = ..., refs: _Optional[_Iterable[_Union[TimelineRef, _Mapping]]] = ...) -> None: ...

class RecordTouchpointRequest(_message.Message):
    __slots__ = ("touchpoint",)
    TOUCHPOINT_FIELD_NUMBER: _ClassVar[int]
    touchpoint: Touchpoint
    def __init__(self, touchpoint: _Optional[_Union[Touchpoint, _Mapping]] = ...) -> None: ...

class RecordTouchpointResponse(_message.Message):
    __slots__ = ("touchpoint", "progress", "stage_changed")
    TOUCHPOINT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    STAGE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    touchpoint: Touchpoint
    progress: Progress
    stage_changed: bool
    def __init__(self, touchpoint: _Optional[_Union[Touchpoint, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., stage_changed: _Optional[bool] = ...) -> None: ...

class StageReached(_message.Message):
    __slots__ = ("stage", "first_reached_at")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    FIRST_REACHED_AT_FIELD_NUMBER: _ClassVar[int]
    stage: str
    first_reached_at: _timestamp_pb2.Timestamp
    def __init__(self, stage: _Optional[str] = ..., first_reached_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("customer_id", "journey", "current_stage", "furthest_stage", "reached", "last_touch_at", "version", "entered_at", "moves")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STAGE_FIELD_NUMBER: _ClassVar[int]
    FURTHEST_STAGE_FIELD_NUMBER: _ClassVar[int]
    REACHED_FIELD_NUMBER: _ClassVar[int]
    LAST_TOUCH_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ENTERED_AT_FIELD_NUMBER: _ClassVar[int]
    MOVES_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    journey: str
    current_stage: str
    furthest_stage: str
    reached: _containers.RepeatedCompositeFieldContainer[StageReached]
    last_touch_at: _timestamp_pb2.Timestamp
    version: int
    entered_at: _timestamp_pb2.Timestamp
    moves: _containers.RepeatedCompositeFieldContainer[StageMove]
    def __init__(self, customer_id: _Optional[str] = ..., journey: _Optional[str] = ..., current_stage: _Optional[str] = ..., furthest_stage: _Optional[str] = ..., reached: _Optional[_Iterable[_Union[StageReached, _Mapping]]] = ..., last_touch_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., entered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., moves: _Optional[_Iterable[_Union[StageMove, _Mapping]]] = ...) -> None: ...

class ListTimelineRequest(_message.Message):
    __slots__ = ("customer_id", "page_size", "page_token", "kinds")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    kinds: _containers.RepeatedScalarFieldContainer[TimelineEntryKind]
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[TimelineEntryKind, str]]] = ...) -> None: ...

class ListTimelineResponse(_message.Message):
    __slots__ = ("touchpoints", "next_page_token")
    TOUCHPOINTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    touchpoints: _containers.RepeatedCompositeFieldContainer[Touchpoint]
    next_page_token: str
    def __init__(self, touchpoints: _Optional[_Iterable[_Union[Touchpoint, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchGetProgressRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetProgressResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: _containers.RepeatedCompositeFieldContainer[Progress]
    def __init__(self, progress: _Optional[_Iterable[_Union[Progress, _Mapping]]] = ...) -> None: ...

class TimelineRef(_message.Message):
    __slots__ = ("name", "id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    id: str
    def __init__(self, name: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class StageMove(_message.Message):
    __slots__ = ("at", "stage")
    AT_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    stage: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stage: _Optional[str] = ...) -> None: ...

class JourneyStage(_message.Message):
    __slots__ = ("key", "name", "touchpoint_types", "kind", "days_to_rot")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINT_TYPES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DAYS_TO_ROT_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    touchpoint_types: _containers.RepeatedScalarFieldContainer[str]
    kind: StageKind
    days_to_rot: int
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., touchpoint_types: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[StageKind, str]] = ..., days_to_rot: _Optional[int] = ...) -> None: ...

class JourneyDefinition(_message.Message):
    __slots__ = ("key", "name", "version", "stages", "template", "is_default")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    version: int
    stages: _containers.RepeatedCompositeFieldContainer[JourneyStage]
    template: bool
    is_default: bool
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[int] = ..., stages: _Optional[_Iterable[_Union[JourneyStage, _Mapping]]] = ..., template: _Optional[bool] = ..., is_default: _Optional[bool] = ...) -> None: ...

class ListJourneysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListJourneysResponse(_message.Message):
    __slots__ = ("journeys", "default_journey")
    JOURNEYS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_JOURNEY_FIELD_NUMBER: _ClassVar[int]
    journeys: _containers.RepeatedCompositeFieldContainer[JourneyDefinition]
    default_journey: str
    def __init__(self, journeys: _Optional[_Iterable[_Union[JourneyDefinition, _Mapping]]] = ..., default_journey: _Optional[str] = ...) -> None: ...

class GetJourneyRequest(_message.Message):
    __slots__ = ("key", "version")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    key: str
    version: int
    def __init__(self, key: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class DefineJourneyRequest(_message.Message):
    __slots__ = ("journey",)
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    journey: JourneyDefinition
    def __init__(self, journey: _Optional[_Union[JourneyDefinition, _Mapping]] = ...) -> None: ...

class UpdateJourneyRequest(_message.Message):
    __slots__ = ("journey", "expected_version")
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    journey: JourneyDefinition
    expected_version: int
    def __init__(self, journey: _Optional[_Union[JourneyDefinition, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class SetDefaultJourneyRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class GetFunnelRequest(_message.Message):
    __slots__ = ("journey", "to", "owner_id", "source_channel")
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    journey: str
    to: _timestamp_pb2.Timestamp
    owner_id: str
    source_channel: str
    def __init__(self, journey: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_id: _Optional[str] = ..., source_channel: _Optional[str] = ..., **kwargs) -> None: ...

class FunnelStage(_message.Message):
    __slots__ = ("key", "name", "kind", "count", "conversion_from_previous", "conversion_from_top", "has_timing", "median_ms_from_previous", "p90_ms_from_previous")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FROM_PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FROM_TOP_FIELD_NUMBER: _ClassVar[int]
    HAS_TIMING_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_MS_FROM_PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    P90_MS_FROM_PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    kind: StageKind
    count: int
    conversion_from_previous: float
    conversion_from_top: float
    has_timing: bool
    median_ms_from_previous: int
    p90_ms_from_previous: int
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[StageKind, str]] = ..., count: _Optional[int] = ..., conversion_from_previous: _Optional[float] = ..., conversion_from_top: _Optional[float] = ..., has_timing: _Optional[bool] = ..., median_ms_from_previous: _Optional[int] = ..., p90_ms_from_previous: _Optional[int] = ...) -> None: ...

class Funnel(_message.Message):
    __slots__ = ("journey", "version", "customers", "stages")
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    journey: str
    version: int
    customers: int
    stages: _containers.RepeatedCompositeFieldContainer[FunnelStage]
    def __init__(self, journey: _Optional[str] = ..., version: _Optional[int] = ..., customers: _Optional[int] = ..., stages: _Optional[_Iterable[_Union[FunnelStage, _Mapping]]] = ...) -> None: ...

class GetFunnelOverTimeRequest(_message.Message):
    __slots__ = ("journey", "interval", "to", "owner_id", "source_channel")
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    journey: str
    interval: FunnelInterval
    to: _timestamp_pb2.Timestamp
    owner_id: str
    source_channel: str
    def __init__(self, journey: _Optional[str] = ..., interval: _Optional[_Union[FunnelInterval, str]] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_id: _Optional[str] = ..., source_channel: _Optional[str] = ..., **kwargs) -> None: ...

class FunnelBucket(_message.Message):
    __slots__ = ("start", "end", "funnel")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    FUNNEL_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    funnel: Funnel
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., funnel: _Optional[_Union[Funnel, _Mapping]] = ...) -> None: ...

class GetFunnelOverTimeResponse(_message.Message):
    __slots__ = ("buckets",)
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[FunnelBucket]
    def __init__(self, buckets: _Optional[_Iterable[_Union[FunnelBucket, _Mapping]]] = ...) -> None: ...

class ListStaleDealsRequest(_message.Message):
    __slots__ = ("journey", "owner_id", "page_size", "page_token")
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    journey: str
    owner_id: str
    page_size: int
    page_token: str
    def __init__(self, journey: _Optional[str] = ..., owner_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class StaleDeal(_message.Message):
    __slots__ = ("customer_id", "owner_id", "journey", "version", "stage", "entered_at", "stale_at", "days_to_rot")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ENTERED_AT_FIELD_NUMBER: _ClassVar[int]
    STALE_AT_FIELD_NUMBER: _ClassVar[int]
    DAYS_TO_ROT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    owner_id: str
    journey: str
    version: int
    stage: str
    entered_at: _timestamp_pb2.Timestamp
    stale_at: _timestamp_pb2.Timestamp
    days_to_rot: int
    def __init__(self, customer_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., journey: _Optional[str] = ..., version: _Optional[int] = ..., stage: _Optional[str] = ..., entered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stale_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., days_to_rot: _Optional[int] = ...) -> None: ...

class ListStaleDealsResponse(_message.Message):
    __slots__ = ("deals", "next_page_token")
    DEALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deals: _containers.RepeatedCompositeFieldContainer[StaleDeal]
    next_page_token: str
    def __init__(self, deals: _Optional[_Iterable[_Union[StaleDeal, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchGetJourneyProgressRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerJourneys(_message.Message):
    __slots__ = ("customer_id", "journeys")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEYS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    journeys: _containers.RepeatedCompositeFieldContainer[Progress]
    def __init__(self, customer_id: _Optional[str] = ..., journeys: _Optional[_Iterable[_Union[Progress, _Mapping]]] = ...) -> None: ...

class BatchGetJourneyProgressResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[CustomerJourneys]
    def __init__(self, customers: _Optional[_Iterable[_Union[CustomerJourneys, _Mapping]]] = ...) -> None: ...
