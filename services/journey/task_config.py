"""Settings of the journey service's tasks, read once from environment variables with sane defaults."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic.dataclasses import dataclass

from common.config import CONFIG
from common.envvars import read_env, var


@dataclass(frozen=True, kw_only=True, config=CONFIG)
class TaskConfig:
    """How long an open task may stay past its due time before it turns OVERDUE (task_overdue)."""

    grace_seconds: float = var("JOURNEY_TASK_GRACE_SECONDS", 900.0, ge=0, le=30 * 24 * 3600)

    @property
    def grace_ms(self) -> int:
        return int(self.grace_seconds * 1000)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TaskConfig:
        """Read JOURNEY_TASK_GRACE_SECONDS (os.environ by default)."""
        return read_env(cls, env)
