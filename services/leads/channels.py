"""Channel analytics: which source channels bring leads that convert and pay back. Pure, no I/O.

A cohort view: the leads created in the months asked (by their `source_channel`), how far each got
along the funnel (`reached`, kept after a loss: an opportunity later lost still counts as one), the
revenue of their deals and the cost entered for the channel in those months. Money is integer minor
units (two decimals) all the way, so every figure is exact; a ratio of money is rounded half up to
the cent, and rates and ROI are plain ratios.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from common.errors import InvalidArgument

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
MAX_MINOR = 10**15  # a trillion in major units: beyond it is a typo, not a budget
CHANNEL_MAX = 64


def parse_period(value: str, *, field: str) -> tuple[int, int]:
    match = PERIOD_RE.match(value.strip())
    if not match:
        raise InvalidArgument(f"{field} {value!r} is not a month written YYYY-MM", field=field)
    return int(match.group(1)), int(match.group(2))


def period_bounds_ms(from_period: str, to_period: str) -> tuple[int, int]:
    """[start of the first month, start of the month after the last) in epoch ms, UTC."""
    y1, m1 = parse_period(from_period, field="from_period")
    y2, m2 = parse_period(to_period, field="to_period")
    if (y2, m2) < (y1, m1):
        raise InvalidArgument("to_period is before from_period", field="to_period")
    if (y2 - y1) * 12 + (m2 - m1) >= 36:
        raise InvalidArgument("at most 36 months at a time", field="to_period")
    end_y, end_m = (y2 + 1, 1) if m2 == 12 else (y2, m2 + 1)
    start = datetime(y1, m1, 1, tzinfo=UTC)
    end = datetime(end_y, end_m, 1, tzinfo=UTC)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def months(from_period: str, to_period: str) -> list[str]:
    (y, m), last = parse_period(from_period, field="from_period"), parse_period(to_period, field="to_period")
    out: list[str] = []
    while (y, m) <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def parse_money(value: str, *, field: str) -> int:
    """A non-negative decimal string with at most two decimals, in minor units."""
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidArgument(
            f"{field} {value!r} is not a decimal amount like 12000.00", field=field
        ) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidArgument(f"{field} must not be negative", field=field)
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise InvalidArgument(f"{field} has more than two decimals", field=field)
    if minor > MAX_MINOR:
        raise InvalidArgument(f"{field} is implausibly large", field=field)
    return int(minor)


def check_currency(value: str, *, field: str = "currency") -> str:
    code = value.strip().upper() or "CNY"
    if not CURRENCY_RE.match(code):
        raise InvalidArgument(f"{field} {value!r} is not an ISO 4217 code like CNY", field=field)
    return code


def check_channel(value: str) -> str:
    text = value.strip()
    if not text or len(text) > CHANNEL_MAX:
        raise InvalidArgument(f"channel must be 1 to {CHANNEL_MAX} characters", field="channel")
    return text


def money(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}"


def _per(minor: int, count: int) -> str:
    if count == 0:
        return ""
    return str((Decimal(minor) / 100 / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, kw_only=True)
class Lead:
    customer_id: str
    channel: str
    reached: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class Figures:
    channel: str
    leads: int
    contacted: int
    opportunities: int
    won: int
    revenue_minor: int
    cost_minor: int

    def rate(self, part: int) -> float:
        return part / self.leads if self.leads else 0.0

    @property
    def cost_per_lead(self) -> str:
        return _per(self.cost_minor, self.leads)

    @property
    def cost_per_won(self) -> str:
        return _per(self.cost_minor, self.won)

    @property
    def roi(self) -> float | None:
        """(revenue − cost) / cost; None when nothing was spent (no ROI to speak of)."""
        if self.cost_minor == 0:
            return None
        return (self.revenue_minor - self.cost_minor) / self.cost_minor


def channel_figures(
    leads: Iterable[Lead], revenue: Mapping[str, int], costs: Mapping[str, int]
) -> tuple[list[Figures], Figures]:
    """Per channel (those with leads or cost, by name) and the total.

    `revenue`: minor units per customer id; `costs`: minor units per channel over the months asked.
    """
    by_channel: dict[str, list[Lead]] = {}
    for lead in leads:
        by_channel.setdefault(lead.channel, []).append(lead)
    rows = [
        _figures(name, by_channel.get(name, []), revenue, costs.get(name, 0))
        for name in sorted(set(by_channel) | set(costs))
    ]
    total = Figures(
        channel="",
        leads=sum(r.leads for r in rows),
        contacted=sum(r.contacted for r in rows),
        opportunities=sum(r.opportunities for r in rows),
        won=sum(r.won for r in rows),
        revenue_minor=sum(r.revenue_minor for r in rows),
        cost_minor=sum(r.cost_minor for r in rows),
    )
    return rows, total


def _figures(channel: str, leads: list[Lead], revenue: Mapping[str, int], cost: int) -> Figures:
    return Figures(
        channel=channel,
        leads=len(leads),
        contacted=sum(1 for lead in leads if "contacted" in lead.reached),
        opportunities=sum(1 for lead in leads if "opportunity" in lead.reached),
        won=sum(1 for lead in leads if "won" in lead.reached),
        revenue_minor=sum(revenue.get(lead.customer_id, 0) for lead in leads),
        cost_minor=cost,
    )
