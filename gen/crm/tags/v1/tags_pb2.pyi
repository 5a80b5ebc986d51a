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

class TagMergeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAG_MERGE_STATUS_UNSPECIFIED: _ClassVar[TagMergeStatus]
    TAG_MERGE_STATUS_RUNNING: _ClassVar[TagMergeStatus]
    TAG_MERGE_STATUS_DONE: _ClassVar[TagMergeStatus]

class Speaker(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEAKER_UNSPECIFIED: _ClassVar[Speaker]
    SPEAKER_CUSTOMER: _ClassVar[Speaker]
    SPEAKER_REP: _ClassVar[Speaker]

class ConversationChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONVERSATION_CHANNEL_UNSPECIFIED: _ClassVar[ConversationChannel]
    CONVERSATION_CHANNEL_CALL: _ClassVar[ConversationChannel]
    CONVERSATION_CHANNEL_WECHAT: _ClassVar[ConversationChannel]
    CONVERSATION_CHANNEL_WECOM: _ClassVar[ConversationChannel]
    CONVERSATION_CHANNEL_MEETING: _ClassVar[ConversationChannel]
    CONVERSATION_CHANNEL_EMAIL: _ClassVar[ConversationChannel]

class SuggestionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUGGESTION_STATUS_UNSPECIFIED: _ClassVar[SuggestionStatus]
    SUGGESTION_STATUS_PENDING: _ClassVar[SuggestionStatus]
    SUGGESTION_STATUS_APPLIED: _ClassVar[SuggestionStatus]
    SUGGESTION_STATUS_ACCEPTED: _ClassVar[SuggestionStatus]
    SUGGESTION_STATUS_REJECTED: _ClassVar[SuggestionStatus]

class SuggestionAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUGGESTION_ACTION_UNSPECIFIED: _ClassVar[SuggestionAction]
    SUGGESTION_ACTION_ASSIGN: _ClassVar[SuggestionAction]
    SUGGESTION_ACTION_REMOVE: _ClassVar[SuggestionAction]

class ReviewDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_DECISION_UNSPECIFIED: _ClassVar[ReviewDecision]
    REVIEW_DECISION_ACCEPT: _ClassVar[ReviewDecision]
    REVIEW_DECISION_REJECT: _ClassVar[ReviewDecision]
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
TAG_MERGE_STATUS_UNSPECIFIED: TagMergeStatus
TAG_MERGE_STATUS_RUNNING: TagMergeStatus
TAG_MERGE_STATUS_DONE: TagMergeStatus
SPEAKER_UNSPECIFIED: Speaker
SPEAKER_CUSTOMER: Speaker
SPEAKER_REP: Speaker
CONVERSATION_CHANNEL_UNSPECIFIED: ConversationChannel
CONVERSATION_CHANNEL_CALL: ConversationChannel
CONVERSATION_CHANNEL_WECHAT: ConversationChannel
CONVERSATION_CHANNEL_WECOM: ConversationChannel
CONVERSATION_CHANNEL_MEETING: ConversationChannel
CONVERSATION_CHANNEL_EMAIL: ConversationChannel
SUGGESTION_STATUS_UNSPECIFIED: SuggestionStatus
SUGGESTION_STATUS_PENDING: SuggestionStatus
SUGGESTION_STATUS_APPLIED: SuggestionStatus
SUGGESTION_STATUS_ACCEPTED: SuggestionStatus
SUGGESTION_STATUS_REJECTED: SuggestionStatus
SUGGESTION_ACTION_UNSPECIFIED: SuggestionAction
SUGGESTION_ACTION_ASSIGN: SuggestionAction
SUGGESTION_ACTION_REMOVE: SuggestionAction
REVIEW_DECISION_UNSPECIFIED: ReviewDecision
REVIEW_DECISION_ACCEPT: ReviewDecision
REVIEW_DECISION_REJECT: ReviewDecision

class ExtractionHints(_message.Message):
    __slots__ = ("keywords", "synonyms", "patterns", "values")
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    SYNONYMS_FIELD_NUMBER: _ClassVar[int]
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    keywords: _containers.RepeatedScalarFieldContainer[str]
    synonyms: _containers.RepeatedScalarFieldContainer[str]
    patterns: _containers.RepeatedScalarFieldContainer[str]
    values: _containers.RepeatedCompositeFieldContainer[ValueHints]
    def __init__(self, keywords: _Optional[_Iterable[str]] = ..., synonyms: _Optional[_Iterable[str]] = ..., patterns: _Optional[_Iterable[str]] = ..., values: _Optional[_Iterable[_Union[ValueHints, _Mapping]]] = ...) -> None: ...

class ValueHints(_message.Message):
    __slots__ = ("value", "keywords", "patterns")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    value: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    patterns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, value: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ..., patterns: _Optional[_Iterable[str]] = ...) -> None: ...

