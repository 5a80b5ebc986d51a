import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TagCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAG_CATEGORY_UNSPECIFIED: _ClassVar[TagCategory]
    TAG_CATEGORY_BASIC: _ClassVar[TagCategory]
    TAG_CATEGORY_BEHAVIOR: _ClassVar[TagCategory]
    TAG_CATEGORY_COMPOSITE: _ClassVar[TagCategory]
    TAG_CATEGORY_MARKETING: _ClassVar[TagCategory]
    TAG_CATEGORY_SYSTEM: _ClassVar[TagCategory]

class TagValueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAG_VALUE_TYPE_UNSPECIFIED: _ClassVar[TagValueType]
    TAG_VALUE_TYPE_FLAG: _ClassVar[TagValueType]
    TAG_VALUE_TYPE_ENUM: _ClassVar[TagValueType]
    TAG_VALUE_TYPE_NUMBER: _ClassVar[TagValueType]
    TAG_VALUE_TYPE_TEXT: _ClassVar[TagValueType]
    TAG_VALUE_TYPE_DATE: _ClassVar[TagValueType]

class UpdateCycle(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UPDATE_CYCLE_UNSPECIFIED: _ClassVar[UpdateCycle]
    UPDATE_CYCLE_REALTIME: _ClassVar[UpdateCycle]
    UPDATE_CYCLE_DAILY: _ClassVar[UpdateCycle]
    UPDATE_CYCLE_MONTHLY: _ClassVar[UpdateCycle]
    UPDATE_CYCLE_QUARTERLY: _ClassVar[UpdateCycle]

class TagStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAG_STATUS_UNSPECIFIED: _ClassVar[TagStatus]
    TAG_STATUS_ACTIVE: _ClassVar[TagStatus]
    TAG_STATUS_DEPRECATED: _ClassVar[TagStatus]
    TAG_STATUS_ARCHIVED: _ClassVar[TagStatus]

class TagSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAG_SOURCE_UNSPECIFIED: _ClassVar[TagSource]
    TAG_SOURCE_MANUAL: _ClassVar[TagSource]
    TAG_SOURCE_RULE: _ClassVar[TagSource]
    TAG_SOURCE_CHANNEL: _ClassVar[TagSource]
    TAG_SOURCE_CONVERSATION: _ClassVar[TagSource]
    TAG_SOURCE_MODEL: _ClassVar[TagSource]
    TAG_SOURCE_IMPORT: _ClassVar[TagSource]
    TAG_SOURCE_SYSTEM: _ClassVar[TagSource]

class AssignmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNMENT_STATUS_UNSPECIFIED: _ClassVar[AssignmentStatus]
    ASSIGNMENT_STATUS_ACTIVE: _ClassVar[AssignmentStatus]
    ASSIGNMENT_STATUS_SUGGESTED: _ClassVar[AssignmentStatus]
    ASSIGNMENT_STATUS_REJECTED: _ClassVar[AssignmentStatus]
    ASSIGNMENT_STATUS_EXPIRED: _ClassVar[AssignmentStatus]
TAG_CATEGORY_UNSPECIFIED: TagCategory
TAG_CATEGORY_BASIC: TagCategory
TAG_CATEGORY_BEHAVIOR: TagCategory
TAG_CATEGORY_COMPOSITE: TagCategory
TAG_CATEGORY_MARKETING: TagCategory
TAG_CATEGORY_SYSTEM: TagCategory
TAG_VALUE_TYPE_UNSPECIFIED: TagValueType
TAG_VALUE_TYPE_FLAG: TagValueType
TAG_VALUE_TYPE_ENUM: TagValueType
TAG_VALUE_TYPE_NUMBER: TagValueType
TAG_VALUE_TYPE_TEXT: TagValueType
TAG_VALUE_TYPE_DATE: TagValueType
UPDATE_CYCLE_UNSPECIFIED: UpdateCycle
UPDATE_CYCLE_REALTIME: UpdateCycle
UPDATE_CYCLE_DAILY: UpdateCycle
UPDATE_CYCLE_MONTHLY: UpdateCycle
UPDATE_CYCLE_QUARTERLY: UpdateCycle
TAG_STATUS_UNSPECIFIED: TagStatus
TAG_STATUS_ACTIVE: TagStatus
TAG_STATUS_DEPRECATED: TagStatus
TAG_STATUS_ARCHIVED: TagStatus
TAG_SOURCE_UNSPECIFIED: TagSource
TAG_SOURCE_MANUAL: TagSource
TAG_SOURCE_RULE: TagSource
TAG_SOURCE_CHANNEL: TagSource
TAG_SOURCE_CONVERSATION: TagSource
TAG_SOURCE_MODEL: TagSource
TAG_SOURCE_IMPORT: TagSource
TAG_SOURCE_SYSTEM: TagSource
ASSIGNMENT_STATUS_UNSPECIFIED: AssignmentStatus
ASSIGNMENT_STATUS_ACTIVE: AssignmentStatus
ASSIGNMENT_STATUS_SUGGESTED: AssignmentStatus
ASSIGNMENT_STATUS_REJECTED: AssignmentStatus
ASSIGNMENT_STATUS_EXPIRED: AssignmentStatus

class ExtractionHints(_message.Message):
    __slots__ = ("keywords", "synonyms", "patterns")
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    SYNONYMS_FIELD_NUMBER: _ClassVar[int]
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    keywords: _containers.RepeatedScalarFieldContainer[str]
    synonyms: _containers.RepeatedScalarFieldContainer[str]
    patterns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keywords: _Optional[_Iterable[str]] = ..., synonyms: _Optional[_Iterable[str]] = ..., patterns: _Optional[_Iterable[str]] = ...) -> None: ...

