"""Customer profiles: validating and normalising input, and the identity keys that resolve duplicates.

Pure logic, no I/O. `validate_customer` checks a whole input before anything is written, so bad
input changes nothing; `identity_keys` names the contact points (email, phone, WeChat id) that may
belong to at most one customer of a tenant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from common.errors import InvalidArgument
from services.leads.contacts import normalise_email, normalise_phone, normalise_wechat_id

# The lead lifecycle (services/leads/status.py says which moves are allowed).
STATUSES = ("new", "contacted", "qualified", "opportunity", "won", "lost", "invalid")
INITIAL_STATUS = "new"

# Free-text fields and their maximum length in characters (not bytes: 100 Chinese characters fit).
TEXT_LIMITS: dict[str, int] = {
    "name": 100,
    "company": 200,
    "title": 100,
    "region": 64,
    "industry": 64,
    "company_size": 32,
    "source_channel": 64,
    "campaign": 100,
    "owner_id": 64,
}
_WHITESPACE = re.compile(r"\s+")

# The order in which identity keys are claimed. A fixed order means two concurrent creates that
# share several contact points collide on the first shared one instead of each holding half.
IDENTITY_KINDS = ("email", "phone", "wechat_id")


@dataclass(frozen=True, kw_only=True)
class CustomerFields:
    """A validated, normalised customer input: what CreateCustomer stores besides id, status and times."""

    name: str
    company: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""
    wechat_id: str = ""
    region: str = ""
    industry: str = ""
    company_size: str = ""
    source_channel: str = ""
    campaign: str = ""
    owner_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class IdentityKey:
    """One contact point of one customer; `storage_id(tenant)` is unique per tenant by construction."""

    kind: str
    value: str

    def storage_id(self, tenant: str) -> str:
        return f"{tenant}|{self.kind}|{self.value}"


def clean_text(value: str, *, field: str, limit: int) -> str:
    """Trim, fold runs of whitespace to one space, and enforce `limit`; control characters are refused."""
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidArgument(f"{field} must not contain control characters", field=field)
    if len(text) > limit:
        raise InvalidArgument(
            f"{field} is {len(text)} characters long; at most {limit} are allowed", field=field
        )
    return text


def validate_customer(raw: Mapping[str, str]) -> CustomerFields:
    """Validate and normalise a customer input (keys as in `CustomerInput`); raises on the first error.

    Errors name the field as `customer.<field>`. The name is required; contact points are optional
    but must be well-formed when given: email lower-cased, phone in E.164, WeChat id as typed.
    """
    values: dict[str, str] = {}
    for name, limit in TEXT_LIMITS.items():
        values[name] = clean_text(raw.get(name, ""), field=f"customer.{name}", limit=limit)
    if not values["name"]:
        raise InvalidArgument("customer.name is required", field="customer.name")
    values["email"] = normalise_email(raw.get("email", ""))
    values["phone"] = normalise_phone(raw.get("phone", ""))
    values["wechat_id"] = normalise_wechat_id(raw.get("wechat_id", ""))
    return CustomerFields(**values)


def identity_keys(fields: CustomerFields) -> list[IdentityKey]:
    """The identity keys of a customer in claim order; empty contact points identify nobody.

    WeChat ids are keyed lower-cased because WeChat does not let two accounts differ only by case,
    so "Zhang_San88" and "zhang_san88" are the same person.
    """
    keys: list[IdentityKey] = []
    for kind in IDENTITY_KINDS:
        value = getattr(fields, kind)
        if value:
            keys.append(IdentityKey(kind, value.lower() if kind == "wechat_id" else value))
    return keys


def new_customer_document(
    fields: CustomerFields, *, tenant: str, customer_id: str, now: datetime
) -> dict[str, Any]:
    """The stored form of a new customer: `_id` is the customer id, times truncated to what Mongo keeps."""
    stamp = now.replace(microsecond=(now.microsecond // 1000) * 1000)
    return {
        "_id": customer_id,
        "tenant_id": tenant,
        **fields.as_dict(),
        "status": INITIAL_STATUS,
        "reached": [INITIAL_STATUS],  # funnel stages reached, kept after a loss (channel analytics)
        "created_at": stamp,
        "updated_at": stamp,
    }
