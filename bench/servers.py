"""The servers a single-service benchmark runs against: embedded ones, or real ones from the environment.

`NATS_URL` / `MONGODB_URI` point a benchmark at servers you run; otherwise it starts the real
nats-server and the nx-27017 stand-in in a temporary directory and stops them afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from common.config import Settings
from common.local_servers import LocalServer, start_mongo_standin, start_nats


@dataclass(frozen=True)
class BenchServers:
    nats_url: str
    mongodb_uri: str

    def settings(self, service: str) -> Settings:
        """Settings of `service` on a free port, with a fresh database prefix and subject root."""
        prefix = f"bench{uuid.uuid4().hex[:6]}"
        return Settings(
            service=service,
            grpc_port=0,
            mongodb_uri=self.mongodb_uri,
            nats_url=self.nats_url,
            mongodb_db_prefix=prefix,
            subject_root=prefix,
        )


@contextlib.contextmanager
def bench_servers() -> Iterator[BenchServers]:
    """NATS and MongoDB for one benchmark run; embedded ones are stopped on the way out."""
    started: list[LocalServer] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            nats_url = os.environ.get("NATS_URL") or ""
            mongodb_uri = os.environ.get("MONGODB_URI") or ""
            if not nats_url:
                started.append(start_nats(Path(tmp) / "nats"))
                nats_url = started[-1].url
            if not mongodb_uri:
                started.append(start_mongo_standin(Path(tmp) / "mongo"))
                mongodb_uri = started[-1].url
            yield BenchServers(nats_url=nats_url, mongodb_uri=mongodb_uri)
        finally:
            for server in started:
                server.stop()
