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
TIMELINE_ENTRY_KIND_UNSPECIFIED: TimelineEntryKind
TIMELINE_ENTRY_KIND_TOUCHPOINT: TimelineEntryKind
TIMELINE_ENTRY_KIND_INTENT_SURGE: TimelineEntryKind
TIMELINE_ENTRY_KIND_CONVERSATION: TimelineEntryKind
TIMELINE_ENTRY_KIND_TAG_CHANGE: TimelineEntryKind
TIMELINE_ENTRY_KIND_INTENT_LEVEL: TimelineEntryKind
TIMELINE_ENTRY_KIND_LEAD: TimelineEntryKind

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
    __slots__ = ("customer_id", "journey", "current_stage", "furthest_stage", "reached", "last_touch_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STAGE_FIELD_NUMBER: _ClassVar[int]
    FURTHEST_STAGE_FIELD_NUMBER: _ClassVar[int]
    REACHED_FIELD_NUMBER: _ClassVar[int]
    LAST_TOUCH_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    journey: str
    current_stage: str
    furthest_stage: str
    reached: _containers.RepeatedCompositeFieldContainer[StageReached]
    last_touch_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., journey: _Optional[str] = ..., current_stage: _Optional[str] = ..., furthest_stage: _Optional[str] = ..., reached: _Optional[_Iterable[_Union[StageReached, _Mapping]]] = ..., last_touch_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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