class TagDefinition(_message.Message):
    __slots__ = ("key", "display_name", "description", "group", "category", "value_type", "allowed_values", "exclusive", "update_cycle", "ttl_days", "assign_roles", "status", "hints", "created_at", "updated_at")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    VALUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_VALUES_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CYCLE_FIELD_NUMBER: _ClassVar[int]
    TTL_DAYS_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_ROLES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HINTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    key: str
    display_name: str
    description: str
    group: str
    category: TagCategory
    value_type: TagValueType
    allowed_values: _containers.RepeatedScalarFieldContainer[str]
    exclusive: bool
    update_cycle: UpdateCycle
    ttl_days: int
    assign_roles: _containers.RepeatedScalarFieldContainer[str]
    status: TagStatus
    hints: ExtractionHints
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., group: _Optional[str] = ..., category: _Optional[_Union[TagCategory, str]] = ..., value_type: _Optional[_Union[TagValueType, str]] = ..., allowed_values: _Optional[_Iterable[str]] = ..., exclusive: _Optional[bool] = ..., update_cycle: _Optional[_Union[UpdateCycle, str]] = ..., ttl_days: _Optional[int] = ..., assign_roles: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[TagStatus, str]] = ..., hints: _Optional[_Union[ExtractionHints, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DefineTagRequest(_message.Message):
    __slots__ = ("definition",)
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    definition: TagDefinition
    def __init__(self, definition: _Optional[_Union[TagDefinition, _Mapping]] = ...) -> None: ...

class ListTagDefinitionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "group", "include_archived")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    group: str
    include_archived: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., group: _Optional[str] = ..., include_archived: _Optional[bool] = ...) -> None: ...

