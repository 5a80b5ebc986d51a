"""The look-alike fit score: how much a lead's tags look like the tags of the customers who bought.

Pure functions, no I/O (docs/lead-recovery.md has the worked example that tests/unit/leads checks).

**Features.** A feature is having a tag, or one value of an enum tag (the tags service names them:
`CountTagFeatures`). N customers, W of them won; a feature is held by n customers, w of them won.

**Lift** is P(feature | won) / P(feature | all) = (w / W) / (n / N), which by Bayes equals
P(won | feature) / P(won). Raw, it lies for small counts: a tag held by one customer who happens to
have bought claims a lift of N / W (e.g. 100×), and a tag no won customer has yet claims 0 (−∞ in
the log). So P(won | feature) is estimated with an m-estimate that starts from the tenant's won
rate r = W / N and lets the feature's own customers move it:

    P̂(won | feature) = (w + m·r) / (n + m)      lift = P̂(won | feature) / r

With m = PRIOR_CUSTOMERS (2), a feature needs more than two customers before its own won rate
outweighs the tenant's; lifts shrink toward 1 for rare features and never reach 0 or infinity; with
no won customer yet (W = 0) or only won customers (W = N) every lift is exactly 1 (no evidence).

**Score** of a lead: Σ ln(lift) over the features it has — the naive-Bayes log-likelihood ratio
"won vs. everyone" under the usual independence assumption, without the prior term (the same for
every lead, so it does not change the order). Features it lacks are ignored: a missing tag is more
often "nobody recorded it" than "it is not so". 0 means no evidence either way; above 0 looks like
the won customers, below 0 unlike them.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

PRIOR_CUSTOMERS = 2.0
# Lifts within this distance of 1 (in ln) say nothing worth a line in the explanation.
NEGLIGIBLE_LOG_LIFT = 0.01

FeatureKey = tuple[str, str]  # (tag key, value; "" = having the tag)


@dataclass(frozen=True, kw_only=True)
class FeatureCounts:
    """How many customers have a feature, and how many of those are won."""

    tag_key: str
    value: str
    tag_name: str
    customers: int
    won: int


@dataclass(frozen=True, kw_only=True)
class Lift:
    tag_key: str
    value: str
    tag_name: str
    lift: float
    won_with: int
    customers_with: int

    @property
    def log_lift(self) -> float:
        return math.log(self.lift)

    @property
    def label(self) -> str:
        return f"{self.tag_name} = {self.value}" if self.value else self.tag_name

    @property
    def text(self) -> str:
        """One explanation line: "有店铺: 3.1× more common among won customers"."""
        if self.lift >= 1:
            return f"{self.label}: {self.lift:.1f}× more common among won customers"
        return f"{self.label}: {1 / self.lift:.1f}× less common among won customers"


@dataclass(frozen=True)
class Fit:
    score: float
    reasons: list[Lift]  # strongest first, negligible ones left out


def feature_lifts(
    counts: Iterable[FeatureCounts],
    *,
    customers: int,
    won: int,
    prior_customers: float = PRIOR_CUSTOMERS,
    exclude_keys: frozenset[str] = frozenset(),
) -> dict[FeatureKey, Lift]:
    """The smoothed lift of every feature (see the module docstring), by (tag key, value).

    `exclude_keys` are the tags that define "won" themselves: they would only say "won customers
    are won". Features nobody has are left out."""
    lifts: dict[FeatureKey, Lift] = {}
    rate = won / customers if customers > 0 else 0.0
    for c in counts:
        if c.tag_key in exclude_keys or c.customers <= 0:
            continue
        if rate <= 0.0 or rate >= 1.0:
            lift = 1.0
        else:
            lift = ((c.won + prior_customers * rate) / (c.customers + prior_customers)) / rate
        lifts[(c.tag_key, c.value)] = Lift(
            tag_key=c.tag_key,
            value=c.value,
            tag_name=c.tag_name,
            lift=lift,
            won_with=c.won,
            customers_with=c.customers,
        )
    return lifts


def fit(features: Iterable[FeatureKey], lifts: Mapping[FeatureKey, Lift], *, max_reasons: int = 5) -> Fit:
    """A lead's score (Σ ln lift over its features) and the lines that explain it, strongest first.

    Ties in strength are broken by tag key and value, so the explanation reads the same every time."""
    held = [lifts[f] for f in dict.fromkeys(features) if f in lifts]
    score = math.fsum(x.log_lift for x in held)
    telling = [x for x in held if abs(x.log_lift) >= NEGLIGIBLE_LOG_LIFT]
    telling.sort(key=lambda x: (-abs(x.log_lift), x.tag_key, x.value))
    return Fit(score=score, reasons=telling[:max_reasons])


def score_columns(
    size: int, columns: Sequence[tuple[FeatureKey, Sequence[int]]], lifts: Mapping[FeatureKey, Lift]
) -> list[float]:
    """Scores of a page of `size` customers whose features come column-wise (feature, positions), as
    the tags service sends them: the same Σ ln lift as `fit`, summed feature by feature — one float
    add per assignment, no object per customer (bench/lead_recovery.py)."""
    scores = [0.0] * size
    for feature, positions in columns:
        lift = lifts.get(feature)
        if lift is None:
            continue
        weight = lift.log_lift
        for position in positions:
            scores[position] += weight
    return scores


def features_at(columns: Sequence[tuple[FeatureKey, Sequence[int]]], position: int) -> list[FeatureKey]:
    """The features of the customer at `position` of a column-wise page (positions ascend per column)."""
    found: list[FeatureKey] = []
    for feature, positions in columns:
        at = bisect_left(positions, position)
        if at < len(positions) and positions[at] == position:
            found.append(feature)
    return found
