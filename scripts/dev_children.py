"""The processes `make run` owns: start, stop, report, and restart with back-off when one dies.

A service or the gateway that exits is reported on the terminal with the end of its log and started
again after 1 s, 2 s, 4 s … (capped at 30 s); once it has run for a minute the count starts over, so
an occasional crash restarts fast while a crash loop backs off. NATS and MongoDB are only reported:
the services reconnect to them by themselves once they are back.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 10.0
TAIL_LINES = 20


@dataclass(kw_only=True)
class Child:
    """One process this launcher started and must stop; `log` is where its output goes."""

    name: str
    log: Path
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    reported: bool = False
    restartable: bool = True  # the servers this launcher started are reported, not restarted
    attempt: int = 0  # restarts since it last ran stably
    started_at: float = 0.0
    restart_at: float | None = None

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            out.write(f"---- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
            # Own session: a terminal's Ctrl-C reaches only the launcher, which stops children in order.
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=ROOT,
            )

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = TAIL_LINES) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(f"    {line}" for line in text[-lines:])


@dataclass(frozen=True, kw_only=True)
class RestartPolicy:
    """Exponential back-off for restarting a child: a crash loop must not spin the machine."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0  # a child that ran this long starts counting from attempt 1 again

    def next_attempt(self, previous: int, *, ran_for: float) -> tuple[int, float]:
        """(attempt number, seconds to wait) for a child that exited after running `ran_for` s."""
        attempt = 1 if ran_for >= self.stable_after else previous + 1
        return attempt, min(self.first_delay * 2 ** (attempt - 1), self.max_delay)


def check_children(children: list[Child], policy: RestartPolicy, *, now: float | None = None) -> None:
    """Report children that died since the last look; restart services and the gateway with back-off.

    A dead child is reported once with the end of its log and given a restart time; the restart
    happens on a later call once that time has come. The servers (NATS, MongoDB) are only reported.
    """
    now = time.monotonic() if now is None else now
    for child in children:
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restart_at = None
                child.start()
                print(f"{child.name} restarted (attempt {child.attempt})", flush=True)
            continue
        code = child.exit_code()
        if code is None or child.reported:
            continue
        if not child.restartable:
            child.reported = True
            print(
                f"\n!! {child.name} exited with code {code}; the others keep running. Last lines of {child.log}:"
            )
            print(child.tail(), flush=True)
            continue
        child.attempt, delay = policy.next_attempt(child.attempt, ran_for=now - child.started_at)
        child.restart_at = now + delay
        print(
            f"\n!! {child.name} exited with code {code}; restarting in {delay:g} s (attempt {child.attempt})."
            f" Last lines of {child.log}:"
        )
        print(child.tail(), flush=True)


def stop_all(apps: list[Child], infrastructure: list[Child]) -> None:
    """Services and gateway first (they drain NATS and close MongoDB cleanly), then the servers."""
    for group in (apps, infrastructure):
        for child in group:
            child.terminate()
        for child in group:
            child.wait(STOP_TIMEOUT)
