import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Segment(_message.Message):
    __slots__ = ("id", "name", "description", "expression", "owner", "version", "created_at", "updated_at", "count", "membership_sync")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_SYNC_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    expression: str
    owner: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    count: int
    membership_sync: MembershipSync
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., expression: _Optional[str] = ..., owner: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., count: _Optional[int] = ..., membership_sync: _Optional[_Union[MembershipSync, _Mapping]] = ...) -> None: ...

class MembershipSync(_message.Message):
    __slots__ = ("state", "segment_version", "done", "total", "entered", "left", "started_at", "finished_at")
    STATE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ENTERED_FIELD_NUMBER: _ClassVar[int]
    LEFT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    state: str
    segment_version: int
    done: int
    total: int
    entered: int
    left: int
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[str] = ..., segment_version: _Optional[int] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., entered: _Optional[int] = ..., left: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PreviewSegmentRequest(_message.Message):
    __slots__ = ("expression", "sample_size")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    expression: str
    sample_size: int
    def __init__(self, expression: _Optional[str] = ..., sample_size: _Optional[int] = ...) -> None: ...

class PreviewSegmentResponse(_message.Message):
    __slots__ = ("expression", "count", "sample_customer_ids")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    expression: str
    count: int
    sample_customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, expression: _Optional[str] = ..., count: _Optional[int] = ..., sample_customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateSegmentRequest(_message.Message):
    __slots__ = ("name", "description", "expression")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    expression: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., expression: _Optional[str] = ...) -> None: ...

class UpdateSegmentRequest(_message.Message):
    __slots__ = ("id", "name", "description", "expression")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    expression: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., expression: _Optional[str] = ...) -> None: ...

class DeleteSegmentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteSegmentResponse(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetSegmentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListSegmentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentsResponse(_message.Message):
    __slots__ = ("segments", "next_page_token")
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    next_page_token: str
    def __init__(self, segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListSegmentMembersRequest(_message.Message):
    __slots__ = ("segment_id", "page_size", "page_token")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    segment_id: str
    page_size: int
    page_token: str
    def __init__(self, segment_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentMembersResponse(_message.Message):
    __slots__ = ("customer_ids", "next_page_token", "count")
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    count: int
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class ExplainSegmentRequest(_message.Message):
    __slots__ = ("customer_id", "segment_id", "expression")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    segment_id: str
    expression: str
    def __init__(self, customer_id: _Optional[str] = ..., segment_id: _Optional[str] = ..., expression: _Optional[str] = ...) -> None: ...

class ExplainedValue(_message.Message):
    __slots__ = ("tag_key", "value", "source", "assigned_at", "expires_at", "actor", "confidence", "evidence")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    value: str
    source: str
    assigned_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    actor: str
    confidence: float
    evidence: str
    def __init__(self, tag_key: _Optional[str] = ..., value: _Optional[str] = ..., source: _Optional[str] = ..., assigned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., confidence: _Optional[float] = ..., evidence: _Optional[str] = ...) -> None: ...

class ExplainNode(_message.Message):
    __slots__ = ("kind", "text", "result", "children", "tag_key", "values", "reason", "tag_name")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    kind: str
    text: str
    result: bool
    children: _containers.RepeatedCompositeFieldContainer[ExplainNode]
    tag_key: str
    values: _containers.RepeatedCompositeFieldContainer[ExplainedValue]
    reason: str
    tag_name: str
    def __init__(self, kind: _Optional[str] = ..., text: _Optional[str] = ..., result: _Optional[bool] = ..., children: _Optional[_Iterable[_Union[ExplainNode, _Mapping]]] = ..., tag_key: _Optional[str] = ..., values: _Optional[_Iterable[_Union[ExplainedValue, _Mapping]]] = ..., reason: _Optional[str] = ..., tag_name: _Optional[str] = ...) -> None: ...

class ExplainSegmentResponse(_message.Message):
    __slots__ = ("customer_id", "matches", "expression", "root", "segment_id", "segment_name")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    matches: bool
    expression: str
    root: ExplainNode
    segment_id: str
    segment_name: str
    def __init__(self, customer_id: _Optional[str] = ..., matches: _Optional[bool] = ..., expression: _Optional[str] = ..., root: _Optional[_Union[ExplainNode, _Mapping]] = ..., segment_id: _Optional[str] = ..., segment_name: _Optional[str] = ...) -> None: ...

class ListMembershipHistoryRequest(_message.Message):
    __slots__ = ("customer_id", "page_size", "page_token", "segment_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    segment_id: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., segment_id: _Optional[str] = ...) -> None: ...

class MembershipCause(_message.Message):
    __slots__ = ("tag_key", "action", "value", "previous_value", "history_id")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VALUE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_ID_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    action: str
    value: str
    previous_value: str
    history_id: str
    def __init__(self, tag_key: _Optional[str] = ..., action: _Optional[str] = ..., value: _Optional[str] = ..., previous_value: _Optional[str] = ..., history_id: _Optional[str] = ...) -> None: ...

class MembershipChange(_message.Message):
    __slots__ = ("id", "customer_id", "segment_id", "segment_name", "change", "causes", "actor", "at", "trigger")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CAUSES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    segment_id: str
    segment_name: str
    change: str
    causes: _containers.RepeatedCompositeFieldContainer[MembershipCause]
    actor: str
    at: _timestamp_pb2.Timestamp
    trigger: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., segment_id: _Optional[str] = ..., segment_name: _Optional[str] = ..., change: _Optional[str] = ..., causes: _Optional[_Iterable[_Union[MembershipCause, _Mapping]]] = ..., actor: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trigger: _Optional[str] = ...) -> None: ...

class ListMembershipHistoryResponse(_message.Message):
    __slots__ = ("changes", "next_page_token")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[MembershipChange]
    next_page_token: str
    def __init__(self, changes: _Optional[_Iterable[_Union[MembershipChange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchGetCustomerSegmentsRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerSegment(_message.Message):
    __slots__ = ("segment_id", "segment_name", "since")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    segment_id: str
    segment_name: str
    since: _timestamp_pb2.Timestamp
    def __init__(self, segment_id: _Optional[str] = ..., segment_name: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CustomerSegments(_message.Message):
    __slots__ = ("customer_id", "segments")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    segments: _containers.RepeatedCompositeFieldContainer[CustomerSegment]
    def __init__(self, customer_id: _Optional[str] = ..., segments: _Optional[_Iterable[_Union[CustomerSegment, _Mapping]]] = ...) -> None: ...

class BatchGetCustomerSegmentsResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[CustomerSegments]
    def __init__(self, customers: _Optional[_Iterable[_Union[CustomerSegments, _Mapping]]] = ...) -> None: ...

class CountTagFeaturesRequest(_message.Message):
    __slots__ = ("within",)
    WITHIN_FIELD_NUMBER: _ClassVar[int]
    within: str
    def __init__(self, within: _Optional[str] = ...) -> None: ...

class TagFeature(_message.Message):
    __slots__ = ("tag_key", "value")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    value: str
    def __init__(self, tag_key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class TagFeatureCount(_message.Message):
    __slots__ = ("feature", "tag_name", "customers", "within")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    WITHIN_FIELD_NUMBER: _ClassVar[int]
    feature: TagFeature
    tag_name: str
    customers: int
    within: int
    def __init__(self, feature: _Optional[_Union[TagFeature, _Mapping]] = ..., tag_name: _Optional[str] = ..., customers: _Optional[int] = ..., within: _Optional[int] = ...) -> None: ...

class CountTagFeaturesResponse(_message.Message):
    __slots__ = ("within", "customers", "within_count", "features")
    WITHIN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    WITHIN_COUNT_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    within: str
    customers: int
    within_count: int
    features: _containers.RepeatedCompositeFieldContainer[TagFeatureCount]
    def __init__(self, within: _Optional[str] = ..., customers: _Optional[int] = ..., within_count: _Optional[int] = ..., features: _Optional[_Iterable[_Union[TagFeatureCount, _Mapping]]] = ...) -> None: ...

class ListExpressionMembersRequest(_message.Message):
    __slots__ = ("expression", "page_size", "page_token")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    expression: str
    page_size: int
    page_token: str
    def __init__(self, expression: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class FeatureMembers(_message.Message):
    __slots__ = ("feature", "positions")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    feature: TagFeature
    positions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, feature: _Optional[_Union[TagFeature, _Mapping]] = ..., positions: _Optional[_Iterable[int]] = ...) -> None: ...

class ListExpressionMembersResponse(_message.Message):
    __slots__ = ("expression", "customer_ids", "features", "next_page_token", "count")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    expression: str
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    features: _containers.RepeatedCompositeFieldContainer[FeatureMembers]
    next_page_token: str
    count: int
    def __init__(self, expression: _Optional[str] = ..., customer_ids: _Optional[_Iterable[str]] = ..., features: _Optional[_Iterable[_Union[FeatureMembers, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...
