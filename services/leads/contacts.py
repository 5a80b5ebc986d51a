"""Normalisation of the contact points that identify a customer: phone, email and WeChat id.

Pure functions, no I/O. Each returns the canonical form stored and used as an identity key, or
raises `InvalidArgument` naming the field, so "138 0013 8000", "+86 138-0013-8000" and
"0086 13800138000" all become "+8613800138000" and resolve to the same customer.
"""

from __future__ import annotations

import re
import unicodedata

from common.errors import InvalidArgument

# Separators people type inside phone numbers; full-width forms are folded to these by NFKC first.
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_DIGITS_WITH_PLUS = re.compile(r"^\+?\d+$")
# E.164: a country code that does not start with 0, at most 15 digits in all. Eight is the shortest
# number we accept: anything shorter is a typo or an extension, not a way to reach a customer.
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# Deliberately plausible rather than RFC 5322 complete: catches typos without rejecting real addresses.
_EMAIL_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_EMAIL_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
_EMAIL_MAX = 254
_EMAIL_LOCAL_MAX = 64

_WECHAT_ID = re.compile(r"^[A-Za-z][-_A-Za-z0-9]{5,19}$")


def normalise_phone(value: str, *, field: str = "customer.phone") -> str:
    """The phone number in E.164 form, or "" when none was given.

    Accepts spaces, dashes, dots and parentheses (also full-width ones) anywhere. An 11-digit number
    starting with 1 is a Chinese mobile and gets +86; a leading 0086 means +86. Every other number
    must carry its country code after a leading +, because without one "020 7946 0018" could be
    London or Guangzhou and guessing would merge the wrong customers.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return ""
    compact = _PHONE_SEPARATORS.sub("", text)
    if not _DIGITS_WITH_PLUS.match(compact):
        raise InvalidArgument(
            f"{field} {value!r} may only contain digits, a leading +, spaces, dashes and parentheses",
            field=field,
        )
    if compact.startswith("0086"):
        compact = "+86" + compact[4:]
    if not compact.startswith("+"):
        if _CN_MOBILE.match(compact):
            return "+86" + compact
        raise InvalidArgument(
            f"{field} {value!r} is not a Chinese mobile number (11 digits starting with 1); "
            "write other numbers with a leading + and the country code",
            field=field,
        )
    national = compact[3:]
    # +86 followed by 11 digits starting with 1 can only be a mobile; check it as one.
    is_cn_mobile_shape = compact.startswith("+86") and len(national) == 11 and national.startswith("1")
    if is_cn_mobile_shape and not _CN_MOBILE.match(national):
        raise InvalidArgument(f"{field} {value!r} is not a valid Chinese mobile number", field=field)
    if not _E164.match(compact):
        raise InvalidArgument(
            f"{field} {value!r} is not a valid international number (+ country code, 8 to 15 digits)",
            field=field,
        )
    return compact


def normalise_email(value: str, *, field: str = "customer.email") -> str:
    """The email lower-cased and trimmed, or "" when none was given; rejects implausible shapes."""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if (
        not at
        or len(text) > _EMAIL_MAX
        or len(local) > _EMAIL_LOCAL_MAX
        or not _EMAIL_LOCAL.match(local)
        or not _EMAIL_DOMAIN.match(domain)
    ):
        raise InvalidArgument(f"{field} {value!r} is not a valid email address", field=field)
    return text


def normalise_wechat_id(value: str, *, field: str = "customer.wechat_id") -> str:
    """The WeChat id trimmed, or "" when none was given; 6-20 characters starting with a letter."""
    text = value.strip()
    if not text:
        return ""
    if not _WECHAT_ID.match(text):
        raise InvalidArgument(
            f"{field} {value!r} is not a WeChat id (6 to 20 letters, digits, - or _, starting with a letter)",
            field=field,
        )
    return text
