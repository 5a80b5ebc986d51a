"""`make run`: the whole stack on this machine, with demo data, until Ctrl-C.

Starts nats-server (JetStream) and the nx-27017 MongoDB stand-in unless `NATS_URL` / `MONGODB_URI`
point elsewhere, then the four services and the gateway as child processes on 127.0.0.1 (logs in
`.run/logs/<name>.log`), waits for the gateway's `/backends`, seeds the `demo` tenant (idempotent),
prints how to make a first query, and watches the children: a service or the gateway that dies is
reported with the tail of its log and restarted with back-off (1 s, 2 s, 4 s … capped at 30 s; the
count resets once it has run for a minute) while the rest keep running. Ctrl-C or SIGTERM stops the
services and the gateway first, then NATS and MongoDB.

NATS runs with the production permission model (common/nats_auth.py): passwords are generated once
into `.run/nats-auth/credentials.json` (mode 0600), each child gets its own NATS_USER/NATS_PASSWORD,
and a partner credential for tenant `demo` is printed with its pre-created durable consumer. With an
external `NATS_URL` the children use NATS_USER/NATS_PASSWORD from the environment as given.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import grpc

from common import nats_auth
from common.config import DEFAULT_GRPC_PORTS, DEV_INTERNAL_TOKEN, SERVICES
from common.local_servers import start_mongo_standin, start_nats
from scripts.dev_children import Child, RestartPolicy, check_children, stop_all
from scripts.dev_nats import child_login, local_credentials, partner_lines, prepare_partner
from scripts.seed_demo import seed_demo

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
LOG_DIR = RUN_DIR / "logs"
NATS_AUTH_DIR = RUN_DIR / "nats-auth"
READY_TIMEOUT = 60.0
TENANT = "demo"


class LaunchError(RuntimeError):
    """Something the operator must fix before the stack can start; the message says what."""


@dataclass(kw_only=True)
class Plan:
    """Where everything listens; read from the environment once."""

    nats_url: str
    mongodb_uri: str
    nats_port: int | None  # None: an external server, nothing to start
    mongo_port: int | None
    service_ports: dict[str, int]
    gateway_port: int
    subject_root: str = "crm"
    nats_credentials: nats_auth.Credentials | None = None  # None: an external server, env credentials

    @property
    def addresses(self) -> dict[str, str]:
        return {svc: f"127.0.0.1:{port}" for svc, port in self.service_ports.items()}


def _port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def make_plan(env: dict[str, str]) -> Plan:
    """Ports and URLs from the environment, with the local defaults of common/config.py."""
    nats_port = None if env.get("NATS_URL") else int(env.get("NATS_PORT") or 4222)
    mongo_port = None if env.get("MONGODB_URI") else int(env.get("MONGO_PORT") or 27017)
    return Plan(
        nats_url=env.get("NATS_URL") or f"nats://127.0.0.1:{nats_port}",
        mongodb_uri=env.get("MONGODB_URI") or f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true",
        nats_port=nats_port,
        mongo_port=mongo_port,
        service_ports={
            svc: _port_of(env[f"{svc.upper()}_ADDR"])
            if env.get(f"{svc.upper()}_ADDR")
            else DEFAULT_GRPC_PORTS[svc]
            for svc in SERVICES
        },
        gateway_port=int(env.get("GATEWAY_PORT") or 8000),
        subject_root=env.get("NATS_SUBJECT_ROOT") or "crm",
    )


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        # As the servers do: connections lingering in TIME_WAIT from a previous run do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def check_ports(plan: Plan) -> None:
    """Fail before starting anything if a port we need is taken, naming the variable that moves it."""
    wanted: list[tuple[int | None, str, str]] = [
        (plan.nats_port, "NATS", "NATS_PORT=<port>, or NATS_URL=nats://host:port to use a running server"),
        (plan.mongo_port, "MongoDB", "MONGO_PORT=<port>, or MONGODB_URI=mongodb://… to use a running server"),
        *(
            (port, f"the {svc} service", f"{svc.upper()}_ADDR=127.0.0.1:<port>")
            for svc, port in plan.service_ports.items()
        ),
        (plan.gateway_port, "the gateway", "GATEWAY_PORT=<port>"),
    ]
    taken = [
        f"  port {port} ({what}) is in use; choose another with {how}"
        for port, what, how in wanted
        if port is not None and _port_taken(port)
    ]
    if taken:
        raise LaunchError("cannot start:\n" + "\n".join(taken) + "\n  (is another `make run` still running?)")


def start_infrastructure(plan: Plan, started: list[Child]) -> None:
    """NATS and the MongoDB stand-in, unless external ones were given; data survives restarts in .run/.

    Each server joins `started` as soon as it runs, so a failure of the next one still stops it.
    """
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if plan.nats_port is not None:
        log = LOG_DIR / "nats.log"
        authorization = None
        if plan.nats_credentials is not None:
            users = plan.nats_credentials.users(root=plan.subject_root)
            authorization = nats_auth.render_authorization(users)
        server = start_nats(
            RUN_DIR / "nats",
            port=plan.nats_port,
            log_file=log,
            authorization=authorization,
            config_file=NATS_AUTH_DIR / "nats.conf",
        )
        started.append(Child(name="nats", log=log, process=server.process, restartable=False))
    if plan.mongo_port is not None:
        server = start_mongo_standin(RUN_DIR / "mongo", port=plan.mongo_port)
        started.append(
            Child(
                name="mongodb",
                log=RUN_DIR / "mongo" / "nx-27017.log",
                process=server.process,
                restartable=False,
            )
        )


def app_children(plan: Plan, base_env: dict[str, str]) -> list[Child]:
    """The four services and the gateway, each told where everything else is."""
    env = {
        **base_env,
        "MONGODB_URI": plan.mongodb_uri,
        "NATS_URL": plan.nats_url,
        "GRPC_HOST": "127.0.0.1",
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(plan.gateway_port),
        **{f"{svc.upper()}_ADDR": address for svc, address in plan.addresses.items()},
    }
    children = [
        Child(
            name=svc,
            log=LOG_DIR / f"{svc}.log",
            argv=[sys.executable, "-m", f"services.{svc}"],
            env={**env, **child_login(plan.nats_credentials, svc), "GRPC_PORT": str(port)},
        )
        for svc, port in plan.service_ports.items()
    ]
    children.append(
        Child(
            name="gateway",
            log=LOG_DIR / "gateway.log",
            argv=[sys.executable, "-m", "gateway"],
            env={**env, **child_login(plan.nats_credentials, nats_auth.GATEWAY)},
        )
    )
    return children


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return int(reply.status) == 200
    except (urllib.error.URLError, OSError):
        return False  # 503 (a backend not yet SERVING) lands here too


async def wait_ready(url: str, children: list[Child], *, within: float, stop: asyncio.Event) -> None:
    """Poll `url` until 200; fail early if a child exits, and after `within` seconds."""
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(_ready, url):
        dead = [c for c in children if c.exit_code() is not None]
        if dead:
            raise LaunchError(f"{dead[0].name} exited with code {dead[0].exit_code()} while starting")
        if stop.is_set():
            raise LaunchError("interrupted while starting")
        if time.monotonic() > deadline:
            raise LaunchError(f"{url} did not answer 200 within {within:.0f}s")
        await asyncio.sleep(0.25)


def banner(plan: Plan, *, ready_seconds: float, seed_line: str) -> str:
    url = f"http://127.0.0.1:{plan.gateway_port}/graphql"
    partner = (
        "  Partner:   (external NATS_URL: partner credentials are whatever that server defines)"
        if plan.nats_credentials is None
        else partner_lines(plan.nats_url, plan.nats_credentials, root=plan.subject_root, tenant=TENANT)
    )
    query = '{"query":"{ customers(first: 3) { edges { node { id profile { name company } intent { score level } } } } }"}'
    return f"""
  {seed_line}

  CRM stack ready in {ready_seconds:.1f}s (to /backends 200) — tenant "{TENANT}"
  GraphQL:   {url}   (GraphiQL: open it in a browser)
  Token:     make token TENANT={TENANT} ROLES=admin
  Try:       curl -s {url} -H "Authorization: Bearer $(make -s token TENANT={TENANT} ROLES=admin)" \\
               -H 'Content-Type: application/json' \\
               -d '{query}'
{partner}
  Logs:      {LOG_DIR.relative_to(ROOT)}/<name>.log
  Stop:      Ctrl-C
