"""Verified tokens are remembered briefly, never past their expiry, and bad ones never."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gateway.auth import AuthError, Principal, issue_token
from gateway.token_cache import VerifiedTokens

SECRET = "unit-secret-0123456789abcdefghijklmnop"
ALICE = Principal(tenant="acme", subject="alice", roles=frozenset({"admin"}))


def header(ttl: timedelta) -> str:
    token = issue_token(secret=SECRET, tenant="acme", roles=("admin",), subject="alice", ttl=ttl)
    return f"Bearer {token}"


async def test_a_verified_token_is_verified_once_within_the_ttl_and_again_after() -> None:
    cache = VerifiedTokens(ttl=0.2)
    calls = 0

    async def verify() -> Principal:
        nonlocal calls
        calls += 1
        return ALICE

    value = header(timedelta(hours=1))
    for _ in range(3):
        assert await cache.principal(value, verify) == ALICE
    assert calls == 1
    await asyncio.sleep(0.3)
    await cache.principal(value, verify)
    assert calls == 2


async def test_a_token_is_never_remembered_past_its_exp() -> None:
    cache = VerifiedTokens(ttl=60)
    calls = 0

    async def verify() -> Principal:
        nonlocal calls
        calls += 1
        return ALICE

    value = header(timedelta(seconds=1))
    await cache.principal(value, verify)
    await asyncio.sleep(1.2)
    await cache.principal(value, verify)
    assert calls == 2


async def test_a_refused_token_is_not_remembered() -> None:
    cache = VerifiedTokens()

    async def refuse() -> Principal:
        raise AuthError("token has expired")

    for _ in range(2):
        with pytest.raises(AuthError):
            await cache.principal(header(timedelta(hours=1)), refuse)
