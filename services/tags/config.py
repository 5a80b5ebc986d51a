"""Settings only the tags service has, read once from environment variables with sane defaults.

The shared `common.config.Settings` covers connections; these cover how long conversations are kept
and how far ahead of the server's clock a sender's timestamps may be.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from pydantic.dataclasses import dataclass

from common.config import CONFIG
from common.envvars import read_env, var


@dataclass(frozen=True, kw_only=True, config=CONFIG)
class TagsConfig:
    """Retention and clock-skew limits for ingested conversations; retention of segment tombstones."""

    # Conversations older than this are refused on ingest and expire (TTL index on expires_at).
    conversation_retention_days: int = var("TAGS_CONVERSATION_RETENTION_DAYS", 365, gt=0)
    # Tolerated clock skew of senders.
    conversation_max_future_seconds: int = var("TAGS_CONVERSATION_MAX_FUTURE_SECONDS", 300, gt=0)
    # How often a saved segment with an ASSIGNED WITHIN n DAYS window looks for customers time moved
    # in or out (segments/windows.py): the most a segment_left may come late.
    segment_window_seconds: float = var("TAGS_SEGMENT_WINDOW_SECONDS", 60.0, gt=0)
    # How long a deleted saved segment's tombstone is kept before it is purged (segments/tombstones.py).
    segment_tombstone_retention_seconds: int = var(
        "TAGS_SEGMENT_TOMBSTONE_RETENTION_SECONDS", 7 * 86400, gt=0
    )

    @property
    def conversation_retention(self) -> timedelta:
        return timedelta(days=self.conversation_retention_days)

    @property
    def conversation_max_future(self) -> timedelta:
        return timedelta(seconds=self.conversation_max_future_seconds)

    @property
    def segment_tombstone_retention(self) -> timedelta:
        return timedelta(seconds=self.segment_tombstone_retention_seconds)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TagsConfig:
        """Read the TAGS_* variables above (os.environ by default)."""
        return read_env(cls, env)
