from __future__ import annotations

import pytest

from common.errors import InvalidArgument
from services.journey.templates import (
    AARRR,
    AIDA,
    DEFAULT_JOURNEY,
    FIVE_A,
    WON_CONTRACT,
    WON_PAYMENT,
    Journey,
    Stage,
    journey_for_tenant,
    template,
)


def test_5a_is_the_default_journey_of_every_tenant() -> None:
    assert DEFAULT_JOURNEY == "5a"
    assert journey_for_tenant("acme") is FIVE_A
    assert FIVE_A.stage_keys == ("aware", "appeal", "ask", "act", "paid", "advocate")


@pytest.mark.parametrize(
    ("touchpoint_type", "stage"),
    [
        ("ad_impression", "aware"),
        ("event_booth", "aware"),
        ("website_visit", "appeal"),
        ("wechat_follow", "appeal"),
        ("inquiry", "ask"),
        ("store_visit", "ask"),
        ("test_drive", "ask"),
        ("quote_request", "ask"),
        ("contract_signed", "act"),
        ("payment", "paid"),
        ("referral", "advocate"),
        ("repurchase", "advocate"),
    ],
)
def test_5a_maps_touchpoint_types_onto_stages(touchpoint_type: str, stage: str) -> None:
    assert FIVE_A.stage_of(touchpoint_type) == stage


def test_unknown_touchpoint_type_implies_no_stage() -> None:
    assert FIVE_A.stage_of("coffee_chat") == ""
    assert FIVE_A.rank("") == 0


def test_stage_ranks_follow_journey_order() -> None:
    assert [FIVE_A.rank(s) for s in FIVE_A.stage_keys] == [1, 2, 3, 4, 5, 6]
    assert FIVE_A.stage_at(4) == "act"
    assert FIVE_A.stage_at(0) == ""
    assert FIVE_A.stage_at(7) == ""


def test_aida_and_aarrr_templates_have_their_stages_in_order() -> None:
    assert AIDA.stage_keys == ("attention", "interest", "desire", "action", "paid")
    assert AARRR.stage_keys == ("acquisition", "activation", "retention", "referral", "revenue", "paid")
    assert AIDA.stage_of("demo_request") == "desire"
    assert AARRR.stage_of("referral") == "referral"
    assert AARRR.stage_of("purchase") == "revenue"


def test_templates_are_found_by_key_and_an_unknown_key_is_invalid() -> None:
    assert template("aida") is AIDA
    with pytest.raises(InvalidArgument) as err:
        template("nope")
    assert err.value.field == "journey"


def test_a_journey_where_one_type_implies_two_stages_is_refused() -> None:
    with pytest.raises(ValueError, match="implies both"):
        Journey(
            key="bad",
            name="Bad",
            stages=(
                Stage(key="a", name="A", touchpoint_types=frozenset({"visit"})),
                Stage(key="b", name="B", touchpoint_types=frozenset({"visit"})),
            ),
        )


@pytest.mark.parametrize("journey", [FIVE_A, AIDA, AARRR], ids=lambda j: j.key)
def test_every_template_tells_signed_from_paid(journey: Journey) -> None:
    signed, paid = (
        journey.stage(journey.stage_of("contract_signed")),
        journey.stage(journey.stage_of("payment")),
    )
    assert signed is not None and paid is not None
    assert (signed.kind, paid.kind) == (WON_CONTRACT, WON_PAYMENT)
    assert journey.rank(paid.key) == journey.rank(signed.key) + 1
