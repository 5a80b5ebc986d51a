"""The look-alike score's worked example (docs/lead-recovery.md), checked figure by figure."""

from __future__ import annotations

import math

import pytest

from services.leads.lookalike import FeatureCounts, feature_lifts, features_at, fit, score_columns

# 10 customers, 2 of them won (won rate r = 0.2), m = 2.
COUNTS = [
    FeatureCounts(tag_key="shop", value="", tag_name="有店铺", customers=3, won=2),
    FeatureCounts(tag_key="wholesale", value="", tag_name="批发", customers=4, won=0),
    FeatureCounts(tag_key="website", value="", tag_name="有官网", customers=5, won=1),
    FeatureCounts(tag_key="industry", value="餐饮", tag_name="行业", customers=1, won=1),
    FeatureCounts(tag_key="deal.won_product", value="柜子", tag_name="已成交产品", customers=2, won=2),
]


def lifts() -> dict[tuple[str, str], float]:
    found = feature_lifts(COUNTS, customers=10, won=2, exclude_keys=frozenset({"deal.won_product"}))
    return {key: lift.lift for key, lift in found.items()}


def test_lifts_of_the_worked_example_are_exact() -> None:
    # P̂(won | f) = (w + m·r) / (n + m); lift = P̂ / r.
    assert lifts() == {
        ("shop", ""): pytest.approx((2 + 0.4) / 5 / 0.2),  # 2.4 (raw: 3.33)
        ("wholesale", ""): pytest.approx((0 + 0.4) / 6 / 0.2),  # 0.333 (raw: 0)
        ("website", ""): pytest.approx(1.0),  # (1 + 0.4) / 7 = 0.2 = r
        ("industry", "餐饮"): pytest.approx((1 + 0.4) / 3 / 0.2),  # 2.333 (raw: 5)
    }
    assert lifts()[("shop", "")] == pytest.approx(2.4)


def test_the_tag_that_defines_won_is_not_a_feature() -> None:
    assert ("deal.won_product", "柜子") not in lifts()


def test_a_lead_score_is_the_sum_of_its_log_lifts_with_reasons_strongest_first() -> None:
    table = feature_lifts(COUNTS, customers=10, won=2)
    lead = fit([("shop", ""), ("wholesale", ""), ("website", ""), ("unknown", "")], table)
    assert lead.score == pytest.approx(math.log(2.4) + math.log(1 / 3))
    # ln(1/3) is stronger than ln(2.4); website (lift 1) says nothing and has no line.
    assert [r.text for r in lead.reasons] == [
        "批发: 3.0× less common among won customers",
        "有店铺: 2.4× more common among won customers",
    ]
    enum_lead = fit([("industry", "餐饮")], table)
    assert [r.text for r in enum_lead.reasons] == ["行业 = 餐饮: 2.3× more common among won customers"]


@pytest.mark.parametrize("won", [0, 10])
def test_without_won_customers_or_with_only_won_ones_every_lift_is_one(won: int) -> None:
    table = feature_lifts(COUNTS, customers=10, won=won)
    assert {x.lift for x in table.values()} == {1.0}
    assert fit([("shop", "")], table).score == 0.0


def test_rare_features_are_shrunk_toward_one() -> None:
    # One customer has the tag and bought: raw lift would be N/W = 100.
    rare = [FeatureCounts(tag_key="rare", value="", tag_name="稀有", customers=1, won=1)]
    assert feature_lifts(rare, customers=1000, won=10)[("rare", "")].lift == pytest.approx(
        (1 + 2 * 0.01) / 3 / 0.01
    )


def test_column_scores_equal_the_per_lead_sum_and_find_each_leads_features() -> None:
    # The tags service sends features column-wise: (feature, positions of the customers holding it).
    table = feature_lifts(COUNTS, customers=10, won=2)
    columns = [
        (("shop", ""), [0, 2]),
        (("wholesale", ""), [1, 2]),
        (("website", ""), [2]),
        (("gone", ""), [1]),
    ]
    scores = score_columns(3, columns, table)
    for position in range(3):
        held = features_at(columns, position)
        assert scores[position] == pytest.approx(fit(held, table).score)
    assert features_at(columns, 2) == [("shop", ""), ("wholesale", ""), ("website", "")]
    assert features_at(columns, 1) == [("wholesale", ""), ("gone", "")]
