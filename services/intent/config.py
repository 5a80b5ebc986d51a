"""Settings only the intent service has, read once from environment variables with sane defaults.

The shared `common.config.Settings` covers connections; these cover the intent domain's limits.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from common.config import positive_int


@dataclass(frozen=True, kw_only=True)
class IntentConfig:
    """Retention and clock-skew limits for incoming signals."""

    retention_days: int = 180  # signals older than this are refused on ingest and expire (TTL index)
    max_future_seconds: int = 300  # tolerated clock skew of senders

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    @property
    def max_future(self) -> timedelta:
        return timedelta(seconds=self.max_future_seconds)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IntentConfig:
        """Read INTENT_RETENTION_DAYS and INTENT_MAX_FUTURE_SECONDS (os.environ by default)."""
        env = os.environ if env is None else env
        return cls(
            retention_days=positive_int(env, "INTENT_RETENTION_DAYS", cls.retention_days),
            max_future_seconds=positive_int(env, "INTENT_MAX_FUTURE_SECONDS", cls.max_future_seconds),
        )
