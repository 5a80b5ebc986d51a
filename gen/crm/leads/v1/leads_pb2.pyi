import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Customer(_message.Message):
    __slots__ = ("id", "name", "company", "title", "phone", "email", "wechat_id", "region", "industry", "company_size", "source_channel", "campaign", "owner_id", "status", "created_at", "updated_at", "merged_into", "merged_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    WECHAT_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    COMPANY_SIZE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    MERGED_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    company: str
    title: str
    phone: str
    email: str
    wechat_id: str
    region: str
    industry: str
    company_size: str
    source_channel: str
    campaign: str
    owner_id: str
    status: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    merged_into: str
    merged_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., company: _Optional[str] = ..., title: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., wechat_id: _Optional[str] = ..., region: _Optional[str] = ..., industry: _Optional[str] = ..., company_size: _Optional[str] = ..., source_channel: _Optional[str] = ..., campaign: _Optional[str] = ..., owner_id: _Optional[str] = ..., status: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., merged_into: _Optional[str] = ..., merged_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CustomerInput(_message.Message):
    __slots__ = ("name", "company", "title", "phone", "email", "wechat_id", "region", "industry", "company_size", "source_channel", "campaign", "owner_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    WECHAT_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    COMPANY_SIZE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    company: str
    title: str
    phone: str
    email: str
    wechat_id: str
    region: str
    industry: str
    company_size: str
    source_channel: str
    campaign: str
    owner_id: str
    def __init__(self, name: _Optional[str] = ..., company: _Optional[str] = ..., title: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., wechat_id: _Optional[str] = ..., region: _Optional[str] = ..., industry: _Optional[str] = ..., company_size: _Optional[str] = ..., source_channel: _Optional[str] = ..., campaign: _Optional[str] = ..., owner_id: _Optional[str] = ...) -> None: ...

class CreateCustomerRequest(_message.Message):
    __slots__ = ("customer",)
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: CustomerInput
    def __init__(self, customer: _Optional[_Union[CustomerInput, _Mapping]] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class BatchGetCustomersRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchGetCustomersResponse(_message.Message):
    __slots__ = ("customers", "missing_ids")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    MISSING_IDS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[Customer]
    missing_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customers: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., missing_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateCustomerRequest(_message.Message):
    __slots__ = ("id", "customer", "update_mask")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer: CustomerInput
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, id: _Optional[str] = ..., customer: _Optional[_Union[CustomerInput, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class SetCustomerStatusRequest(_message.Message):
    __slots__ = ("id", "status", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListProfileHistoryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class FieldChange(_message.Message):
    __slots__ = ("field", "old_value", "new_value")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    field: str
    old_value: str
    new_value: str
    def __init__(self, field: _Optional[str] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ...) -> None: ...

class ProfileHistoryEntry(_message.Message):
    __slots__ = ("at", "actor", "reason", "merged_from", "changes")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MERGED_FROM_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    actor: str
    reason: str
    merged_from: str
    changes: _containers.RepeatedCompositeFieldContainer[FieldChange]
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., merged_from: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[FieldChange, _Mapping]]] = ...) -> None: ...

class ListProfileHistoryResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ProfileHistoryEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[ProfileHistoryEntry, _Mapping]]] = ...) -> None: ...

class MergeCustomersRequest(_message.Message):
    __slots__ = ("survivor_id", "duplicate_id")
    SURVIVOR_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ID_FIELD_NUMBER: _ClassVar[int]
    survivor_id: str
    duplicate_id: str
    def __init__(self, survivor_id: _Optional[str] = ..., duplicate_id: _Optional[str] = ...) -> None: ...

class SetChannelCostRequest(_message.Message):
    __slots__ = ("channel", "period", "amount", "currency")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    channel: str
    period: str
    amount: str
    currency: str
    def __init__(self, channel: _Optional[str] = ..., period: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class ChannelCost(_message.Message):
    __slots__ = ("channel", "period", "amount", "currency", "set_by", "set_at")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    SET_AT_FIELD_NUMBER: _ClassVar[int]
    channel: str
    period: str
    amount: str
    currency: str
    set_by: str
    set_at: _timestamp_pb2.Timestamp
    def __init__(self, channel: _Optional[str] = ..., period: _Optional[str] = ..., amount: _Optional[str] = ..., currency: _Optional[str] = ..., set_by: _Optional[str] = ..., set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetChannelAnalyticsRequest(_message.Message):
    __slots__ = ("from_period", "to_period", "currency")
    FROM_PERIOD_FIELD_NUMBER: _ClassVar[int]
    TO_PERIOD_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    from_period: str
    to_period: str
    currency: str
    def __init__(self, from_period: _Optional[str] = ..., to_period: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class ChannelFigures(_message.Message):
    __slots__ = ("channel", "leads", "contacted", "opportunities", "won", "contact_rate", "opportunity_rate", "win_rate", "revenue", "cost", "cost_per_lead", "cost_per_won", "roi", "has_roi")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LEADS_FIELD_NUMBER: _ClassVar[int]
    CONTACTED_FIELD_NUMBER: _ClassVar[int]
    OPPORTUNITIES_FIELD_NUMBER: _ClassVar[int]
    WON_FIELD_NUMBER: _ClassVar[int]
    CONTACT_RATE_FIELD_NUMBER: _ClassVar[int]
    OPPORTUNITY_RATE_FIELD_NUMBER: _ClassVar[int]
    WIN_RATE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    COST_PER_LEAD_FIELD_NUMBER: _ClassVar[int]
    COST_PER_WON_FIELD_NUMBER: _ClassVar[int]
    ROI_FIELD_NUMBER: _ClassVar[int]
    HAS_ROI_FIELD_NUMBER: _ClassVar[int]
    channel: str
    leads: int
    contacted: int
    opportunities: int
    won: int
    contact_rate: float
    opportunity_rate: float
    win_rate: float
    revenue: str
    cost: str
    cost_per_lead: str
    cost_per_won: str
    roi: float
    has_roi: bool
    def __init__(self, channel: _Optional[str] = ..., leads: _Optional[int] = ..., contacted: _Optional[int] = ..., opportunities: _Optional[int] = ..., won: _Optional[int] = ..., contact_rate: _Optional[float] = ..., opportunity_rate: _Optional[float] = ..., win_rate: _Optional[float] = ..., revenue: _Optional[str] = ..., cost: _Optional[str] = ..., cost_per_lead: _Optional[str] = ..., cost_per_won: _Optional[str] = ..., roi: _Optional[float] = ..., has_roi: _Optional[bool] = ...) -> None: ...

class GetChannelAnalyticsResponse(_message.Message):
    __slots__ = ("currency", "channels", "total")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    currency: str
    channels: _containers.RepeatedCompositeFieldContainer[ChannelFigures]
    total: ChannelFigures
    def __init__(self, currency: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[ChannelFigures, _Mapping]]] = ..., total: _Optional[_Union[ChannelFigures, _Mapping]] = ...) -> None: ...
