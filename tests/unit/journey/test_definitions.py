"""Validating a journey a tenant defines, and which journeys a touchpoint moves."""

from __future__ import annotations

import pytest

from common.errors import InvalidArgument
from services.journey.definitions import JourneyBook, StageInput, build_journey
from services.journey.templates import FIVE_A, TEMPLATES


def stage(key: str, *types: str, kind: str = "stage", days: int = 0) -> StageInput:
    return StageInput(key=key, name="", touchpoint_types=list(types), kind=kind, days_to_rot=days)


@pytest.mark.parametrize(
    ("key", "stages", "field"),
    [
        ("cars", [], "stages"),
        ("Cars!", [stage("a")], "key"),
        ("aida", [stage("a")], "key"),
        ("cars", [stage("a", "x"), stage("a", "y")], "stages[1].key"),
        ("cars", [stage("a", "call"), stage("b", "sms", "call")], "stages[1].touchpoint_types[1]"),
        ("cars", [stage("a", "Bad Type")], "stages[0].touchpoint_types[0]"),
        ("cars", [stage("a", kind="won_payment")], "stages[0].kind"),
        ("cars", [stage("a", kind="won_contract"), stage("b", kind="won_contract")], "stages[1].kind"),
        ("cars", [stage("a", kind="lost")], "stages[0].kind"),
        ("cars", [stage("a", days=-1)], "stages[0].days_to_rot"),
    ],
)
def test_a_bad_definition_names_the_field(key: str, stages: list[StageInput], field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        build_journey(key=key, name="", stages=stages, version=1)
    assert refused.value.field == field


def test_a_good_definition_keeps_order_kinds_and_thresholds() -> None:
    journey = build_journey(
        key="cars",
        name=" Cars ",
        version=3,
        stages=[
            stage("call", "call_inbound"),
            stage("signed", "contract_signed", kind="won_contract", days=30),
        ],
    )
    assert (journey.name, journey.version, journey.stage_keys) == ("Cars", 3, ("call", "signed"))
    assert journey.stages[1].kind == "won_contract" and journey.stages[1].days_to_rot == 30
    assert journey.stages[0].days_to_rot is None


def test_a_touchpoint_moves_every_tracked_journey_that_lists_its_type() -> None:
    sedan = build_journey(key="sedan", name="", version=1, stages=[stage("drive", "test_drive")])
    suv = build_journey(
        key="suv", name="", version=1, stages=[stage("drive", "test_drive"), stage("tow", "tow_test")]
    )
    book = JourneyBook(journeys={**TEMPLATES, "sedan": sedan, "suv": suv}, default_key="5a")
    assert [j.key for j in book.tracked] == ["5a", "sedan", "suv"]
    assert [j.key for j in book.moved_by("test_drive")] == ["5a", "sedan", "suv"]
    assert [j.key for j in book.moved_by("tow_test")] == ["suv"]
    assert book.primary("tow_test").key == "suv" and book.stage_of("tow_test") == "tow"
    assert book.moved_by("coffee") == () and book.primary("coffee") is FIVE_A


def test_a_template_that_is_not_the_default_is_not_tracked() -> None:
    book = JourneyBook(default_key="aida")
    assert [j.key for j in book.tracked] == ["aida"]
