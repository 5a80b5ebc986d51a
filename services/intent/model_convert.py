"""The tenant's model in its three shapes — the domain `IntentModel`, its MongoDB document, its proto —
and the partial update: a patch merged onto the current model.

**Absent keeps its value.** Every scalar of `IntentModelPatch` is a proto3 `optional`; the nested
surge and call-list rules merge field by field; `fit` and `contact_types` replace their whole list
when present (a wrapper message says present); `signal_types` sets the listed types' rules and
leaves the other types' rules as they are (`remove_signal_types` drops rules).

**Error paths.** `validate_model` names the first bad field by its index in the model it is given.
`merge_patch` therefore returns the model twice: ordered for validation (the patch's rules first,
in the patch's order, so `input.signalTypes[2].weight` is the third rule *sent*) and in the stored
order (the current order, changed rules in place, new types appended).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from crm.intent.v1 import intent_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from common.errors import InvalidArgument
from services.intent.model import CallListRule, FitRule, IntentModel, SignalTypeRule, SurgeRule


def scalar_fields(message: type[Message]) -> tuple[str, ...]:
    """The message's single-valued number fields, in field-number order: the one list of a model's
    scalars (the proto says them once; this module, the patch and the GraphQL types follow it)."""
    return tuple(
        f.name
        for f in message.DESCRIPTOR.fields
        if f.type != FieldDescriptor.TYPE_MESSAGE and not f.is_repeated
    )


_SCALARS = tuple(n for n in scalar_fields(intent_pb2.IntentModel) if n != "version")
_SURGE = scalar_fields(intent_pb2.SurgeRule)
_CALL_LIST = scalar_fields(intent_pb2.CallListRule)
MAX_RULES = 200  # signal type rules (and fit rules) per model: a model is read on every score


def model_to_document(model: IntentModel) -> dict[str, Any]:
    """The model as plain BSON-able values (the `model` field of a version document)."""
    return dataclasses.asdict(model)


def model_from_document(doc: Mapping[str, Any]) -> IntentModel:
    """The inverse of `model_to_document`; unknown keys (a newer writer's) are ignored."""
    known = {f.name for f in dataclasses.fields(IntentModel)}
    values: dict[str, Any] = {k: v for k, v in doc.items() if k in known}
    values["signal_types"] = tuple(SignalTypeRule(**r) for r in doc.get("signal_types") or ())
    values["fit"] = tuple(FitRule(**r) for r in doc.get("fit") or ())
    values["surge"] = SurgeRule(**dict(doc.get("surge") or {}))
    values["call_list"] = CallListRule(**dict(doc.get("call_list") or {}))
    values["contact_types"] = tuple(doc.get("contact_types") or ())
    return IntentModel(**values)


def model_to_proto(model: IntentModel) -> intent_pb2.IntentModel:
    return intent_pb2.IntentModel(
        version=model.version,
        signal_types=[
            intent_pb2.SignalTypeRule(type=r.type, weight=r.weight, cap=r.cap, label=r.label)
            for r in model.signal_types
        ],
        fit=[
            intent_pb2.FitRule(attribute=f.attribute, value=f.value, multiplier=f.multiplier)
            for f in model.fit
        ],
        surge=intent_pb2.SurgeRule(**dataclasses.asdict(model.surge)),
        call_list=intent_pb2.CallListRule(**dataclasses.asdict(model.call_list)),
        contact_types=list(model.contact_types),
        **{name: getattr(model, name) for name in _SCALARS},
    )


def merge_patch(
    current: IntentModel, patch: intent_pb2.IntentModelPatch, *, version: int
) -> tuple[IntentModel, IntentModel]:
    """(model to validate, model to store): `patch` merged onto `current`, numbered `version`."""
    if len(patch.signal_types) > MAX_RULES:
        raise InvalidArgument(
            f"input.signalTypes lists more than {MAX_RULES} rules", field="input.signalTypes"
        )
    if patch.HasField("fit") and len(patch.fit.rules) > MAX_RULES:
        raise InvalidArgument(f"input.fit lists more than {MAX_RULES} rules", field="input.fit")
    changes: dict[str, Any] = {n: getattr(patch, n) for n in _SCALARS if patch.HasField(n)}
    changes["version"] = version
    if patch.HasField("fit"):
        changes["fit"] = tuple(
            FitRule(attribute=f.attribute, value=f.value, multiplier=f.multiplier) for f in patch.fit.rules
        )
    if patch.HasField("contact_types"):
        changes["contact_types"] = tuple(patch.contact_types.values)
    if patch.HasField("surge"):
        changes["surge"] = dataclasses.replace(
            current.surge, **{n: getattr(patch.surge, n) for n in _SURGE if patch.surge.HasField(n)}
        )
    if patch.HasField("call_list"):
        changes["call_list"] = dataclasses.replace(
            current.call_list,
            **{n: getattr(patch.call_list, n) for n in _CALL_LIST if patch.call_list.HasField(n)},
        )
    sent = [_rule(r, current) for r in patch.signal_types]
    removed = set(patch.remove_signal_types)
    for i, kind in enumerate(patch.remove_signal_types):
        if kind in {r.type for r in sent}:
            raise InvalidArgument(
                f"input.removeSignalTypes[{i}] {kind!r} is also set in input.signalTypes",
                field=f"input.removeSignalTypes[{i}]",
            )
    by_type = {r.type: r for r in sent}
    kept = [r for r in current.signal_types if r.type not in removed]
    stored = [by_type.get(r.type, r) for r in kept]
    stored += [r for r in sent if current.rule(r.type) is None or r.type in removed]
    unsent = [r for r in kept if r.type not in by_type]
    checked = dataclasses.replace(current, **changes, signal_types=(*sent, *unsent))
    return checked, dataclasses.replace(current, **changes, signal_types=_first_of_each(stored))


def _rule(rule: intent_pb2.SignalTypeRuleInput, current: IntentModel) -> SignalTypeRule:
    existing = current.rule(rule.type)
    label = rule.label if rule.HasField("label") else (existing.label if existing else "")
    return SignalTypeRule(
        type=rule.type, weight=rule.weight, cap=rule.cap if rule.HasField("cap") else None, label=label
    )


def _first_of_each(rules: list[SignalTypeRule]) -> tuple[SignalTypeRule, ...]:
    # Duplicates in a patch are refused by validation (on the checked order); this only keeps the
    # stored order well-formed should a caller store without validating.
    return tuple({r.type: r for r in reversed(rules)}.values())[::-1]
