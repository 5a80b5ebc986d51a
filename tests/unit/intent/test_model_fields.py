"""One list of the model's knobs: the proto's scalar fields. The domain model, the patch, the GraphQL
type and input must each have every one of them and no other, so a knob added in one place and
forgotten in another fails here (in either direction) rather than silently never changing."""

from __future__ import annotations

import dataclasses

from crm.intent.v1 import intent_pb2

from gateway.types import intent_model as graphql
from services.intent import model as domain
from services.intent import model_convert
from services.intent.model_convert import scalar_fields

# Knobs that are not single numbers: lists and nested rules, each converted by hand.
STRUCTURED = {"version", "signal_types", "fit", "surge", "call_list", "contact_types"}


def _dataclass_fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _graphql_fields(cls: type) -> set[str]:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    return {f.python_name for f in definition.fields}


def _proto_fields(message: type) -> set[str]:
    return {f.name for f in message.DESCRIPTOR.fields}  # type: ignore[attr-defined]


def test_both_lists_are_the_protos_scalars() -> None:
    scalars = set(scalar_fields(intent_pb2.IntentModel)) - {"version"}
    assert set(model_convert._SCALARS) == scalars == set(graphql._SCALARS)
    assert set(model_convert._SURGE) == _proto_fields(intent_pb2.SurgeRule) == set(graphql._SURGE)
    assert set(model_convert._CALL_LIST) == _proto_fields(intent_pb2.CallListRule) == set(graphql._CALL_LIST)
    assert scalars.isdisjoint(STRUCTURED) and "half_life_days" in scalars


def test_the_domain_model_has_exactly_the_protos_fields() -> None:
    assert _dataclass_fields(domain.IntentModel) == _proto_fields(intent_pb2.IntentModel)
    assert _dataclass_fields(domain.SurgeRule) == _proto_fields(intent_pb2.SurgeRule)
    assert _dataclass_fields(domain.CallListRule) == _proto_fields(intent_pb2.CallListRule)


def test_the_patch_offers_every_knob_and_only_those() -> None:
    patch = _proto_fields(intent_pb2.IntentModelPatch)
    assert patch == (_proto_fields(intent_pb2.IntentModel) - {"version"}) | {"remove_signal_types"}
    assert _proto_fields(intent_pb2.SurgeRulePatch) == _proto_fields(intent_pb2.SurgeRule)
    assert _proto_fields(intent_pb2.CallListRulePatch) == _proto_fields(intent_pb2.CallListRule)


def test_graphql_shows_and_accepts_every_knob_and_only_those() -> None:
    model = _proto_fields(intent_pb2.IntentModel)
    shown = _graphql_fields(graphql.IntentModel)
    # The GraphQL type adds what a version has besides its model (who, when, its re-score).
    assert shown - {"current", "created_at", "created_by", "note", "rescore", "known_signal_types"} == model
    assert _graphql_fields(graphql.IntentModelInput) == _proto_fields(intent_pb2.IntentModelPatch)
    for shown_rule, input_rule, message in (
        (graphql.IntentSurgeRule, graphql.IntentSurgeRuleInput, intent_pb2.SurgeRule),
        (graphql.IntentCallListRule, graphql.IntentCallListRuleInput, intent_pb2.CallListRule),
    ):
        assert _graphql_fields(shown_rule) == _graphql_fields(input_rule) == _proto_fields(message)