class TagDefinition(_message.Message):
    __slots__ = ("key", "display_name", "description", "group", "category", "value_type", "allowed_values", "exclusive", "update_cycle", "ttl_days", "assign_roles", "status", "hints", "created_at", "updated_at", "merged_into")
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
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
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
    merged_into: str
    def __init__(self, key: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., group: _Optional[str] = ..., category: _Optional[_Union[TagCategory, str]] = ..., value_type: _Optional[_Union[TagValueType, str]] = ..., allowed_values: _Optional[_Iterable[str]] = ..., exclusive: _Optional[bool] = ..., update_cycle: _Optional[_Union[UpdateCycle, str]] = ..., ttl_days: _Optional[int] = ..., assign_roles: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[TagStatus, str]] = ..., hints: _Optional[_Union[ExtractionHints, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., merged_into: _Optional[str] = ...) -> None: ...

class DefineTagRequest(_message.Message):
    __slots__ = ("definition",)
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    definition: TagDefinition
    def __init__(self, definition: _Optional[_Union[TagDefinition, _Mapping]] = ...) -> None: ...

class ListTagDefinitionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "group", "include_archived", "category", "statuses", "text")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    group: str
    include_archived: bool
    category: TagCategory
    statuses: _containers.RepeatedScalarFieldContainer[TagStatus]
    text: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., group: _Optional[str] = ..., include_archived: _Optional[bool] = ..., category: _Optional[_Union[TagCategory, str]] = ..., statuses: _Optional[_Iterable[_Union[TagStatus, str]]] = ..., text: _Optional[str] = ...) -> None: ...

