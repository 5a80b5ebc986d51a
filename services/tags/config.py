"""Settings only the tags service has, read once from environment variables with sane defaults.

The shared `common.config.Settings` covers connections; these cover how long conversations are kept
and how far ahead of the server's clock a sender's timestamps may be.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from common.config import positive_int


@dataclass(frozen=True, kw_only=True)
class TagsConfig:
    """Retention and clock-skew limits for ingested conversations."""

    # Conversations older than this are refused on ingest and expire (TTL index on expires_at).
    conversation_retention_days: int = 365
    conversation_max_future_seconds: int = 300  # tolerated clock skew of senders

    @property
    def conversation_retention(self) -> timedelta:
        return timedelta(days=self.conversation_retention_days)

    @property
    def conversation_max_future(self) -> timedelta:
        return timedelta(seconds=self.conversation_max_future_seconds)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TagsConfig:
        """Read TAGS_CONVERSATION_RETENTION_DAYS and TAGS_CONVERSATION_MAX_FUTURE_SECONDS (os.environ by default)."""
        env = os.environ if env is None else env
        return cls(
            conversation_retention_days=positive_int(
                env, "TAGS_CONVERSATION_RETENTION_DAYS", cls.conversation_retention_days
            ),
            conversation_max_future_seconds=positive_int(
                env, "TAGS_CONVERSATION_MAX_FUTURE_SECONDS", cls.conversation_max_future_seconds
            ),
        )
