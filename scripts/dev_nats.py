"""The NATS side of `make run`: generated credentials, the demo partner's durable, its banner lines.

The embedded nats-server runs the production permission model (common/nats_auth.py). Passwords are
generated once into `.run/nats-auth/credentials.json` (mode 0600) and reused on the next run, so a
partner client configured against a previous run keeps working.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from common import bus, nats_auth


def local_credentials(directory: Path, *, partners: list[str]) -> nats_auth.Credentials:
    """Every user's password (generated once), with partner credentials for `partners`."""
    return nats_auth.load_or_generate(directory / "credentials.json", partners=partners)


def child_login(credentials: nats_auth.Credentials | None, user: str) -> dict[str, str]:
    """The NATS_USER/NATS_PASSWORD a child runs with; empty for an external server (env passes through)."""
    if credentials is None:
        return {}
    return {"NATS_USER": user, "NATS_PASSWORD": credentials.password(user)}


async def prepare_partner(url: str, credentials: nats_auth.Credentials, *, root: str, tenant: str) -> None:
    """Create the partner's durable consumer (as admin): partners may not create consumers themselves."""
    nc = await bus.connect(
        url, name="crm-dev-launcher", user=nats_auth.ADMIN, password=credentials.password(nats_auth.ADMIN)
    )
    try:
        await nats_auth.ensure_partner_consumer(nc.jetstream(), root=root, tenant=tenant)
    finally:
        with contextlib.suppress(Exception):
            await nc.drain()


def partner_lines(url: str, credentials: nats_auth.Credentials, *, root: str, tenant: str) -> str:
    """How a partner system of `tenant` connects, reads its events and publishes ingest (nats-py)."""
    user = nats_auth.partner_user(tenant)
    return f"""  Partner:   NATS user {user} (tenant {tenant}; all passwords in .run/nats-auth/credentials.json):
               nc = await nats.connect("{url}", user="{user}", password="{credentials.password(user)}",
                                       inbox_prefix="{nats_auth.inbox_prefix(user)}")
               read:  await nc.jetstream().pull_subscribe_bind(durable="{nats_auth.partner_durable(tenant)}", \
stream="{bus.stream_name(root, "evt")}")
               write: await nc.jetstream().publish("{root}.in.{tenant}.signals", cloudevent_json)
               (its own {root}.evt.{tenant}.> only, through that durable; ingest only under {root}.in.{tenant}.>)"""