"""


async def start_apps(plan: Plan, base_env: dict[str, str], apps: list[Child], stop: asyncio.Event) -> None:
    """Start the services and the gateway, and wait for `/backends`; on failure show every log's tail."""
    apps.extend(app_children(plan, base_env))
    for child in apps:
        child.start()
    print(f"starting tags, journey, intent, leads and the gateway (logs in {LOG_DIR.relative_to(ROOT)}/) …")
    try:
        await wait_ready(
            f"http://127.0.0.1:{plan.gateway_port}/backends", apps, within=READY_TIMEOUT, stop=stop
        )
    except LaunchError:
        if not stop.is_set():
            for child in apps:
                print(f"\n-- {child.name} ({child.log}):\n{child.tail()}")
        raise


async def seed(plan: Plan, base_env: dict[str, str]) -> str:
    """Seed the demo tenant over gRPC, as any client would; returns the one-line summary."""
    token = base_env.get("INTERNAL_TOKEN") or DEV_INTERNAL_TOKEN
    try:
        summary = await seed_demo(addresses=plan.addresses, token=token, tenant=TENANT)
    except grpc.aio.AioRpcError as err:
        raise LaunchError(
            f"seeding tenant {TENANT!r} failed: {err.code().name}: {err.details()} (see {LOG_DIR}/)"
        ) from None
    return summary.report()  # what was seeded, and queries to paste


async def watch(
    children: list[Child], stop: asyncio.Event, *, policy: RestartPolicy | None = None, tick: float = 0.5
) -> None:
    """Until asked to stop, report children that die and restart the restartable ones."""
    policy = policy or RestartPolicy()
    while not stop.is_set():
        check_children(children, policy)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick)


async def supervise(plan: Plan, base_env: dict[str, str]) -> None:
    """Run the stack until SIGINT/SIGTERM; always stop what was started."""
    started_at = time.monotonic()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    apps: list[Child] = []
    infrastructure: list[Child] = []
    try:
        check_ports(plan)
        if plan.nats_port is not None:
            plan.nats_credentials = local_credentials(NATS_AUTH_DIR, partners=[TENANT])
        await asyncio.to_thread(start_infrastructure, plan, infrastructure)
        await start_apps(plan, base_env, apps, stop)
        ready_seconds = time.monotonic() - started_at
        seed_line = await seed(plan, base_env)  # gRPC only: the seed publishes nothing on NATS itself
        if plan.nats_credentials is not None:
            await prepare_partner(plan.nats_url, plan.nats_credentials, root=plan.subject_root, tenant=TENANT)
        print(banner(plan, ready_seconds=ready_seconds, seed_line=seed_line), flush=True)
        await watch(apps + infrastructure, stop)
    finally:
        if apps or infrastructure:
            print("\nstopping …", flush=True)
            await asyncio.to_thread(stop_all, apps, infrastructure)


def main() -> int:
    os.chdir(ROOT)
    try:
        asyncio.run(supervise(make_plan(dict(os.environ)), dict(os.environ)))
    except LaunchError as err:
        print(f"make run: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