class ListTagDefinitionsResponse(_message.Message):
    __slots__ = ("definitions", "next_page_token", "usages")
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    USAGES_FIELD_NUMBER: _ClassVar[int]
    definitions: _containers.RepeatedCompositeFieldContainer[TagDefinition]
    next_page_token: str
    usages: _containers.RepeatedCompositeFieldContainer[TagUsage]
    def __init__(self, definitions: _Optional[_Iterable[_Union[TagDefinition, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., usages: _Optional[_Iterable[_Union[TagUsage, _Mapping]]] = ...) -> None: ...

class ReferencingSegment(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class TagUsage(_message.Message):
    __slots__ = ("tag_key", "active_assignments", "customers", "last_assigned_at", "last_removed_at", "segments", "rules")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    LAST_ASSIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_REMOVED_AT_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    active_assignments: int
    customers: int
    last_assigned_at: _timestamp_pb2.Timestamp
    last_removed_at: _timestamp_pb2.Timestamp
    segments: _containers.RepeatedCompositeFieldContainer[ReferencingSegment]
    rules: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tag_key: _Optional[str] = ..., active_assignments: _Optional[int] = ..., customers: _Optional[int] = ..., last_assigned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_removed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., segments: _Optional[_Iterable[_Union[ReferencingSegment, _Mapping]]] = ..., rules: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTagRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class TagDetail(_message.Message):
    __slots__ = ("definition", "usage")
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    definition: TagDefinition
    usage: TagUsage
    def __init__(self, definition: _Optional[_Union[TagDefinition, _Mapping]] = ..., usage: _Optional[_Union[TagUsage, _Mapping]] = ...) -> None: ...

class TagStringList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateTagRequest(_message.Message):
    __slots__ = ("key", "display_name", "description", "group", "category", "allowed_values", "exclusive", "update_cycle", "ttl_days", "assign_roles", "hints")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_VALUES_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CYCLE_FIELD_NUMBER: _ClassVar[int]
    TTL_DAYS_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_ROLES_FIELD_NUMBER: _ClassVar[int]
    HINTS_FIELD_NUMBER: _ClassVar[int]
    key: str
    display_name: str
    description: str
    group: str
    category: TagCategory
    allowed_values: TagStringList
    exclusive: bool
    update_cycle: UpdateCycle
    ttl_days: int
    assign_roles: TagStringList
    hints: ExtractionHints
    def __init__(self, key: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., group: _Optional[str] = ..., category: _Optional[_Union[TagCategory, str]] = ..., allowed_values: _Optional[_Union[TagStringList, _Mapping]] = ..., exclusive: _Optional[bool] = ..., update_cycle: _Optional[_Union[UpdateCycle, str]] = ..., ttl_days: _Optional[int] = ..., assign_roles: _Optional[_Union[TagStringList, _Mapping]] = ..., hints: _Optional[_Union[ExtractionHints, _Mapping]] = ...) -> None: ...

class SetTagStatusRequest(_message.Message):
    __slots__ = ("key", "status", "reason")
    KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    key: str
    status: TagStatus
    reason: str
    def __init__(self, key: _Optional[str] = ..., status: _Optional[_Union[TagStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ArchiveTagsRequest(_message.Message):
    __slots__ = ("keys", "reason")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, keys: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class ArchiveSkip(_message.Message):
    __slots__ = ("key", "reason")
    KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    key: str
    reason: str
    def __init__(self, key: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ArchiveTagsResponse(_message.Message):
    __slots__ = ("archived", "skipped")
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    archived: _containers.RepeatedCompositeFieldContainer[TagDefinition]
    skipped: _containers.RepeatedCompositeFieldContainer[ArchiveSkip]
    def __init__(self, archived: _Optional[_Iterable[_Union[TagDefinition, _Mapping]]] = ..., skipped: _Optional[_Iterable[_Union[ArchiveSkip, _Mapping]]] = ...) -> None: ...

class ListDeadTagsRequest(_message.Message):
    __slots__ = ("unused_days", "page_size", "page_token")
    UNUSED_DAYS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unused_days: int
    page_size: int
    page_token: str
    def __init__(self, unused_days: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class DeadTag(_message.Message):
    __slots__ = ("definition", "usage", "reason")
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    definition: TagDefinition
    usage: TagUsage
    reason: str
    def __init__(self, definition: _Optional[_Union[TagDefinition, _Mapping]] = ..., usage: _Optional[_Union[TagUsage, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ListDeadTagsResponse(_message.Message):
    __slots__ = ("tags", "next_page_token", "total")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[DeadTag]
    next_page_token: str
    total: int
    def __init__(self, tags: _Optional[_Iterable[_Union[DeadTag, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class ValueMapping(_message.Message):
    __slots__ = ("to",)
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    to: str
    def __init__(self, to: _Optional[str] = ..., **kwargs) -> None: ...

class MergeTagsRequest(_message.Message):
    __slots__ = ("source_key", "target_key", "value_map", "reason")
    SOURCE_KEY_FIELD_NUMBER: _ClassVar[int]
    TARGET_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_MAP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    source_key: str
    target_key: str
    value_map: _containers.RepeatedCompositeFieldContainer[ValueMapping]
    reason: str
    def __init__(self, source_key: _Optional[str] = ..., target_key: _Optional[str] = ..., value_map: _Optional[_Iterable[_Union[ValueMapping, _Mapping]]] = ..., reason: _Optional[str] = ...) -> None: ...

class TagMerge(_message.Message):
    __slots__ = ("source_key", "target_key", "status", "moved", "kept_target", "actor", "started_at", "finished_at", "segments", "rules", "value_map")
    SOURCE_KEY_FIELD_NUMBER: _ClassVar[int]
    TARGET_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MOVED_FIELD_NUMBER: _ClassVar[int]
    KEPT_TARGET_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    VALUE_MAP_FIELD_NUMBER: _ClassVar[int]
    source_key: str
    target_key: str
    status: TagMergeStatus
    moved: int
    kept_target: int
    actor: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    segments: _containers.RepeatedCompositeFieldContainer[ReferencingSegment]
    rules: _containers.RepeatedScalarFieldContainer[str]
    value_map: _containers.RepeatedCompositeFieldContainer[ValueMapping]
    def __init__(self, source_key: _Optional[str] = ..., target_key: _Optional[str] = ..., status: _Optional[_Union[TagMergeStatus, str]] = ..., moved: _Optional[int] = ..., kept_target: _Optional[int] = ..., actor: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., segments: _Optional[_Iterable[_Union[ReferencingSegment, _Mapping]]] = ..., rules: _Optional[_Iterable[str]] = ..., value_map: _Optional[_Iterable[_Union[ValueMapping, _Mapping]]] = ...) -> None: ...

class GetTagMergeRequest(_message.Message):
    __slots__ = ("source_key",)
    SOURCE_KEY_FIELD_NUMBER: _ClassVar[int]
    source_key: str
    def __init__(self, source_key: _Optional[str] = ...) -> None: ...

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

class Turn(_message.Message):
    __slots__ = ("speaker", "text", "offset_ms")
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_MS_FIELD_NUMBER: _ClassVar[int]
    speaker: Speaker
    text: str
    offset_ms: int
    def __init__(self, speaker: _Optional[_Union[Speaker, str]] = ..., text: _Optional[str] = ..., offset_ms: _Optional[int] = ...) -> None: ...

class ConversationInput(_message.Message):
    __slots__ = ("id", "customer_id", "channel", "started_at", "time_zone", "turns", "rep_id", "summary")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    REP_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    channel: ConversationChannel
    started_at: _timestamp_pb2.Timestamp
    time_zone: str
    turns: _containers.RepeatedCompositeFieldContainer[Turn]
    rep_id: str
    summary: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[ConversationChannel, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ..., turns: _Optional[_Iterable[_Union[Turn, _Mapping]]] = ..., rep_id: _Optional[str] = ..., summary: _Optional[str] = ...) -> None: ...

class Span(_message.Message):
    __slots__ = ("turn_index", "start", "end", "quote")
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    turn_index: int
    start: int
    end: int
    quote: str
    def __init__(self, turn_index: _Optional[int] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., quote: _Optional[str] = ...) -> None: ...

class HeardFact(_message.Message):
    __slots__ = ("kind", "value", "text", "qualifier", "confidence", "evidence", "at", "amount", "amount_max")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    QUALIFIER_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MAX_FIELD_NUMBER: _ClassVar[int]
    kind: str
    value: str
    text: str
    qualifier: str
    confidence: float
    evidence: Span
    at: _timestamp_pb2.Timestamp
    amount: float
    amount_max: float
    def __init__(self, kind: _Optional[str] = ..., value: _Optional[str] = ..., text: _Optional[str] = ..., qualifier: _Optional[str] = ..., confidence: _Optional[float] = ..., evidence: _Optional[_Union[Span, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., amount: _Optional[float] = ..., amount_max: _Optional[float] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("id", "customer_id", "conversation_id", "tag_key", "value", "action", "confidence", "evidence", "reason", "status", "created_at", "reviewed_by", "reviewed_at", "review_note", "display_name", "group")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_AT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_NOTE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    conversation_id: str
    tag_key: str
    value: str
    action: SuggestionAction
    confidence: float
    evidence: Span
    reason: str
    status: SuggestionStatus
    created_at: _timestamp_pb2.Timestamp
    reviewed_by: str
    reviewed_at: _timestamp_pb2.Timestamp
    review_note: str
    display_name: str
    group: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., tag_key: _Optional[str] = ..., value: _Optional[str] = ..., action: _Optional[_Union[SuggestionAction, str]] = ..., confidence: _Optional[float] = ..., evidence: _Optional[_Union[Span, _Mapping]] = ..., reason: _Optional[str] = ..., status: _Optional[_Union[SuggestionStatus, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reviewed_by: _Optional[str] = ..., reviewed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., review_note: _Optional[str] = ..., display_name: _Optional[str] = ..., group: _Optional[str] = ...) -> None: ...

class Conversation(_message.Message):
    __slots__ = ("id", "customer_id", "channel", "started_at", "time_zone", "turns", "rep_id", "summary", "facts", "suggestions", "received_at", "extracted_at", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    REP_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    channel: ConversationChannel
    started_at: _timestamp_pb2.Timestamp
    time_zone: str
    turns: _containers.RepeatedCompositeFieldContainer[Turn]
    rep_id: str
    summary: str
    facts: _containers.RepeatedCompositeFieldContainer[HeardFact]
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    received_at: _timestamp_pb2.Timestamp
    extracted_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., channel: _Optional[_Union[ConversationChannel, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ..., turns: _Optional[_Iterable[_Union[Turn, _Mapping]]] = ..., rep_id: _Optional[str] = ..., summary: _Optional[str] = ..., facts: _Optional[_Iterable[_Union[HeardFact, _Mapping]]] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., extracted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IngestConversationRequest(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: ConversationInput
    def __init__(self, conversation: _Optional[_Union[ConversationInput, _Mapping]] = ...) -> None: ...

class IngestConversationResponse(_message.Message):
    __slots__ = ("conversation", "duplicate", "applied", "suggested", "skipped")
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    duplicate: bool
    applied: _containers.RepeatedCompositeFieldContainer[TagAssignment]
    suggested: _containers.RepeatedCompositeFieldContainer[Suggestion]
    skipped: _containers.RepeatedCompositeFieldContainer[SkippedAssignment]
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ..., duplicate: _Optional[bool] = ..., applied: _Optional[_Iterable[_Union[TagAssignment, _Mapping]]] = ..., suggested: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., skipped: _Optional[_Iterable[_Union[SkippedAssignment, _Mapping]]] = ...) -> None: ...

class ReextractConversationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class GetConversationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class ListConversationsRequest(_message.Message):
    __slots__ = ("customer_id", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConversationsResponse(_message.Message):
    __slots__ = ("conversations", "next_page_token")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    next_page_token: str
    def __init__(self, conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BatchListConversationsRequest(_message.Message):
    __slots__ = ("customer_ids", "per_customer")
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    PER_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    per_customer: int
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ..., per_customer: _Optional[int] = ...) -> None: ...

class CustomerConversations(_message.Message):
    __slots__ = ("customer_id", "conversations")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    def __init__(self, customer_id: _Optional[str] = ..., conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ...) -> None: ...

class BatchListConversationsResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[CustomerConversations]
    def __init__(self, customers: _Optional[_Iterable[_Union[CustomerConversations, _Mapping]]] = ...) -> None: ...

class ListSuggestionsRequest(_message.Message):
    __slots__ = ("customer_id", "conversation_id", "tag_key", "status", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    conversation_id: str
    tag_key: str
    status: SuggestionStatus
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., tag_key: _Optional[str] = ..., status: _Optional[_Union[SuggestionStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSuggestionsResponse(_message.Message):
    __slots__ = ("suggestions", "next_page_token")
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    next_page_token: str
    def __init__(self, suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReviewSuggestionRequest(_message.Message):
    __slots__ = ("suggestion_id", "decision", "note")
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    suggestion_id: str
    decision: ReviewDecision
    note: str
    def __init__(self, suggestion_id: _Optional[str] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ReviewSuggestionResponse(_message.Message):
    __slots__ = ("suggestion", "assigned", "removed")
    SUGGESTION_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    suggestion: Suggestion
    assigned: _containers.RepeatedCompositeFieldContainer[TagAssignment]
    removed: _containers.RepeatedCompositeFieldContainer[TagAssignment]
    def __init__(self, suggestion: _Optional[_Union[Suggestion, _Mapping]] = ..., assigned: _Optional[_Iterable[_Union[TagAssignment, _Mapping]]] = ..., removed: _Optional[_Iterable[_Union[TagAssignment, _Mapping]]] = ...) -> None: ...

class GetTagPrecisionRequest(_message.Message):
    __slots__ = ("tag_keys",)
    TAG_KEYS_FIELD_NUMBER: _ClassVar[int]
    tag_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tag_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class TagPrecision(_message.Message):
    __slots__ = ("tag_key", "display_name", "accepted", "rejected", "pending", "applied", "has_precision", "precision")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    HAS_PRECISION_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    display_name: str
    accepted: int
    rejected: int
    pending: int
    applied: int
    has_precision: bool
    precision: float
    def __init__(self, tag_key: _Optional[str] = ..., display_name: _Optional[str] = ..., accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., pending: _Optional[int] = ..., applied: _Optional[int] = ..., has_precision: _Optional[bool] = ..., precision: _Optional[float] = ...) -> None: ...

class GetTagPrecisionResponse(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[TagPrecision]
    def __init__(self, tags: _Optional[_Iterable[_Union[TagPrecision, _Mapping]]] = ...) -> None: ...

class ConversationSettings(_message.Message):
    __slots__ = ("auto_apply_threshold", "time_zone", "updated_at", "updated_by")
    AUTO_APPLY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    auto_apply_threshold: float
    time_zone: str
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, auto_apply_threshold: _Optional[float] = ..., time_zone: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class GetConversationSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateConversationSettingsRequest(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: ConversationSettings
    def __init__(self, settings: _Optional[_Union[ConversationSettings, _Mapping]] = ...) -> None: ...
