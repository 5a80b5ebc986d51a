"""Settings only the intent service has, read once from environment variables with sane defaults.

The shared `common.config.Settings` covers connections; these cover the intent domain's limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from pydantic.dataclasses import dataclass

from common.config import CONFIG
from common.envvars import read_env, var


@dataclass(frozen=True, kw_only=True, config=CONFIG)
class IntentConfig:
    """Retention and clock-skew limits for incoming signals."""

    # Signals older than this are refused on ingest and expire (TTL index).
    retention_days: int = var("INTENT_RETENTION_DAYS", 180, gt=0)
    max_future_seconds: int = var("INTENT_MAX_FUTURE_SECONDS", 300, gt=0)  # tolerated clock skew of senders
    # Open customers one call list reads and ranks at most (services/intent/call_reads.py).
    call_list_max_candidates: int = var("INTENT_CALL_LIST_MAX_CANDIDATES", 2000, gt=0, le=20_000)
    # Aggregate documents kept in memory after this process wrote them (services/intent/doc_cache.py);
    # 0 turns the cache off. About 10 KB of memory each.
    aggregate_cache: int = var("INTENT_AGGREGATE_CACHE", 10_000, ge=0, le=1_000_000)

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    @property
    def max_future(self) -> timedelta:
        return timedelta(seconds=self.max_future_seconds)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IntentConfig:
        """Read INTENT_RETENTION_DAYS and INTENT_MAX_FUTURE_SECONDS (os.environ by default)."""
        return read_env(cls, env)
