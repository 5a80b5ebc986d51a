"""The processes `bench/chaos.py` runs and kills: nats-server, the MongoDB stand-in and four services.

Each service is a real `python -m services.<name>` child process, so `kill -9` is a real crash: no
`finally`, no drain, no flush. NATS runs the production permission model (common/nats_auth.py), each
service as its own user and the load generator as the tenant's partner, and is restarted on the same
port and store directory, so streams and durable consumers survive it as they would in a cluster.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from common import nats_auth
from common.config import SERVICES
from common.local_servers import LocalServer, free_port, start_mongo_standin, start_nats

ROOT = Path(__file__).resolve().parent.parent


@dataclass(kw_only=True)
class ChaosStack:
    """Where everything runs; `env` is what every service process is started with."""

    workdir: Path
    tenant: str
    credentials: nats_auth.Credentials = field(default_factory=nats_auth.Credentials)
    nats: LocalServer | None = None
    mongo: LocalServer | None = None
    nats_port: int = 0
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    def login(self, user: str) -> dict[str, str]:
        return {"user": user, "password": self.credentials.password(user)}

    def address(self, service: str) -> str:
        return f"127.0.0.1:{self.ports[service]}"

    def start_infrastructure(self) -> None:
        self.credentials = nats_auth.generate(partners=[self.tenant])
        self.nats_port = free_port()
        self.start_nats()
        self.mongo = start_mongo_standin(self.workdir / "mongo")
        self.ports = {svc: free_port() for svc in SERVICES}
        self.env = {
            **os.environ,
            "CRM_ENV": "dev",
            "MONGODB_URI": self.mongo.url,
            "NATS_URL": self.nats_url,
            "LOG_LEVEL": "WARNING",
            **{f"{svc.upper()}_ADDR": self.address(svc) for svc in SERVICES},
        }

    def start_nats(self) -> None:
        self.nats = start_nats(
            self.workdir / "nats",
            port=self.nats_port,
            log_file=self.workdir / "nats.log",
            authorization=nats_auth.render_authorization(self.credentials.users(root="crm")),
        )

    def stop_nats(self) -> None:
        if self.nats is not None:
            self.nats.stop()
            self.nats = None

    def start_service(self, service: str) -> None:
        log = open(self.workdir / f"{service}.log", "ab")  # noqa: SIM115 - owned by the child process
        self.processes[service] = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}"],
            env={
                **self.env,
                "GRPC_PORT": str(self.ports[service]),
                "NATS_USER": service,
                "NATS_PASSWORD": self.credentials.password(service),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )

    def kill_service(self, service: str) -> None:
        """kill -9: the process gets no chance to finish anything."""
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait()

    async def wait_serving(self, service: str, *, within: float = 60.0) -> float:
        """Seconds until the service's standard gRPC health check says SERVING."""
        started = time.monotonic()
        async with grpc.aio.insecure_channel(self.address(service)) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() - started < within:
                try:
                    reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=0.5)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return time.monotonic() - started
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.05)
        raise TimeoutError(f"{service} not SERVING within {within}s; see {self.workdir}/{service}.log")

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.stop_nats()
        if self.mongo is not None:
            self.mongo.stop()
