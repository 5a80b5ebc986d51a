from crm.leads.v1 import leads_pb2 as _leads_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecoverLeadsRequest(_message.Message):
    __slots__ = ("expression", "page_size", "page_token")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    expression: str
    page_size: int
    page_token: str
    def __init__(self, expression: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TagLift(_message.Message):
    __slots__ = ("tag_key", "value", "tag_name", "lift", "won_with", "customers_with", "text")
    TAG_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TAG_NAME_FIELD_NUMBER: _ClassVar[int]
    LIFT_FIELD_NUMBER: _ClassVar[int]
    WON_WITH_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_WITH_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    tag_key: str
    value: str
    tag_name: str
    lift: float
    won_with: int
    customers_with: int
    text: str
    def __init__(self, tag_key: _Optional[str] = ..., value: _Optional[str] = ..., tag_name: _Optional[str] = ..., lift: _Optional[float] = ..., won_with: _Optional[int] = ..., customers_with: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class RecoveredLead(_message.Message):
    __slots__ = ("customer", "score", "reasons")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    customer: _leads_pb2.Customer
    score: float
    reasons: _containers.RepeatedCompositeFieldContainer[TagLift]
    def __init__(self, customer: _Optional[_Union[_leads_pb2.Customer, _Mapping]] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[_Union[TagLift, _Mapping]]] = ...) -> None: ...

class RecoverLeadsResponse(_message.Message):
    __slots__ = ("leads", "next_page_token", "total", "won_customers", "expression", "won_expression")
    LEADS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    WON_CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    WON_EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    leads: _containers.RepeatedCompositeFieldContainer[RecoveredLead]
    next_page_token: str
    total: int
    won_customers: int
    expression: str
    won_expression: str
    def __init__(self, leads: _Optional[_Iterable[_Union[RecoveredLead, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ..., won_customers: _Optional[int] = ..., expression: _Optional[str] = ..., won_expression: _Optional[str] = ...) -> None: ...