class ListTagDefinitionsResponse(_message.Message):
    __slots__ = ("definitions", "next_page_token")
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    definitions: _containers.RepeatedCompositeFieldContainer[TagDefinition]
    next_page_token: str
    def __init__(self, definitions: _Optional[_Iterable[_Union[TagDefinition, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("rule_id", "channel_code", "conversation_id", "quote", "event_ids", "note")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_CODE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    channel_code: str
    conversation_id: str
    quote: str
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    note: str
    def __init__(self, rule_id: _Optional[str] = ..., channel_code: _Optional[str] = ..., conversation_id: _Optional[str] = ..., quote: _Optional[str] = ..., event_ids: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ...) -> None: ...

class TagAssignment(_message.Message):
    __slots__ = ("customer_id", "tag_key", "value", "source", "confidence", "evidence", "actor", "assigned_at", "expires_at", "status", "display_name", "group", "category")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    tag_key: str
    value: str
    source: TagSource
    confidence: float
    evidence: Evidence
    actor: str
    assigned_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    status: AssignmentStatus
    display_name: str
    group: str
    category: TagCategory
    def __init__(self, customer_id: _Optional[str] = ..., tag_key: _Optional[str] = ..., value: _Optional[str] = ..., source: _Optional[_Union[TagSource, str]] = ..., confidence: _Optional[float] = ..., evidence: _Optional[_Union[Evidence, _Mapping]] = ..., actor: _Optional[str] = ..., assigned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[AssignmentStatus, str]] = ..., display_name: _Optional[str] = ..., group: _Optional[str] = ..., category: _Optional[_Union[TagCategory, str]] = ...) -> None: ...

class TagAssignmentInput(_message.Message):
    __slots__ = ("tag_key", "value", "source", "confidence", "evidence", "expires_at")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    value: str
    source: TagSource
    confidence: float
    evidence: Evidence
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, tag_key: _Optional[str] = ..., value: _Optional[str] = ..., source: _Optional[_Union[TagSource, str]] = ..., confidence: _Optional[float] = ..., evidence: _Optional[_Union[Evidence, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AssignTagsRequest(_message.Message):
    __slots__ = ("customer_id", "tags")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    tags: _containers.RepeatedCompositeFieldContainer[TagAssignmentInput]
    def __init__(self, customer_id: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[TagAssignmentInput, _Mapping]]] = ...) -> None: ...

class AssignTagsResponse(_message.Message):
    __slots__ = ("assigned", "replaced", "skipped")
    ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    REPLACED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    assigned: _containers.RepeatedCompositeFieldContainer[TagAssignment]
    replaced: _containers.RepeatedCompositeFieldContainer[TagAssignment]
    skipped: _containers.RepeatedCompositeFieldContainer[SkippedAssignment]
    def __init__(self, assigned: _Optional[_Iterable[_Union[TagAssignment, _Mapping]]] = ..., replaced: _Optional[_Iterable[_Union[TagAssignment, _Mapping]]] = ..., skipped: _Optional[_Iterable[_Union[SkippedAssignment, _Mapping]]] = ...) -> None: ...

class SkippedAssignment(_message.Message):
    __slots__ = ("tag_key", "value", "reason")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    value: str
    reason: str
    def __init__(self, tag_key: _Optional[str] = ..., value: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RemoveTagRequest(_message.Message):
    __slots__ = ("customer_id", "tag_key", "reason")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    tag_key: str
    reason: str
    def __init__(self, customer_id: _Optional[str] = ..., tag_key: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RemoveTagResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: TagAssignment
    def __init__(self, removed: _Optional[_Union[TagAssignment, _Mapping]] = ...) -> None: ...

class ListCustomerTagsRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class ListCustomerTagsResponse(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[TagAssignment]
    def __init__(self, tags: _Optional[_Iterable[_Union[TagAssignment, _Mapping]]] = ...) -> None: ...

class BatchListCustomerTagsRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerTags(_message.Message):
    __slots__ = ("customer_id", "tags")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    tags: _containers.RepeatedCompositeFieldContainer[TagAssignment]
    def __init__(self, customer_id: _Optional[str] = ..., tags: _Optional[_Iterable[_Union[TagAssignment, _Mapping]]] = ...) -> None: ...

class BatchListCustomerTagsResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[CustomerTags]
    def __init__(self, customers: _Optional[_Iterable[_Union[CustomerTags, _Mapping]]] = ...) -> None: ...

class TagHistoryEntry(_message.Message):
    __slots__ = ("id", "customer_id", "tag_key", "action", "value", "previous_value", "source", "confidence", "evidence", "actor", "reason", "at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VALUE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    tag_key: str
    action: str
    value: str
    previous_value: str
    source: TagSource
    confidence: float
    evidence: Evidence
    actor: str
    reason: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., tag_key: _Optional[str] = ..., action: _Optional[str] = ..., value: _Optional[str] = ..., previous_value: _Optional[str] = ..., source: _Optional[_Union[TagSource, str]] = ..., confidence: _Optional[float] = ..., evidence: _Optional[_Union[Evidence, _Mapping]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTagHistoryRequest(_message.Message):
    __slots__ = ("customer_id", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTagHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[TagHistoryEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[TagHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
