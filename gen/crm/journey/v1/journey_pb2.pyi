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

class DealNature(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEAL_NATURE_UNSPECIFIED: _ClassVar[DealNature]
    DEAL_NATURE_VALUABLE: _ClassVar[DealNature]
    DEAL_NATURE_NOT_VALUABLE: _ClassVar[DealNature]
    DEAL_NATURE_UNCERTAIN: _ClassVar[DealNature]

class DealGrade(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEAL_GRADE_UNSPECIFIED: _ClassVar[DealGrade]
    DEAL_GRADE_LARGE: _ClassVar[DealGrade]
    DEAL_GRADE_NORMAL: _ClassVar[DealGrade]
    DEAL_GRADE_SMALL: _ClassVar[DealGrade]

class DealStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEAL_STATUS_UNSPECIFIED: _ClassVar[DealStatus]
    DEAL_STATUS_OPEN: _ClassVar[DealStatus]
    DEAL_STATUS_SIGNED: _ClassVar[DealStatus]
    DEAL_STATUS_PAID: _ClassVar[DealStatus]

class TaskKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_KIND_UNSPECIFIED: _ClassVar[TaskKind]
    TASK_KIND_CALL: _ClassVar[TaskKind]
    TASK_KIND_VISIT: _ClassVar[TaskKind]
    TASK_KIND_SEND_QUOTE: _ClassVar[TaskKind]
    TASK_KIND_MEETING: _ClassVar[TaskKind]
    TASK_KIND_FOLLOW_UP: _ClassVar[TaskKind]
    TASK_KIND_OTHER: _ClassVar[TaskKind]

class TaskStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATUS_UNSPECIFIED: _ClassVar[TaskStatus]
    TASK_STATUS_OPEN: _ClassVar[TaskStatus]
    TASK_STATUS_DONE: _ClassVar[TaskStatus]
    TASK_STATUS_CANCELLED: _ClassVar[TaskStatus]
    TASK_STATUS_OVERDUE: _ClassVar[TaskStatus]

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

class FunnelPeriodBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUNNEL_PERIOD_BASIS_UNSPECIFIED: _ClassVar[FunnelPeriodBasis]
    FUNNEL_PERIOD_BASIS_ENTERED: _ClassVar[FunnelPeriodBasis]
    FUNNEL_PERIOD_BASIS_REACHED: _ClassVar[FunnelPeriodBasis]
TIMELINE_ENTRY_KIND_UNSPECIFIED: TimelineEntryKind
TIMELINE_ENTRY_KIND_TOUCHPOINT: TimelineEntryKind
TIMELINE_ENTRY_KIND_INTENT_SURGE: TimelineEntryKind
TIMELINE_ENTRY_KIND_CONVERSATION: TimelineEntryKind
TIMELINE_ENTRY_KIND_TAG_CHANGE: TimelineEntryKind
TIMELINE_ENTRY_KIND_INTENT_LEVEL: TimelineEntryKind
TIMELINE_ENTRY_KIND_LEAD: TimelineEntryKind
DEAL_NATURE_UNSPECIFIED: DealNature
DEAL_NATURE_VALUABLE: DealNature
DEAL_NATURE_NOT_VALUABLE: DealNature
DEAL_NATURE_UNCERTAIN: DealNature
DEAL_GRADE_UNSPECIFIED: DealGrade
DEAL_GRADE_LARGE: DealGrade
DEAL_GRADE_NORMAL: DealGrade
DEAL_GRADE_SMALL: DealGrade
DEAL_STATUS_UNSPECIFIED: DealStatus
DEAL_STATUS_OPEN: DealStatus
DEAL_STATUS_SIGNED: DealStatus
DEAL_STATUS_PAID: DealStatus
TASK_KIND_UNSPECIFIED: TaskKind
TASK_KIND_CALL: TaskKind
TASK_KIND_VISIT: TaskKind
TASK_KIND_SEND_QUOTE: TaskKind
TASK_KIND_MEETING: TaskKind
TASK_KIND_FOLLOW_UP: TaskKind
TASK_KIND_OTHER: TaskKind
TASK_STATUS_UNSPECIFIED: TaskStatus
TASK_STATUS_OPEN: TaskStatus
TASK_STATUS_DONE: TaskStatus
TASK_STATUS_CANCELLED: TaskStatus
TASK_STATUS_OVERDUE: TaskStatus
STAGE_KIND_UNSPECIFIED: StageKind
STAGE_KIND_STAGE: StageKind
STAGE_KIND_WON_CONTRACT: StageKind
STAGE_KIND_WON_PAYMENT: StageKind
FUNNEL_INTERVAL_UNSPECIFIED: FunnelInterval
FUNNEL_INTERVAL_WEEK: FunnelInterval
FUNNEL_INTERVAL_MONTH: FunnelInterval
FUNNEL_PERIOD_BASIS_UNSPECIFIED: FunnelPeriodBasis
FUNNEL_PERIOD_BASIS_ENTERED: FunnelPeriodBasis
FUNNEL_PERIOD_BASIS_REACHED: FunnelPeriodBasis

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

class Money(_message.Message):
    __slots__ = ("amount", "currency")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    amount: str
    currency: str
    def __init__(self, amount: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class FieldSetting(_message.Message):
    __slots__ = ("field", "set_by", "set_at")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    SET_AT_FIELD_NUMBER: _ClassVar[int]
    field: str
    set_by: str
    set_at: _timestamp_pb2.Timestamp
    def __init__(self, field: _Optional[str] = ..., set_by: _Optional[str] = ..., set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DealChange(_message.Message):
    __slots__ = ("action", "actor", "at", "changes")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor: str
    at: _timestamp_pb2.Timestamp
    changes: _containers.RepeatedCompositeFieldContainer[FieldChange]
    def __init__(self, action: _Optional[str] = ..., actor: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[FieldChange, _Mapping]]] = ...) -> None: ...

class FieldChange(_message.Message):
    __slots__ = ("field", "before", "after")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    field: str
    before: str
    after: str
    def __init__(self, field: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...

class Deal(_message.Message):
    __slots__ = ("id", "customer_id", "owner_id", "product", "amount", "nature", "grade", "expected_close_date", "expected_amount", "status", "signed_amount", "signed_at", "paid_amount", "paid_at", "settings", "history", "created_at", "updated_at", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    NATURE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CLOSE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    PAID_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    owner_id: str
    product: str
    amount: Money
    nature: DealNature
    grade: DealGrade
    expected_close_date: str
    expected_amount: Money
    status: DealStatus
    signed_amount: Money
    signed_at: _timestamp_pb2.Timestamp
    paid_amount: Money
    paid_at: _timestamp_pb2.Timestamp
    settings: _containers.RepeatedCompositeFieldContainer[FieldSetting]
    history: _containers.RepeatedCompositeFieldContainer[DealChange]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., product: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., nature: _Optional[_Union[DealNature, str]] = ..., grade: _Optional[_Union[DealGrade, str]] = ..., expected_close_date: _Optional[str] = ..., expected_amount: _Optional[_Union[Money, _Mapping]] = ..., status: _Optional[_Union[DealStatus, str]] = ..., signed_amount: _Optional[_Union[Money, _Mapping]] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paid_amount: _Optional[_Union[Money, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., settings: _Optional[_Iterable[_Union[FieldSetting, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[DealChange, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class DealQualification(_message.Message):
    __slots__ = ("product", "amount", "nature", "grade", "expected_close_date", "expected_amount", "owner_id")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    NATURE_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CLOSE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    product: str
    amount: Money
    nature: DealNature
    grade: DealGrade
    expected_close_date: str
    expected_amount: Money
    owner_id: str
    def __init__(self, product: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., nature: _Optional[_Union[DealNature, str]] = ..., grade: _Optional[_Union[DealGrade, str]] = ..., expected_close_date: _Optional[str] = ..., expected_amount: _Optional[_Union[Money, _Mapping]] = ..., owner_id: _Optional[str] = ...) -> None: ...

class CreateDealRequest(_message.Message):
    __slots__ = ("customer_id", "deal", "deal_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DEAL_FIELD_NUMBER: _ClassVar[int]
    DEAL_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    deal: DealQualification
    deal_id: str
    def __init__(self, customer_id: _Optional[str] = ..., deal: _Optional[_Union[DealQualification, _Mapping]] = ..., deal_id: _Optional[str] = ...) -> None: ...

class QualifyDealRequest(_message.Message):
    __slots__ = ("deal_id", "deal", "fields")
    DEAL_ID_FIELD_NUMBER: _ClassVar[int]
    DEAL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    deal_id: str
    deal: DealQualification
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, deal_id: _Optional[str] = ..., deal: _Optional[_Union[DealQualification, _Mapping]] = ..., fields: _Optional[_Iterable[str]] = ...) -> None: ...

class MarkDealWonRequest(_message.Message):
    __slots__ = ("deal_id", "status", "amount", "at")
    DEAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    deal_id: str
    status: DealStatus
    amount: Money
    at: _timestamp_pb2.Timestamp
    def __init__(self, deal_id: _Optional[str] = ..., status: _Optional[_Union[DealStatus, str]] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetDealRequest(_message.Message):
    __slots__ = ("deal_id",)
    DEAL_ID_FIELD_NUMBER: _ClassVar[int]
    deal_id: str
    def __init__(self, deal_id: _Optional[str] = ...) -> None: ...

class BatchListDealsRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerDeals(_message.Message):
    __slots__ = ("customer_id", "deals")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DEALS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    deals: _containers.RepeatedCompositeFieldContainer[Deal]
    def __init__(self, customer_id: _Optional[str] = ..., deals: _Optional[_Iterable[_Union[Deal, _Mapping]]] = ...) -> None: ...

class BatchListDealsResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[CustomerDeals]
    def __init__(self, customers: _Optional[_Iterable[_Union[CustomerDeals, _Mapping]]] = ...) -> None: ...

class SumDealRevenueRequest(_message.Message):
    __slots__ = ("to", "owner_id")
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    to: _timestamp_pb2.Timestamp
    owner_id: str
    def __init__(self, to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_id: _Optional[str] = ..., **kwargs) -> None: ...

class RevenueRow(_message.Message):
    __slots__ = ("month", "owner_id", "currency", "signed_amount", "signed_count", "paid_amount", "paid_count")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_COUNT_FIELD_NUMBER: _ClassVar[int]
    month: str
    owner_id: str
    currency: str
    signed_amount: str
    signed_count: int
    paid_amount: str
    paid_count: int
    def __init__(self, month: _Optional[str] = ..., owner_id: _Optional[str] = ..., currency: _Optional[str] = ..., signed_amount: _Optional[str] = ..., signed_count: _Optional[int] = ..., paid_amount: _Optional[str] = ..., paid_count: _Optional[int] = ...) -> None: ...

class SumDealRevenueResponse(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[RevenueRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[RevenueRow, _Mapping]]] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("id", "customer_id", "deal_id", "kind", "owner_id", "due_at", "notes", "status", "created_by", "created_at", "updated_at", "due_reminded_at", "completed_at", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DEAL_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_REMINDED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    deal_id: str
    kind: TaskKind
    owner_id: str
    due_at: _timestamp_pb2.Timestamp
    notes: str
    status: TaskStatus
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    due_reminded_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., deal_id: _Optional[str] = ..., kind: _Optional[_Union[TaskKind, str]] = ..., owner_id: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notes: _Optional[str] = ..., status: _Optional[_Union[TaskStatus, str]] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_reminded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class CreateTaskRequest(_message.Message):
    __slots__ = ("customer_id", "kind", "due_at", "notes", "owner_id", "deal_id", "task_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    DEAL_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    kind: TaskKind
    due_at: _timestamp_pb2.Timestamp
    notes: str
    owner_id: str
    deal_id: str
    task_id: str
    def __init__(self, customer_id: _Optional[str] = ..., kind: _Optional[_Union[TaskKind, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notes: _Optional[str] = ..., owner_id: _Optional[str] = ..., deal_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class UpdateTaskRequest(_message.Message):
    __slots__ = ("task_id", "kind", "due_at", "notes", "owner_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    kind: TaskKind
    due_at: _timestamp_pb2.Timestamp
    notes: str
    owner_id: str
    def __init__(self, task_id: _Optional[str] = ..., kind: _Optional[_Union[TaskKind, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notes: _Optional[str] = ..., owner_id: _Optional[str] = ...) -> None: ...

class TaskRef(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("owner_id", "statuses", "due_before", "page_size", "page_token")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    DUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner_id: str
    statuses: _containers.RepeatedScalarFieldContainer[TaskStatus]
    due_before: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, owner_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[TaskStatus, str]]] = ..., due_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchListTasksRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerTasks(_message.Message):
    __slots__ = ("customer_id", "tasks")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    def __init__(self, customer_id: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ...) -> None: ...

class BatchListTasksResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[CustomerTasks]
    def __init__(self, customers: _Optional[_Iterable[_Union[CustomerTasks, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("journey", "to", "owner_id", "source_channel", "period_basis")
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PERIOD_BASIS_FIELD_NUMBER: _ClassVar[int]
    journey: str
    to: _timestamp_pb2.Timestamp
    owner_id: str
    source_channel: str
    period_basis: FunnelPeriodBasis
    def __init__(self, journey: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_id: _Optional[str] = ..., source_channel: _Optional[str] = ..., period_basis: _Optional[_Union[FunnelPeriodBasis, str]] = ..., **kwargs) -> None: ...

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
    __slots__ = ("journey", "interval", "to", "owner_id", "source_channel", "period_basis")
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PERIOD_BASIS_FIELD_NUMBER: _ClassVar[int]
    journey: str
    interval: FunnelInterval
    to: _timestamp_pb2.Timestamp
    owner_id: str
    source_channel: str
    period_basis: FunnelPeriodBasis
    def __init__(self, journey: _Optional[str] = ..., interval: _Optional[_Union[FunnelInterval, str]] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_id: _Optional[str] = ..., source_channel: _Optional[str] = ..., period_basis: _Optional[_Union[FunnelPeriodBasis, str]] = ..., **kwargs) -> None: ...

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
