"""The identity provider's signing keys (a JWK set), fetched off the event loop and cached.

A token names its key by `kid`. Known keys are served from memory; the set is fetched again when
it is older than `cache_seconds` or when a token names a key we do not know (the provider rotated
its keys), but at most once per `min_refresh_seconds`, so a stream of tokens with made-up `kid`s
cannot turn the gateway into a load generator against the provider. When a fetch fails the keys
we already have stay in use: a provider outage must not lock out every signed-in user.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

import jwt
from jwt import PyJWK, PyJWKClient

log = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = ("RS256", "ES256")


class UnknownKeyError(Exception):
    """No key of the set has this `kid` (and the set was fetched as recently as allowed)."""


class JwksKeys:
    """The keys of one JWKS URL, by `kid`; only RS256 and ES256 keys are kept."""

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = 300.0,
        min_refresh_seconds: float = 30.0,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        # PyJWKClient does the HTTP and JWK parsing; its own caches are off because we keep ours,
        # with the refresh rate limit it lacks.
        self._client = PyJWKClient(url, cache_keys=False, cache_jwk_set=False, timeout=timeout)
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = -math.inf
        self._attempted_at = -math.inf
        self._lock = asyncio.Lock()
        self.fetches = 0
        self.last_error = ""

    def _fresh(self) -> bool:
        return time.monotonic() - self._fetched_at < self.cache_seconds

    async def key(self, kid: str) -> PyJWK:
        """The key named `kid`; UnknownKeyError when the provider's set does not have it."""
        if kid in self._keys and self._fresh():
            return self._keys[kid]
        await self._refresh(kid)
        if kid in self._keys:
            return self._keys[kid]
        raise UnknownKeyError(kid)

    async def _refresh(self, kid: str) -> None:
        async with self._lock:
            if kid in self._keys and self._fresh():
                return  # another request refreshed while we waited
            if time.monotonic() - self._attempted_at < self.min_refresh_seconds:
                return
            self._attempted_at = time.monotonic()
            self.fetches += 1
            try:
                jwk_set = await asyncio.to_thread(self._client.get_jwk_set, True)
            except (jwt.PyJWTError, ValueError, OSError) as err:  # unreachable, not JSON, no usable key
                self.last_error = str(err)
                log.warning("cannot fetch the JWK set from %s: %s", self.url, err)
                return
            self._keys = {
                k.key_id: k for k in jwk_set.keys if k.key_id and k.algorithm_name in ASYMMETRIC_ALGORITHMS
            }
            self._fetched_at = time.monotonic()
            self.last_error = ""
