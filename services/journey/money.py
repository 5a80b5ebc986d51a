"""Money on deals: a decimal string and an ISO 4217 currency in, integer minor units stored.

Why a decimal string at the edges and integer minor units inside: a float is not money (0.1 + 0.2),
people type amounts as text ("199800.00", "19.9"), and integer minor units (fen, cents) sum exactly
in MongoDB and in Python alike. Every currency is taken to have two decimals (CNY, USD, EUR): a
third decimal is refused rather than rounded, so nothing is silently changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidArgument

AMOUNT_RE = re.compile(r"^(\d{1,15})(?:\.(\d{1,2}))?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
MINOR_PER_MAJOR = 100


@dataclass(frozen=True, kw_only=True)
class Money:
    """An exact, non-negative amount in minor units of `currency`."""

    minor: int
    currency: str

    @property
    def amount(self) -> str:
        return format_minor(self.minor)

    def stored(self) -> dict[str, Any]:
        return {"minor": self.minor, "currency": self.currency}

    def json(self) -> dict[str, str]:
        """The form events and the API carry: decimal string and currency."""
        return {"amount": self.amount, "currency": self.currency}


def parse_money(amount: str, currency: str, *, field: str) -> Money:
    """Validate `amount` (decimal string, >= 0, at most two decimals) and `currency` (e.g. CNY).

    Raises InvalidArgument naming `field` (or `field.currency`) with what is wrong, so a client can
    show it next to the input.
    """
    text = amount.strip()
    if not text:
        raise InvalidArgument(f"{field}: an amount is required", field=field)
    if text.startswith("-"):
        raise InvalidArgument(f"{field}: the amount must not be negative, got {amount!r}", field=field)
    match = AMOUNT_RE.match(text)
    if match is None:
        if re.match(r"^\d+\.\d{3,}$", text):
            message = f"{field}: at most two decimals, got {amount!r}"
        else:
            message = f"{field}: the amount is not a number, got {amount!r} (use a decimal such as 199800.00)"
        raise InvalidArgument(message, field=field)
    code = currency.strip().upper()
    if not CURRENCY_RE.match(code):
        where = f"{field}.currency"
        raise InvalidArgument(
            f"{where}: an ISO 4217 currency code such as CNY, got {currency!r}", field=where
        )
    whole, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    return Money(minor=int(whole) * MINOR_PER_MAJOR + int(cents), currency=code)


def format_minor(minor: int) -> str:
    """Minor units as a decimal string with two decimals: 19980000 -> "199800.00"."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), MINOR_PER_MAJOR)
    return f"{sign}{whole}.{cents:02d}"


def money_from_stored(value: Any) -> Money | None:
    if not isinstance(value, dict) or "minor" not in value:
        return None
    return Money(minor=int(value["minor"]), currency=str(value.get("currency") or ""))
