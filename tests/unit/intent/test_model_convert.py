"""The tenant's model: patches merge onto the current model, absent fields keep their value, and
validation names the field the admin sent."""

from __future__ import annotations

import pytest
from crm.intent.v1 import intent_pb2

from common.errors import InvalidArgument
from services.intent.model import FitRule, IntentModel, validate_model
from services.intent.model_convert import merge_patch, model_from_document, model_to_document, model_to_proto

HOUSE = IntentModel()


def merged(patch: intent_pb2.IntentModelPatch, current: IntentModel = HOUSE) -> IntentModel:
    checked, stored = merge_patch(current, patch, version=current.version + 1)
    validate_model(checked, known_types=["partner_intent"], field="input")
    return stored


def test_a_model_survives_its_document_and_proto_forms() -> None:
    model = merged(
        intent_pb2.IntentModelPatch(
            half_life_days=3,
            fit=intent_pb2.FitRuleList(
                rules=[intent_pb2.FitRule(attribute="region", value="上海", multiplier=1.2)]
            ),
            signal_types=[intent_pb2.SignalTypeRuleInput(type="partner_intent", weight=5, cap=12)],
        )
    )
    assert model_from_document(model_to_document(model)) == model
    message = model_to_proto(model)
    assert message.half_life_days == 3
    assert message.signal_types[-1].cap == 12 and message.signal_types[0].HasField("cap") is False


def test_absent_fields_keep_their_value_and_sent_ones_change() -> None:
    base = merged(intent_pb2.IntentModelPatch(medium_threshold=30, surge=intent_pb2.SurgeRulePatch(ratio=4)))
    after = merged(
        intent_pb2.IntentModelPatch(
            signal_types=[intent_pb2.SignalTypeRuleInput(type="pricing_page_view", weight=20)],
            surge=intent_pb2.SurgeRulePatch(min_signals=2),
        ),
        base,
    )
    assert after.version == 2
    assert after.medium_threshold == 30 and after.high_threshold == HOUSE.high_threshold
    assert after.surge.ratio == 4 and after.surge.min_signals == 2
    assert after.weight("pricing_page_view") == 20
    assert after.label("pricing_page_view") == "定价页"  # the label was not sent: kept
    assert [r.type for r in after.signal_types] == [r.type for r in HOUSE.signal_types]  # order kept
    assert after.fit == () and after.contact_types == HOUSE.contact_types


def test_lists_sent_replace_and_removed_types_fall_to_the_default_weight() -> None:
    base = merged(
        intent_pb2.IntentModelPatch(
            fit=intent_pb2.FitRuleList(
                rules=[intent_pb2.FitRule(attribute="region", value="北京", multiplier=2)]
            )
        )
    )
    after = merged(
        intent_pb2.IntentModelPatch(fit=intent_pb2.FitRuleList(), remove_signal_types=["email_click"]), base
    )
    assert after.fit == ()
    assert after.rule("email_click") is None and after.weight("email_click") == HOUSE.default_weight
    assert base.fit == (FitRule(attribute="region", value="北京", multiplier=2.0),)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        (intent_pb2.IntentModelPatch(half_life_days=-1), "input.halfLifeDays"),
        (intent_pb2.IntentModelPatch(medium_threshold=80), "input.mediumThreshold"),
        (
            intent_pb2.IntentModelPatch(
                signal_types=[
                    intent_pb2.SignalTypeRuleInput(type="demo_request", weight=3),
                    intent_pb2.SignalTypeRuleInput(type="made_up_type", weight=3),
                ]
            ),
            "input.signalTypes[1].type",
        ),
        (
            intent_pb2.IntentModelPatch(
                signal_types=[
                    intent_pb2.SignalTypeRuleInput(type="email_click", weight=3),
                    intent_pb2.SignalTypeRuleInput(type="email_click", weight=4),
                ]
            ),
            "input.signalTypes[1].type",
        ),
        (
            intent_pb2.IntentModelPatch(
                fit=intent_pb2.FitRuleList(
                    rules=[
                        intent_pb2.FitRule(attribute="industry", value="汽车", multiplier=1.5),
                        intent_pb2.FitRule(attribute="industry", value="汽车", multiplier=1.1),
                    ]
                )
            ),
            "input.fit[1].value",
        ),
        (
            intent_pb2.IntentModelPatch(
                signal_types=[intent_pb2.SignalTypeRuleInput(type="email_click", weight=3)],
                remove_signal_types=["demo_request", "email_click"],
            ),
            "input.removeSignalTypes[1]",
        ),
    ],
)
def test_bad_patches_name_the_field_that_was_sent(patch: intent_pb2.IntentModelPatch, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        merged(patch)
    assert caught.value.field == field
