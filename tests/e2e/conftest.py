"""The running system for end-to-end tests: four services plus the gateway, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from common.config import Settings
from tests.support.nats import SessionNats
from tests.support.stack import Stack, running_stack


@pytest.fixture
async def stack(
    settings_for: Callable[..., Settings], namespace: str, nats_url: str, session_nats: SessionNats
) -> AsyncIterator[Stack]:
    async with running_stack(
        settings_for=settings_for, namespace=namespace, nats_url=nats_url, session_nats=session_nats
    ) as running:
        yield running
