"""The tenant's intent scoring model in GraphQL: every knob, its versions, the background re-score.

Inputs follow `updateTag`: a field left out keeps its value; an explicit null is refused
(BAD_USER_INPUT naming the field) because "clear it" has no meaning for a number with a default.
`signalTypes` sets the listed types' rules (other types keep theirs), `fit` and `contactTypes`
replace their whole list, `surge` and `callList` merge field by field.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from crm.intent.v1 import intent_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from strawberry import UNSET

from common.timeutil import from_timestamp
from gateway.errors import bad_user_input
from gateway.types.pagination import PageInfo


@strawberry.enum(description="The profile attribute a fit rule matches")
class FitAttribute(Enum):
    REGION = "region"
    INDUSTRY = "industry"
    COMPANY_SIZE = "company_size"


@strawberry.enum
class IntentModelRescoreState(Enum):
    RUNNING = "running"
    DONE = "done"
    SUPERSEDED = strawberry.enum_value("superseded", description="A newer version took over first")


_STATE = {
    intent_pb2.MODEL_RESCORE_STATE_RUNNING: IntentModelRescoreState.RUNNING,
    intent_pb2.MODEL_RESCORE_STATE_DONE: IntentModelRescoreState.DONE,
    intent_pb2.MODEL_RESCORE_STATE_SUPERSEDED: IntentModelRescoreState.SUPERSEDED,
}


@strawberry.type(description="How one signal type counts")
class IntentSignalTypeRule:
    type: str
    weight: float
    cap: float | None = strawberry.field(description="Its own cap on points; null: the model's typeCap")
    label: str = strawberry.field(description="Display name in explanations and surge reasons, e.g. 定价页")


@strawberry.type(description="Customers whose profile attribute equals value score × multiplier")
class IntentFitRule:
    attribute: FitAttribute
    value: str
    multiplier: float


@strawberry.type(description="A surge: minSignals of a type in windowDays, ratio × its own baseline")
class IntentSurgeRule:
    window_days: int
    baseline_days: int
    min_signals: int
    ratio: float
    cooldown_hours: float
    min_weight: float


@strawberry.type(description="The call list's order: score × (1 + surgeBoost × 2^(−surge age / half-life))")
class IntentCallListRule:
    surge_boost: float
    surge_half_life_hours: float
    surge_open_days: int


@strawberry.type(
    description="Re-scoring every customer after a new version; reads use each customer's "
    "own version until it is re-scored"
)
class IntentModelRescore:
    state: IntentModelRescoreState
    done: int
    total: int
    started_at: datetime | None
    finished_at: datetime | None


@strawberry.type(description="Your tenant's intent scoring model (version 0 is the house model)")
class IntentModel:
    version: int
    current: bool
    created_at: datetime | None = strawberry.field(description="Null for the house model")
    created_by: str
    note: str
    rescore: IntentModelRescore | None = strawberry.field(description="Null for the house model")
    known_signal_types: list[str] = strawberry.field(
        description="Types a rule may name: the built-in ones and those your tenant has sent"
    )
    signal_types: list[IntentSignalTypeRule]
    default_weight: float = strawberry.field(description="The weight of a type without a rule")
    half_life_days: float
    window_days: int
    saturation: float
    type_cap: float
    third_party_factor: float
    engaged_dwell_seconds: float
    dwell_factor: float
    engaged_depth: float
    depth_factor: float
    fit: list[IntentFitRule]
    medium_threshold: float
    high_threshold: float
    surge: IntentSurgeRule
    call_list: IntentCallListRule
    contact_types: list[str]

    @classmethod
    def from_proto(cls, m: intent_pb2.IntentModelVersion) -> IntentModel:
        model, r = m.model, m.rescore
        return cls(
            version=model.version,
            current=m.current,
            created_at=from_timestamp(m.created_at) if m.HasField("created_at") else None,
            created_by=m.actor,
            note=m.note,
            rescore=IntentModelRescore(
                state=_STATE.get(r.state, IntentModelRescoreState.RUNNING),
                done=r.done,
                total=r.total,
                started_at=from_timestamp(r.started_at),
                finished_at=from_timestamp(r.finished_at) if r.HasField("finished_at") else None,
            )
            if m.HasField("rescore")
            else None,
            known_signal_types=list(m.known_signal_types),
            signal_types=[
                IntentSignalTypeRule(
                    type=s.type, weight=s.weight, cap=s.cap if s.HasField("cap") else None, label=s.label
                )
                for s in model.signal_types
            ],
            fit=[
                IntentFitRule(attribute=FitAttribute(f.attribute), value=f.value, multiplier=f.multiplier)
                for f in model.fit
            ],
            surge=IntentSurgeRule(**{n: getattr(model.surge, n) for n in _SURGE}),
            call_list=IntentCallListRule(**{n: getattr(model.call_list, n) for n in _CALL_LIST}),
            contact_types=list(model.contact_types),
            **{n: getattr(model, n) for n in _SCALARS},
        )


@strawberry.enum(description="How far the upgrade of data stored before the aggregates is")
class IntentDataMigrationState(Enum):
    NONE = strawberry.enum_value("none", description="Nothing of your tenant predated the aggregates")
    PENDING = strawberry.enum_value("pending", description="Scheduled, not started yet")
    SIGNALS = strawberry.enum_value("signals", description="Dating old signals")
    AGGREGATES = strawberry.enum_value("aggregates", description="Rebuilding old customers' scores")
    DONE = "done"


_MIGRATION_STATE = {
    intent_pb2.DATA_MIGRATION_STATE_NONE: IntentDataMigrationState.NONE,
    intent_pb2.DATA_MIGRATION_STATE_PENDING: IntentDataMigrationState.PENDING,
    intent_pb2.DATA_MIGRATION_STATE_SIGNALS: IntentDataMigrationState.SIGNALS,
    intent_pb2.DATA_MIGRATION_STATE_AGGREGATES: IntentDataMigrationState.AGGREGATES,
    intent_pb2.DATA_MIGRATION_STATE_DONE: IntentDataMigrationState.DONE,
}


@strawberry.type(
    description="The one-off upgrade of intent data stored before the incremental scores: old signals "
    "get their scoring time, then old customers' scores are rebuilt from them"
)
class IntentDataMigration:
    version: str
    state: IntentDataMigrationState
    signals_done: int = strawberry.field(description="Old signals given their scoring time")
    customers_done: int = strawberry.field(description="Customers whose score was rebuilt")
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_proto(cls, m: intent_pb2.DataMigration) -> IntentDataMigration:
        return cls(
            version=m.version,
            state=_MIGRATION_STATE.get(m.state, IntentDataMigrationState.NONE),
            signals_done=m.signals_done,
            customers_done=m.customers_done,
            started_at=from_timestamp(m.started_at) if m.HasField("started_at") else None,
            finished_at=from_timestamp(m.finished_at) if m.HasField("finished_at") else None,
        )


@strawberry.type
class IntentModelEdge:
    node: IntentModel
    cursor: str


# The model's scalar fields, as the proto lists them (services/intent/model_convert.py derives the same
# way): a new knob is a proto field plus its line in `IntentModel` and `IntentModelInput` below, and
# tests/unit/intent/test_model_fields.py fails while either is missing.
def _scalar_fields(message: type[Message]) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in message.DESCRIPTOR.fields
        if f.type != FieldDescriptor.TYPE_MESSAGE and not f.is_repeated
    )


_SCALARS = tuple(n for n in _scalar_fields(intent_pb2.IntentModel) if n != "version")
_SURGE = _scalar_fields(intent_pb2.SurgeRule)
_CALL_LIST = _scalar_fields(intent_pb2.CallListRule)


def _present(obj: Any, name: str, path: str) -> Any:
    """The field's value if sent; absent → None; an explicit null → BAD_USER_INPUT at `path`."""
    value = getattr(obj, name)
    if value is UNSET:
        return None
    if value is None:
        message = f"{path} cannot be null; leave it out to keep its value"
        raise bad_user_input(message, fields=[{"field": path, "message": message}])
    return value


