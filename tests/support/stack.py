"""The whole system in one event loop: four services and the gateway on real ports.

`running_stack(...)` starts tags, journey, intent and leads in-process (real gRPC servers on free
ports, real NATS and MongoDB from the session fixtures), then the gateway under uvicorn on a free
port, waits until `/backends` says all four are SERVING (`/readyz` speaks for the gateway alone),
and stops everything in reverse order.
Tests talk to it only over HTTP and WebSocket, as a front end would.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from common import nats_auth
from common.config import GatewaySettings, Settings
from common.local_servers import free_port
from common.service import RunningService, ServiceDefinition, start_service
from gateway.app import create_app
from gateway.auth import issue_token
from tests.conftest import TEST_TOKEN
from tests.support.nats import SessionNats

SERVICE_ORDER = ("leads", "tags", "intent", "journey")
JWT_SECRET = "e2e-jwt-secret-0123456789abcdefghij"
JWT_ISSUER = "crm-e2e"


class _InProcessServer(uvicorn.Server):
    """uvicorn without its signal handlers: pytest owns the process's signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(kw_only=True)
class Stack:
    """A running system: where the gateway listens, the services (a test may stop one), tokens."""

    base_url: str
    ws_url: str
    namespace: str
    nats_url: str
    running: dict[str, RunningService]
    settings: GatewaySettings

    def token(
        self, tenant: str = "acme", roles: Iterable[str] = ("admin",), *, subject: str = "e2e-user"
    ) -> str:
        """A valid JWT for `tenant` with `roles`, signed with the gateway's secret."""
        return issue_token(secret=JWT_SECRET, issuer=JWT_ISSUER, tenant=tenant, roles=roles, subject=subject)

    def client(self, tenant: str = "acme", roles: Iterable[str] = ("admin",)) -> httpx.AsyncClient:
        """An HTTP client authenticated as a caller of `tenant`."""
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token(tenant, roles)}"},
            timeout=15,
        )

    def anonymous(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=15)


def definition_of(service: str) -> ServiceDefinition:
    definition: ServiceDefinition = importlib.import_module(f"services.{service}.app").DEFINITION
    return definition


async def wait_for_backends(base_url: str, *, within: float = 15.0) -> None:
    """Until the gateway's `/backends` is 200: all four services answer their health checks."""
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        deadline = asyncio.get_running_loop().time() + within
        last: Any = None
        while asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                reply = await client.get("/backends")
                if reply.status_code == 200:
                    return
                last = reply.json()
            await asyncio.sleep(0.05)
    raise TimeoutError(f"backends not all serving after {within}s: {last}")


def gateway_settings(
    *, peers: dict[str, str], nats_url: str, namespace: str, **overrides: Any
) -> GatewaySettings:
    """Gateway settings for tests: the e2e JWT secret and issuer, the test internal token."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "jwt_secret": JWT_SECRET,
        "jwt_issuer": JWT_ISSUER,
        "internal_token": TEST_TOKEN,
        "peers": peers,
        "nats_url": nats_url,
        "subject_root": namespace,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@contextlib.asynccontextmanager
async def serving_gateway(settings: GatewaySettings) -> AsyncIterator[int]:
    """The gateway under uvicorn on a free port (yielded) until the block ends."""
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=0,
        ws="websockets-sansio",
        lifespan="on",
        log_config=None,
        log_level="warning",
    )
    server = _InProcessServer(config)
    serving = asyncio.create_task(server.serve(), name="gateway")
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises what stopped the gateway from starting
                raise RuntimeError("gateway exited during start-up")
            await asyncio.sleep(0.01)
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        await _shutdown(server, serving)


@contextlib.asynccontextmanager
async def running_stack(
    *,
    settings_for: Callable[..., Settings],
    namespace: str,
    nats_url: str,
    session_nats: SessionNats | None = None,
    rpc_timeout: float = 3.0,
    **gateway_overrides: Any,
) -> AsyncIterator[Stack]:
    """Start the four services and the gateway; yield a `Stack`; stop all of it in reverse order.

    `nats_url` is what tests connect with (`Stack.nats_url`, the admin's); the gateway connects as
    its own `gateway` user from `session_nats` when given.
    """
    gateway_url, gateway_user, gateway_password = (
        session_nats.login(nats_auth.GATEWAY) if session_nats else (nats_url, "", "")
    )
    async with contextlib.AsyncExitStack() as exits:
        running: dict[str, RunningService] = {}
        # Leads (started first) asks tags for recovery search: tags gets a port known in advance.
        tags_port = free_port()
        for service in SERVICE_ORDER:
            # This stack's own leads (started first) says which customers exist, not the session's.
            peers = {"leads": f"127.0.0.1:{running['leads'].port}"} if running else {}
            extra: dict[str, Any] = {"grpc_port": tags_port} if service == "tags" else {}
            if service == "leads":
                peers = {"tags": f"127.0.0.1:{tags_port}"}
            started = await start_service(definition_of(service), settings_for(service, peers=peers, **extra))
            running[service] = started
            exits.push_async_callback(_stop_quietly, started)

        settings = gateway_settings(
            peers={name: f"127.0.0.1:{svc.port}" for name, svc in running.items()},
            nats_url=gateway_url,
            namespace=namespace,
            nats_user=gateway_user,
            nats_password=gateway_password,
            rpc_timeout_seconds=rpc_timeout,
            **gateway_overrides,
        )
        port = await exits.enter_async_context(serving_gateway(settings))
        base_url = f"http://127.0.0.1:{port}"
        await wait_for_backends(base_url)
        yield Stack(
            base_url=base_url,
            ws_url=f"ws://127.0.0.1:{port}/graphql",
            namespace=namespace,
            nats_url=nats_url,
            running=running,
            settings=settings,
        )


async def _shutdown(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    server.should_exit = True
    await serving


async def _stop_quietly(service: RunningService) -> None:
    # A test may already have stopped it (to prove degraded answers); stopping twice is harmless.
    with contextlib.suppress(Exception):
        await service.stop()
