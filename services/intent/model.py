"""A tenant's intent model: every knob of the score, the surge rule and the call list, with validation.

The house model (`IntentModel()`) is what a tenant has until an admin edits it. Edits are whole,
versioned models (`version` counts up per tenant); stored aggregates remember the version they were
built with, so a score is always computed with the model its numbers came from
(docs/intent-scoring.md). Validation is pure and names the field of the first problem in GraphQL
spelling (`input.halfLifeDays`), so a bad model is refused before anything is stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from common.errors import InvalidArgument

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
FIT_ATTRIBUTES = ("region", "industry", "company_size")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")

# The built-in vocabulary of signal types (a tenant's own types become known once it sends them).
BUILTIN_TYPES: Mapping[str, tuple[float, str]] = MappingProxyType(
    {
        "demo_request": (25.0, "演示申请"),
        "pricing_page_view": (10.0, "定价页"),
        "webinar_attend": (12.0, "线上研讨会"),
        "competitor_research": (10.0, "竞品调研"),
        "whitepaper_download": (8.0, "白皮书下载"),
        "demo_video_watch": (8.0, "演示视频"),
        "case_study_view": (6.0, "案例浏览"),
        "product_page_view": (4.0, "产品页"),
        "email_click": (3.0, "邮件点击"),
        "content_read": (3.0, "内容阅读"),
    }
)
DEFAULT_CONTACT_TYPES = (
    "call",
    "call_inbound",
    "call_outbound",
    "phone_call",
    "visit",
    "store_visit",
    "meeting",
    "consultation",
    "test_drive",
)


@dataclass(frozen=True, kw_only=True)
class SignalTypeRule:
    """How one signal type counts: its weight, its own cap (None: the model's `type_cap`), a label."""

    type: str
    weight: float
    cap: float | None = None
    label: str = ""


@dataclass(frozen=True, kw_only=True)
class FitRule:
    """A multiplier for customers whose profile `attribute` equals `value` (e.g. region 上海 × 1.2)."""

    attribute: str  # region | industry | company_size
    value: str
    multiplier: float


@dataclass(frozen=True, kw_only=True)
class SurgeRule:
    """A surge: within the last `window_days` (UTC days, today included) a type reached `min_signals`
    and at least `ratio` × what its own baseline (the `baseline_days` before) predicts."""

    window_days: int = 2
    baseline_days: int = 28
    min_signals: int = 3
    ratio: float = 3.0
    cooldown_hours: float = 72.0
    min_weight: float = 4.0  # types weighing less (page-level noise) never make a surge


@dataclass(frozen=True, kw_only=True)
class CallListRule:
    """Who to call first: score × (1 + surge_boost × 2^(−age of the surge / surge_half_life))."""

    surge_boost: float = 1.0
    surge_half_life_hours: float = 24.0
    surge_open_days: int = 7  # an uncontacted surge older than this no longer lists a LOW customer


def _builtin_rules() -> tuple[SignalTypeRule, ...]:
    return tuple(SignalTypeRule(type=t, weight=w, label=label) for t, (w, label) in BUILTIN_TYPES.items())


@dataclass(frozen=True, kw_only=True)
class IntentModel:
    """Every number of the score (docs/intent-scoring.md has the formula and a worked example)."""

    version: int = 0  # 0: the house model, never edited
    signal_types: tuple[SignalTypeRule, ...] = field(default_factory=_builtin_rules)
    default_weight: float = 2.0
    half_life_days: float = 7.0
    window_days: int = 90
    saturation: float = 40.0
    type_cap: float = 30.0
    third_party_factor: float = 0.6
    engaged_dwell_seconds: float = 60.0
    dwell_factor: float = 1.5
    engaged_depth: float = 3.0  # properties.depth: pages (or sections) seen in the visit
    depth_factor: float = 1.2
    fit: tuple[FitRule, ...] = ()
    medium_threshold: float = 40.0
    high_threshold: float = 70.0
    surge: SurgeRule = field(default_factory=SurgeRule)
    call_list: CallListRule = field(default_factory=CallListRule)
    contact_types: tuple[str, ...] = DEFAULT_CONTACT_TYPES

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rules", {r.type: r for r in self.signal_types})

    @property
    def half_life_ms(self) -> float:
        return self.half_life_days * DAY_MS

    def rule(self, signal_type: str) -> SignalTypeRule | None:
        rules: dict[str, SignalTypeRule] = self._rules  # type: ignore[attr-defined]
        return rules.get(signal_type)

    def weight(self, signal_type: str) -> float:
        rule = self.rule(signal_type)
        return rule.weight if rule else self.default_weight

    def cap(self, signal_type: str) -> float:
        rule = self.rule(signal_type)
        return rule.cap if rule and rule.cap is not None else self.type_cap

    def label(self, signal_type: str) -> str:
        rule = self.rule(signal_type)
        return (rule.label if rule else "") or signal_type

    def fit_multiplier(self, profile: Mapping[str, str]) -> float:
        """The product of the multipliers whose attribute value matches the profile (1 when none)."""
        out = 1.0
        for rule in self.fit:
            if profile.get(rule.attribute, "") == rule.value:
                out *= rule.multiplier
        return out


def validate_model(model: IntentModel, *, known_types: Iterable[str], field: str = "input") -> IntentModel:
    """`model` if every knob is sane, else InvalidArgument naming the first bad field."""
    known = set(known_types) | set(BUILTIN_TYPES)
    seen: set[str] = set()
    for i, rule in enumerate(model.signal_types):
        where = f"{field}.signalTypes[{i}]"
        if rule.type in seen:
            raise InvalidArgument(f"{where}.type {rule.type!r} is listed twice", field=f"{where}.type")
        seen.add(rule.type)
        if not TYPE_RE.match(rule.type) or rule.type not in known:
            raise InvalidArgument(
                f"{where}.type {rule.type!r} is not a known signal type; known: {', '.join(sorted(known))}",
                field=f"{where}.type",
            )
        _between(rule.weight, 0, 1000, field=f"{where}.weight")
        if rule.cap is not None:
            _between(rule.cap, 0, 10_000, field=f"{where}.cap", low_open=True)
        if len(rule.label) > 32:
            raise InvalidArgument(f"{where}.label is longer than 32 characters", field=f"{where}.label")
    _between(model.default_weight, 0, 1000, field=f"{field}.defaultWeight")
    _between(model.half_life_days, 1 / 24, 365, field=f"{field}.halfLifeDays", low_open=False)
    _between(model.window_days, 1, 365, field=f"{field}.windowDays")
    _between(model.saturation, 0, 10_000, field=f"{field}.saturation", low_open=True)
    _between(model.type_cap, 0, 10_000, field=f"{field}.typeCap", low_open=True)
    _between(model.third_party_factor, 0, 10, field=f"{field}.thirdPartyFactor")
    _between(model.engaged_dwell_seconds, 0, 86_400, field=f"{field}.engagedDwellSeconds")
    _between(model.dwell_factor, 1, 10, field=f"{field}.dwellFactor")
    _between(model.engaged_depth, 0, 10_000, field=f"{field}.engagedDepth")
    _between(model.depth_factor, 1, 10, field=f"{field}.depthFactor")
    fits: set[tuple[str, str]] = set()
    for i, fit in enumerate(model.fit):
        where = f"{field}.fit[{i}]"
        if fit.attribute not in FIT_ATTRIBUTES:
            raise InvalidArgument(
                f"{where}.attribute must be one of {', '.join(FIT_ATTRIBUTES)}", field=f"{where}.attribute"
            )
        if not fit.value.strip() or len(fit.value) > 64:
            raise InvalidArgument(f"{where}.value must be 1-64 characters", field=f"{where}.value")
        if (fit.attribute, fit.value) in fits:
            raise InvalidArgument(f"{where} repeats {fit.attribute} = {fit.value!r}", field=f"{where}.value")
        fits.add((fit.attribute, fit.value))
        _between(fit.multiplier, 0, 10, field=f"{where}.multiplier")
    _between(model.medium_threshold, 0, 100, field=f"{field}.mediumThreshold", low_open=True)
    _between(model.high_threshold, 0, 100, field=f"{field}.highThreshold", low_open=True)
    if model.medium_threshold >= model.high_threshold:
        raise InvalidArgument(
            f"{field}.mediumThreshold ({model.medium_threshold:g}) must be below highThreshold "
            f"({model.high_threshold:g})",
            field=f"{field}.mediumThreshold",
        )
    s = model.surge
    _between(s.window_days, 1, 30, field=f"{field}.surge.windowDays")
    _between(s.baseline_days, 1, model.window_days, field=f"{field}.surge.baselineDays")
    if s.window_days + s.baseline_days > model.window_days:
        raise InvalidArgument(
            f"{field}.surge.windowDays + baselineDays must fit in windowDays ({model.window_days})",
            field=f"{field}.surge.baselineDays",
        )
    _between(s.min_signals, 1, 1000, field=f"{field}.surge.minSignals")
    _between(s.ratio, 1, 1000, field=f"{field}.surge.ratio")
    _between(s.cooldown_hours, 0, 24 * 90, field=f"{field}.surge.cooldownHours")
    _between(s.min_weight, 0, 1000, field=f"{field}.surge.minWeight")
    c = model.call_list
    _between(c.surge_boost, 0, 100, field=f"{field}.callList.surgeBoost")
    _between(c.surge_half_life_hours, 0, 24 * 90, field=f"{field}.callList.surgeHalfLifeHours", low_open=True)
    _between(c.surge_open_days, 1, 90, field=f"{field}.callList.surgeOpenDays")
    if not model.contact_types:
        raise InvalidArgument(f"{field}.contactTypes must not be empty", field=f"{field}.contactTypes")
    for i, kind in enumerate(model.contact_types):
        if not TYPE_RE.match(kind):
            raise InvalidArgument(
                f"{field}.contactTypes[{i}] {kind!r} is not a touchpoint type slug",
                field=f"{field}.contactTypes[{i}]",
            )
    return model


def _between(value: float, low: float, high: float, *, field: str, low_open: bool = False) -> None:
    bad = not math.isfinite(value) or value > high or (value <= low if low_open else value < low)
    if bad:
        bound = f"above {low:g}" if low_open else f"at least {low:g}"
        raise InvalidArgument(f"{field} must be {bound} and at most {high:g}, got {value:g}", field=field)
