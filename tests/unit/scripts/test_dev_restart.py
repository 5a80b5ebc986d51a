"""`make run` restarts a service that dies, with back-off, and says so on the terminal."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from scripts.dev import watch
from scripts.dev_children import Child, RestartPolicy, check_children, stop_all


def test_back_off_doubles_from_one_second_and_caps_at_thirty() -> None:
    policy = RestartPolicy()
    attempt, delays = 0, []
    for _ in range(8):
        attempt, delay = policy.next_attempt(attempt, ran_for=0.5)
        delays.append(delay)
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert attempt == 8


def test_back_off_starts_over_after_a_stable_run() -> None:
    policy = RestartPolicy(stable_after=60)
    assert policy.next_attempt(6, ran_for=59) == (7, 30)
    assert policy.next_attempt(6, ran_for=61) == (1, 1)


def _child(tmp_path: Path, code: str, *, restartable: bool = True) -> Child:
    return Child(
        name="flaky",
        log=tmp_path / "flaky.log",
        argv=[sys.executable, "-c", code],
        env={},
        restartable=restartable,
    )


def test_a_dead_child_is_announced_then_restarted_when_its_delay_has_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = _child(tmp_path, "print('boom', flush=True); raise SystemExit(3)")
    child.start()
    assert child.process is not None
    child.process.wait(timeout=30)
    policy = RestartPolicy(first_delay=2, stable_after=3600)
    now = child.started_at + 1

    check_children([child], policy, now=now)
    out = capsys.readouterr().out
    assert "flaky exited with code 3; restarting in 2 s (attempt 1)" in out
    assert "boom" in out  # the end of its log, so the operator sees why

    check_children([child], policy, now=now + 1)  # not yet due
    assert child.restart_at == now + 2
    check_children([child], policy, now=now + 2)
    assert "flaky restarted (attempt 1)" in capsys.readouterr().out
    assert child.process is not None
    child.process.wait(timeout=30)
    check_children([child], policy, now=child.started_at + 1)
    assert "restarting in 4 s (attempt 2)" in capsys.readouterr().out


def test_a_dead_server_is_reported_once_and_not_restarted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = _child(tmp_path, "raise SystemExit(1)", restartable=False)
    child.start()
    assert child.process is not None
    child.process.wait(timeout=30)
    check_children([child], RestartPolicy(first_delay=0), now=child.started_at + 10)
    check_children([child], RestartPolicy(first_delay=0), now=child.started_at + 20)
    out = capsys.readouterr().out
    assert out.count("flaky exited with code 1; the others keep running") == 1
    assert child.restart_at is None


async def test_watch_keeps_a_crashing_child_coming_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real process that dies at once is started again by the watcher, attempt after attempt."""
    child = _child(tmp_path, "raise SystemExit(7)")
    child.start()
    stop = asyncio.Event()
    watcher = asyncio.create_task(
        watch([child], stop, policy=RestartPolicy(first_delay=0.05, max_delay=0.2), tick=0.02)
    )
    try:
        async with asyncio.timeout(30):
            while child.log.read_text().count("starting flaky") < 3:  # noqa: ASYNC110 - a file other processes write
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await watcher
        stop_all([child], [])
    out = capsys.readouterr().out
    assert "flaky exited with code 7; restarting in 0.05 s (attempt 1)" in out
    assert "flaky exited with code 7; restarting in 0.1 s (attempt 2)" in out
    assert "flaky restarted (attempt 2)" in out
