"""The JWK set cache: fetched off the event loop, once for many tokens, again on rotation, rate-limited."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.jwks import JwksKeys, UnknownKeyError
from tests.unit.gateway.jwks_server import Provider, SigningKey, serving

OLD = SigningKey.ec("old")
NEW = SigningKey.ec("new")


async def test_many_lookups_of_a_known_key_fetch_the_set_once() -> None:
    with serving(Provider(keys=[OLD])) as provider:
        keys = JwksKeys(provider.url)
        found = await asyncio.gather(*(keys.key("old") for _ in range(50)))
    assert {k.key_id for k in found} == {"old"}
    assert provider.hits == 1


async def test_a_flood_of_unknown_kids_costs_the_provider_at_most_one_fetch_per_window() -> None:
    with serving(Provider(keys=[OLD])) as provider:
        keys = JwksKeys(provider.url, min_refresh_seconds=0.3)
        await keys.key("old")
        await asyncio.sleep(0.4)  # past the window: the first unknown kid may refetch, the rest may not
        results = await asyncio.gather(
            *(keys.key(f"made-up-{i}") for i in range(100)), return_exceptions=True
        )
    assert all(isinstance(r, UnknownKeyError) for r in results)
    assert provider.hits == 2  # the first fetch, and one refresh for the whole flood


async def test_a_rotated_key_is_found_after_the_rate_limit_window() -> None:
    with serving(Provider(keys=[OLD])) as provider:
        keys = JwksKeys(provider.url, min_refresh_seconds=0.3)
        await keys.key("old")
        provider.keys = [OLD, NEW]  # the provider rotates
        await asyncio.sleep(0.4)
        assert (await keys.key("new")).key_id == "new"
    assert provider.hits == 2


async def test_known_keys_stay_in_use_while_the_provider_is_down() -> None:
    with serving(Provider(keys=[OLD])) as provider:
        keys = JwksKeys(provider.url, cache_seconds=0.1, min_refresh_seconds=0)
        await keys.key("old")
        provider.up = False
        await asyncio.sleep(0.2)
        assert (await keys.key("old")).key_id == "old"  # stale, refresh failed: still served
        assert "503" in keys.last_error
        with pytest.raises(UnknownKeyError):
            await keys.key("new")


async def test_a_slow_provider_does_not_block_the_event_loop() -> None:
    with serving(Provider(keys=[OLD], delay_seconds=1.0)) as provider:
        keys = JwksKeys(provider.url)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        started = time.monotonic()
        await keys.key("old")
        elapsed = time.monotonic() - started
        ticker.cancel()
    assert elapsed >= 1.0
    # A blocking fetch would give 0 ticks; a loaded machine still gives dozens in a second.
    assert ticks >= 10
