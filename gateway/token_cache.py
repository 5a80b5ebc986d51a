"""A short-lived memory of tokens already verified, so a client's every request is not re-verified.

Verifying an HS256 JWT (base64, JSON, HMAC, claim checks) costs about as much as serving a trivial
query. A token that verified is remembered for at most `TTL_SECONDS` and never past its own `exp`,
keyed by the exact header value; anything not remembered is verified as usual. The price is that a
signing key withdrawn from the JWKS keeps working for tokens already seen for up to `TTL_SECONDS`.
"""

from __future__ import annotations

import base64
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from gateway.auth import Principal

TTL_SECONDS = 30.0
MAX_ENTRIES = 4096


def _expiry(token: str) -> float | None:
    """The `exp` claim of an already verified token (None if it cannot be read)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


class VerifiedTokens:
    """Bounded LRU of (Authorization header → principal, until when)."""

    def __init__(self, *, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def principal(self, header: str, verify: Callable[[], Awaitable[Principal]]) -> Principal:
        """The remembered principal for `header`, else `verify()` (which raises on a bad token)."""
        now = time.time()
        entry = self._entries.get(header)
        if entry is not None and entry[1] > now:
            self._entries.move_to_end(header)
            return entry[0]
        principal = await verify()
        expiry = _expiry(header.rpartition(" ")[2])
        if expiry is not None:
            self._entries[header] = (principal, min(now + self._ttl, expiry))
            if len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return principal
