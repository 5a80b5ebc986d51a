import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssignmentRule(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNMENT_RULE_UNSPECIFIED: _ClassVar[AssignmentRule]
    ASSIGNMENT_RULE_ROUND_ROBIN: _ClassVar[AssignmentRule]
    ASSIGNMENT_RULE_CAPACITY: _ClassVar[AssignmentRule]

class FollowUpKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FOLLOW_UP_KIND_UNSPECIFIED: _ClassVar[FollowUpKind]
    FOLLOW_UP_KIND_CALL: _ClassVar[FollowUpKind]
    FOLLOW_UP_KIND_VISIT: _ClassVar[FollowUpKind]
    FOLLOW_UP_KIND_MESSAGE: _ClassVar[FollowUpKind]
    FOLLOW_UP_KIND_MEETING: _ClassVar[FollowUpKind]
ASSIGNMENT_RULE_UNSPECIFIED: AssignmentRule
ASSIGNMENT_RULE_ROUND_ROBIN: AssignmentRule
ASSIGNMENT_RULE_CAPACITY: AssignmentRule
FOLLOW_UP_KIND_UNSPECIFIED: FollowUpKind
FOLLOW_UP_KIND_CALL: FollowUpKind
FOLLOW_UP_KIND_VISIT: FollowUpKind
FOLLOW_UP_KIND_MESSAGE: FollowUpKind
FOLLOW_UP_KIND_MEETING: FollowUpKind

class Pool(_message.Message):
    __slots__ = ("id", "name", "team", "region", "claim_limit", "cooldown_hours", "follow_up_days", "callback_grace_hours", "lost_reasons", "assignment", "members", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CLAIM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_HOURS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_DAYS_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_GRACE_HOURS_FIELD_NUMBER: _ClassVar[int]
    LOST_REASONS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    team: str
    region: str
    claim_limit: int
    cooldown_hours: int
    follow_up_days: int
    callback_grace_hours: int
    lost_reasons: _containers.RepeatedScalarFieldContainer[str]
    assignment: AssignmentRule
    members: _containers.RepeatedScalarFieldContainer[str]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., team: _Optional[str] = ..., region: _Optional[str] = ..., claim_limit: _Optional[int] = ..., cooldown_hours: _Optional[int] = ..., follow_up_days: _Optional[int] = ..., callback_grace_hours: _Optional[int] = ..., lost_reasons: _Optional[_Iterable[str]] = ..., assignment: _Optional[_Union[AssignmentRule, str]] = ..., members: _Optional[_Iterable[str]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DefinePoolRequest(_message.Message):
    __slots__ = ("pool",)
    POOL_FIELD_NUMBER: _ClassVar[int]
    pool: Pool
    def __init__(self, pool: _Optional[_Union[Pool, _Mapping]] = ...) -> None: ...

class ListPoolsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPoolsResponse(_message.Message):
    __slots__ = ("pools",)
    POOLS_FIELD_NUMBER: _ClassVar[int]
    pools: _containers.RepeatedCompositeFieldContainer[Pool]
    def __init__(self, pools: _Optional[_Iterable[_Union[Pool, _Mapping]]] = ...) -> None: ...

class AddLeadsRequest(_message.Message):
    __slots__ = ("pool_id", "customer_ids")
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    pool_id: str
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, pool_id: _Optional[str] = ..., customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AddLeadsResponse(_message.Message):
    __slots__ = ("leads",)
    LEADS_FIELD_NUMBER: _ClassVar[int]
    leads: _containers.RepeatedCompositeFieldContainer[PoolLead]
    def __init__(self, leads: _Optional[_Iterable[_Union[PoolLead, _Mapping]]] = ...) -> None: ...

class OwnerSpan(_message.Message):
    __slots__ = ("owner_id", "claimed_at", "released_at", "reason", "note", "automatic", "merged_from")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AUTOMATIC_FIELD_NUMBER: _ClassVar[int]
    MERGED_FROM_FIELD_NUMBER: _ClassVar[int]
    owner_id: str
    claimed_at: _timestamp_pb2.Timestamp
    released_at: _timestamp_pb2.Timestamp
    reason: str
    note: str
    automatic: bool
    merged_from: str
    def __init__(self, owner_id: _Optional[str] = ..., claimed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., released_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., note: _Optional[str] = ..., automatic: _Optional[bool] = ..., merged_from: _Optional[str] = ...) -> None: ...

class PoolLead(_message.Message):
    __slots__ = ("customer_id", "pool_id", "owner_id", "claimed_at", "last_follow_up_at", "release_due_at", "last_reason", "release_count")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_FOLLOW_UP_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASE_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_REASON_FIELD_NUMBER: _ClassVar[int]
    RELEASE_COUNT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    pool_id: str
    owner_id: str
    claimed_at: _timestamp_pb2.Timestamp
    last_follow_up_at: _timestamp_pb2.Timestamp
    release_due_at: _timestamp_pb2.Timestamp
    last_reason: str
    release_count: int
    def __init__(self, customer_id: _Optional[str] = ..., pool_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., claimed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_follow_up_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., release_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_reason: _Optional[str] = ..., release_count: _Optional[int] = ...) -> None: ...

class ClaimLeadRequest(_message.Message):
    __slots__ = ("customer_id", "pool_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    pool_id: str
    def __init__(self, customer_id: _Optional[str] = ..., pool_id: _Optional[str] = ...) -> None: ...

class ReleaseLeadRequest(_message.Message):
    __slots__ = ("customer_id", "reason", "note")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    reason: str
    note: str
    def __init__(self, customer_id: _Optional[str] = ..., reason: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class FollowUp(_message.Message):
    __slots__ = ("id", "customer_id", "rep_id", "kind", "outcome", "notes", "at", "merged_from")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REP_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    MERGED_FROM_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    rep_id: str
    kind: FollowUpKind
    outcome: str
    notes: str
    at: _timestamp_pb2.Timestamp
    merged_from: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., rep_id: _Optional[str] = ..., kind: _Optional[_Union[FollowUpKind, str]] = ..., outcome: _Optional[str] = ..., notes: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., merged_from: _Optional[str] = ...) -> None: ...

class RecordFollowUpRequest(_message.Message):
    __slots__ = ("customer_id", "kind", "outcome", "notes")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    kind: FollowUpKind
    outcome: str
    notes: str
    def __init__(self, customer_id: _Optional[str] = ..., kind: _Optional[_Union[FollowUpKind, str]] = ..., outcome: _Optional[str] = ..., notes: _Optional[str] = ...) -> None: ...

class Callback(_message.Message):
    __slots__ = ("id", "customer_id", "owner_id", "promised_by", "due_at", "text", "quote", "conversation_id", "state", "source")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    PROMISED_BY_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    owner_id: str
    promised_by: str
    due_at: _timestamp_pb2.Timestamp
    text: str
    quote: str
    conversation_id: str
    state: str
    source: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., promised_by: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text: _Optional[str] = ..., quote: _Optional[str] = ..., conversation_id: _Optional[str] = ..., state: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class PromiseCallbackRequest(_message.Message):
    __slots__ = ("customer_id", "due_at", "text")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    due_at: _timestamp_pb2.Timestamp
    text: str
    def __init__(self, customer_id: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text: _Optional[str] = ...) -> None: ...

class ListPoolLeadsRequest(_message.Message):
    __slots__ = ("pool_id", "unclaimed_only", "page_size", "page_token")
    POOL_ID_FIELD_NUMBER: _ClassVar[int]
    UNCLAIMED_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    pool_id: str
    unclaimed_only: bool
    page_size: int
    page_token: str
    def __init__(self, pool_id: _Optional[str] = ..., unclaimed_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPoolLeadsResponse(_message.Message):
    __slots__ = ("leads", "next_page_token")
    LEADS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    leads: _containers.RepeatedCompositeFieldContainer[PoolLead]
    next_page_token: str
    def __init__(self, leads: _Optional[_Iterable[_Union[PoolLead, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMyLeadsRequest(_message.Message):
    __slots__ = ("owner_ids", "page_size", "page_token")
    OWNER_IDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner_ids: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, owner_ids: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class LeadFacts(_message.Message):
    __slots__ = ("customer_id", "lead", "owners", "follow_ups")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    OWNERS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    lead: PoolLead
    owners: _containers.RepeatedCompositeFieldContainer[OwnerSpan]
    follow_ups: _containers.RepeatedCompositeFieldContainer[FollowUp]
    def __init__(self, customer_id: _Optional[str] = ..., lead: _Optional[_Union[PoolLead, _Mapping]] = ..., owners: _Optional[_Iterable[_Union[OwnerSpan, _Mapping]]] = ..., follow_ups: _Optional[_Iterable[_Union[FollowUp, _Mapping]]] = ...) -> None: ...

class BatchGetLeadFactsRequest(_message.Message):
    __slots__ = ("customer_ids",)
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetLeadFactsResponse(_message.Message):
    __slots__ = ("facts",)
    FACTS_FIELD_NUMBER: _ClassVar[int]
    facts: _containers.RepeatedCompositeFieldContainer[LeadFacts]
    def __init__(self, facts: _Optional[_Iterable[_Union[LeadFacts, _Mapping]]] = ...) -> None: ...

class ListMissedCallbacksRequest(_message.Message):
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

class ListMissedCallbacksResponse(_message.Message):
    __slots__ = ("callbacks", "next_page_token")
    CALLBACKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    callbacks: _containers.RepeatedCompositeFieldContainer[Callback]
    next_page_token: str
    def __init__(self, callbacks: _Optional[_Iterable[_Union[Callback, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
