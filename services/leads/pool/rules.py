"""A pool's rules (pure): defaults, validation, and the reasons a claim or a release is refused.

A pool (公海) belongs to a team or a region. Its rules: how many leads one rep may hold in it
(`claim_limit`), how long a rep who released a lead must wait before claiming it again (`cooldown`),
how long a claimed lead may go without a follow-up before it is released automatically, how long a
due call-back may wait for a follow-up before it is listed as missed, the lost reasons a release
must name, and how new leads are assigned (docs/lead-pool.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from common.errors import FailedPrecondition, InvalidArgument

DEFAULT_LOST_REASONS = ("预算不足", "非决策人", "选择竞品", "无响应", "无效", "其他")
NO_FOLLOW_UP = "无跟进"  # the reason of an automatic release; never one a rep may pick
ASSIGN_NONE, ASSIGN_ROUND_ROBIN, ASSIGN_CAPACITY = "none", "round_robin", "capacity"
ASSIGNMENT_RULES = (ASSIGN_NONE, ASSIGN_ROUND_ROBIN, ASSIGN_CAPACITY)
MAX_NAME, MAX_REASON, MAX_NOTE, MAX_REASONS, MAX_MEMBERS = 80, 40, 1000, 30, 200
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# Why a claim lost: the ErrorInfo reason a client can act on (wait, release one, pick another lead).
ALREADY_CLAIMED, LIMIT_REACHED, COOLDOWN, NOT_IN_POOL = (
    "already_claimed",
    "limit_reached",
    "cooldown",
    "not_in_pool",
)


@dataclass(frozen=True, kw_only=True)
class PoolRules:
    """One pool as stored and as the domain reasons about it."""

    id: str
    name: str
    team: str = ""
    region: str = ""
    claim_limit: int = 30
    cooldown_hours: int = 72
    follow_up_days: int = 7
    callback_grace_hours: int = 24
    lost_reasons: tuple[str, ...] = DEFAULT_LOST_REASONS
    assignment: str = ASSIGN_NONE
    members: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cooldown_ms(self) -> int:
        return self.cooldown_hours * HOUR_MS

    @property
    def follow_up_ms(self) -> int:
        return self.follow_up_days * DAY_MS

    @property
    def grace_ms(self) -> int:
        return self.callback_grace_hours * HOUR_MS


def _bounded(value: int, *, name: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidArgument(f"{name} must be between {low} and {high}, got {value}", field=f"pool.{name}")
    return value


def validate_pool(candidate: PoolRules) -> PoolRules:
    """The pool with defaults filled in, or InvalidArgument naming the first bad field."""
    name = candidate.name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidArgument(f"name must have 1 to {MAX_NAME} characters", field="pool.name")
    reasons = tuple(dict.fromkeys(r.strip() for r in candidate.lost_reasons)) or DEFAULT_LOST_REASONS
    if len(reasons) > MAX_REASONS or any(not r or len(r) > MAX_REASON for r in reasons):
        raise InvalidArgument(
            f"lost reasons: at most {MAX_REASONS}, each 1 to {MAX_REASON} characters",
            field="pool.lost_reasons",
        )
    if NO_FOLLOW_UP in reasons:
        raise InvalidArgument(f"{NO_FOLLOW_UP} is reserved for automatic releases", field="pool.lost_reasons")
    if candidate.assignment not in ASSIGNMENT_RULES:
        raise InvalidArgument(f"unknown assignment rule {candidate.assignment!r}", field="pool.assignment")
    members = tuple(dict.fromkeys(m.strip() for m in candidate.members if m.strip()))
    if len(members) > MAX_MEMBERS or any(len(m) > 64 for m in members):
        raise InvalidArgument(f"at most {MAX_MEMBERS} members of 1-64 characters", field="pool.members")
    if candidate.assignment != ASSIGN_NONE and not members:
        raise InvalidArgument("an assignment rule needs the pool's members", field="pool.members")
    return PoolRules(
        id=candidate.id,
        name=name,
        team=candidate.team.strip()[:MAX_NAME],
        region=candidate.region.strip()[:MAX_NAME],
        claim_limit=_bounded(candidate.claim_limit, name="claim_limit", low=1, high=10_000),
        cooldown_hours=_bounded(candidate.cooldown_hours, name="cooldown_hours", low=0, high=24 * 365),
        follow_up_days=_bounded(candidate.follow_up_days, name="follow_up_days", low=1, high=365),
        callback_grace_hours=_bounded(
            candidate.callback_grace_hours, name="callback_grace_hours", low=0, high=24 * 30
        ),
        lost_reasons=reasons,
        assignment=candidate.assignment,
        members=members,
    )


def check_release_reason(rules: PoolRules, reason: str, note: str) -> tuple[str, str]:
    """(reason, note) of a release a rep asked for, or InvalidArgument listing the pool's reasons."""
    reason = reason.strip()
    if not reason:
        raise InvalidArgument(
            f"a release needs a reason, one of {', '.join(rules.lost_reasons)}", field="reason"
        )
    if reason not in rules.lost_reasons:
        raise InvalidArgument(
            f"{reason!r} is not a lost reason of pool {rules.name}; use one of {', '.join(rules.lost_reasons)}",
            field="reason",
        )
    if len(note) > MAX_NOTE:
        raise InvalidArgument(f"a note has at most {MAX_NOTE} characters", field="note")
    return reason, note.strip()


def claim_refused(reason: str, message: str, *, customer_id: str, **extra: str) -> FailedPrecondition:
    """The error a losing claim gets: FAILED_PRECONDITION whose ErrorInfo metadata says why."""
    return FailedPrecondition(
        message, field="customer_id", metadata={"why": reason, "customer_id": customer_id, **extra}
    )