def _camel(name: str) -> str:
    return "".join(p.capitalize() if i else p for i, p in enumerate(name.split("_")))


@strawberry.input(description="A rule for one signal type; replaces that type's rule as a whole")
class IntentSignalTypeRuleInput:
    type: str
    weight: float
    cap: float | None = strawberry.field(default=None, description="Null or absent: the model's typeCap")
    label: str | None = strawberry.field(default=UNSET, description="Absent: the type's current label")


@strawberry.input
class IntentFitRuleInput:
    attribute: FitAttribute
    value: str
    multiplier: float


@strawberry.input(description="Only the fields you send change")
class IntentSurgeRuleInput:
    window_days: int | None = UNSET
    baseline_days: int | None = UNSET
    min_signals: int | None = UNSET
    ratio: float | None = UNSET
    cooldown_hours: float | None = UNSET
    min_weight: float | None = UNSET


@strawberry.input(description="Only the fields you send change")
class IntentCallListRuleInput:
    surge_boost: float | None = UNSET
    surge_half_life_hours: float | None = UNSET
    surge_open_days: int | None = UNSET


@strawberry.input(description="Only the fields you send change; absent fields keep their value")
class IntentModelInput:
    signal_types: list[IntentSignalTypeRuleInput] | None = strawberry.field(
        default=UNSET, description="Set these types' rules; other types keep theirs"
    )
    remove_signal_types: list[str] | None = strawberry.field(
        default=UNSET, description="Drop these types' rules: they then weigh defaultWeight"
    )
    default_weight: float | None = UNSET
    half_life_days: float | None = UNSET
    window_days: int | None = UNSET
    saturation: float | None = UNSET
    type_cap: float | None = UNSET
    third_party_factor: float | None = UNSET
    engaged_dwell_seconds: float | None = UNSET
    dwell_factor: float | None = UNSET
    engaged_depth: float | None = UNSET
    depth_factor: float | None = UNSET
    fit: list[IntentFitRuleInput] | None = strawberry.field(
        default=UNSET, description="Replaces all fit rules; send [] to clear them"
    )
    medium_threshold: float | None = UNSET
    high_threshold: float | None = UNSET
    surge: IntentSurgeRuleInput | None = UNSET
    call_list: IntentCallListRuleInput | None = UNSET
    contact_types: list[str] | None = strawberry.field(
        default=UNSET, description="Touchpoint types that count as contacting the customer; replaces the list"
    )

    def to_proto(self) -> intent_pb2.IntentModelPatch:
        patch = intent_pb2.IntentModelPatch()
        for name in _SCALARS:
            value = _present(self, name, f"input.{_camel(name)}")
            if value is not None:
                setattr(patch, name, value)
        for i, rule in enumerate(_present(self, "signal_types", "input.signalTypes") or []):
            message = patch.signal_types.add(type=rule.type, weight=rule.weight)
            if rule.cap is not None:
                message.cap = rule.cap
            label = _present(rule, "label", f"input.signalTypes[{i}].label")
            if label is not None:
                message.label = label
        patch.remove_signal_types.extend(
            _present(self, "remove_signal_types", "input.removeSignalTypes") or []
        )
        fit = _present(self, "fit", "input.fit")
        if fit is not None:
            patch.fit.SetInParent()
            for f in fit:
                patch.fit.rules.add(attribute=f.attribute.value, value=f.value, multiplier=f.multiplier)
        contact = _present(self, "contact_types", "input.contactTypes")
        if contact is not None:
            patch.contact_types.SetInParent()
            patch.contact_types.values.extend(contact)
        surge = _present(self, "surge", "input.surge")
        if surge is not None:
            patch.surge.SetInParent()
            for name in _SURGE:
                value = _present(surge, name, f"input.surge.{_camel(name)}")
                if value is not None:
                    setattr(patch.surge, name, value)
        call_list = _present(self, "call_list", "input.callList")
        if call_list is not None:
            patch.call_list.SetInParent()
            for name in _CALL_LIST:
                value = _present(call_list, name, f"input.callList.{_camel(name)}")
                if value is not None:
                    setattr(patch.call_list, name, value)
        return patch


@strawberry.type
class IntentModelConnection:
    edges: list[IntentModelEdge]
    page_info: PageInfo
