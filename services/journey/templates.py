"""Journey definitions as data: ordered stages, each naming the touchpoint types that imply it.

Three templates ship (5A, AIDA, AARRR), each at version 1; tenants define their own journeys too
(`definitions.py`, stored by `definition_store.py`), and 5A is the default journey of a tenant that
has chosen none. A touchpoint type that no stage lists is still a valid touchpoint: it joins the
timeline and moves no stage.

A stage has a kind: an ordinary step, "won by contract" or the further "won by payment", so a
signed deal and a paid one are separate stages that the funnel counts separately (`contract_signed`
and `payment` imply different stages in every template). `days_to_rot` (optional) says how long a
customer may stay in the stage before the deal counts as stale (`stale.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from common.errors import InvalidArgument

DEFAULT_JOURNEY = "5a"
STAGE = "stage"
WON_CONTRACT = "won_contract"
WON_PAYMENT = "won_payment"
STAGE_KINDS = (STAGE, WON_CONTRACT, WON_PAYMENT)


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One step of a journey and the touchpoint types that show a customer has reached it."""

    key: str
    name: str
    touchpoint_types: frozenset[str]
    kind: str = STAGE
    days_to_rot: int | None = None


@dataclass(frozen=True, kw_only=True)
class Journey:
    """An ordered list of stages; a stage's rank (1-based) is how deep into the journey it is."""

    key: str
    name: str
    stages: tuple[Stage, ...]
    version: int = 1
    template: bool = False
    _stage_by_type: dict[str, str] = field(init=False, repr=False, compare=False)
    _rank_by_stage: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A type implying two stages would make a touchpoint's stage ambiguous, so refuse it here.
        seen: dict[str, str] = {}
        for stage in self.stages:
            for kind in stage.touchpoint_types:
                if kind in seen:
                    raise ValueError(
                        f"journey {self.key}: {kind!r} implies both {seen[kind]} and {stage.key}"
                    )
                seen[kind] = stage.key
        object.__setattr__(self, "_stage_by_type", seen)
        object.__setattr__(self, "_rank_by_stage", {s.key: i for i, s in enumerate(self.stages, start=1)})

    @property
    def stage_keys(self) -> tuple[str, ...]:
        return tuple(stage.key for stage in self.stages)

    def stage_of(self, touchpoint_type: str) -> str:
        """The stage a touchpoint type implies, or "" when it implies none."""
        return self._stage_by_type.get(touchpoint_type, "")

    def rank(self, stage: str) -> int:
        """1 for the first stage, len(stages) for the last, 0 for "" or a stage not in this journey."""
        return self._rank_by_stage.get(stage, 0)

    def stage_at(self, rank: int) -> str:
        """The stage of a rank, "" for 0 or out of range."""
        return self.stages[rank - 1].key if 1 <= rank <= len(self.stages) else ""

    def stage(self, key: str) -> Stage | None:
        rank = self.rank(key)
        return self.stages[rank - 1] if rank else None

    def furthest_rank(self, reached: Iterable[str]) -> int:
        """The deepest rank among stages reached (stages this version does not know count 0)."""
        return max((self.rank(stage) for stage in reached), default=0)


def _stage(key: str, name: str, *types: str, kind: str = STAGE) -> Stage:
    return Stage(key=key, name=name, touchpoint_types=frozenset(types), kind=kind)


def _won(key: str, name: str, *types: str) -> Stage:
    return _stage(key, name, *types, kind=WON_CONTRACT)


def _paid(key: str = "paid", name: str = "Paid") -> Stage:
    return _stage(key, name, "payment", kind=WON_PAYMENT)


FIVE_A = Journey(
    key="5a",
    name="5A",
    template=True,
    stages=(
        _stage("aware", "Aware", "ad_impression", "ad_click", "social_view", "content_view", "event_booth"),
        _stage(
            "appeal",
            "Appeal",
            "website_visit",
            "content_read",
            "follow",
            "wechat_follow",
            "newsletter_signup",
        ),
        _stage(
            "ask",
            "Ask",
            "inquiry",
            "call_inbound",
            "consultation",
            "demo_request",
            "price_request",
            "store_visit",
            "test_drive",
            "quote_request",
        ),
        _won("act", "Act", "purchase", "contract_signed", "order"),
        _paid(),
        _stage("advocate", "Advocate", "referral", "review", "repurchase", "share"),
    ),
)

AIDA = Journey(
    key="aida",
    name="AIDA",
    template=True,
    stages=(
        _stage(
            "attention",
            "Attention",
            "ad_impression",
            "ad_click",
            "social_view",
            "content_view",
            "event_booth",
        ),
        _stage(
            "interest",
            "Interest",
            "website_visit",
            "content_read",
            "follow",
            "wechat_follow",
            "newsletter_signup",
        ),
        _stage(
            "desire",
            "Desire",
            "inquiry",
            "call_inbound",
            "consultation",
            "demo_request",
            "price_request",
            "store_visit",
            "test_drive",
            "quote_request",
        ),
        _won("action", "Action", "purchase", "contract_signed", "order"),
        _paid(),
    ),
)

AARRR = Journey(
    key="aarrr",
    name="AARRR",
    template=True,
    stages=(
        _stage(
            "acquisition",
            "Acquisition",
            "ad_impression",
            "ad_click",
            "social_view",
            "content_view",
            "event_booth",
            "website_visit",
        ),
        _stage(
            "activation",
            "Activation",
            "signup",
            "follow",
            "wechat_follow",
            "newsletter_signup",
            "content_read",
            "inquiry",
            "demo_request",
            "consultation",
        ),
        _stage("retention", "Retention", "login", "repeat_visit", "store_visit", "call_inbound"),
        _stage("referral", "Referral", "referral", "share", "review"),
        _won("revenue", "Revenue", "purchase", "contract_signed", "order", "repurchase"),
        _paid(),
    ),
)

TEMPLATES: dict[str, Journey] = {j.key: j for j in (FIVE_A, AIDA, AARRR)}


def template(key: str) -> Journey:
    """The template named `key` ("5a", "aida", "aarrr"); an unknown key is INVALID_ARGUMENT."""
    try:
        return TEMPLATES[key]
    except KeyError:
        known = ", ".join(sorted(TEMPLATES))
        raise InvalidArgument(f"unknown journey {key!r}; expected one of {known}", field="journey") from None


def journey_for_tenant(tenant: str) -> Journey:
    """The journey of a tenant that has defined none and chosen no default: 5A.

    Callers that serve a tenant ask `DefinitionStore.book(tenant)`; this is its fallback (and what
    tests that need no definitions use).
    """
    del tenant
    return TEMPLATES[DEFAULT_JOURNEY]
