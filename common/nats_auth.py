"""Who may do what on NATS: one user per workload, with subject permissions, rendered as server config.

The bus carries every tenant's events, so a connection must only reach what its workload needs
(DESIGN §6 "Bus security"; the reasoning, and why users in one account rather than accounts, is in
docs/deploy.md):

- a service (tags, journey, intent, leads) publishes only `<root>.evt.*.<service>.>` and
  `<root>.dlq.<service>`, manages the three streams and consumes the evt/in streams;
- the gateway subscribes to `<root>.evt.*.>` (live GraphQL subscriptions) and publishes nothing;
- `admin` may do anything (ops tools, seeding, tests);
- `partner-<tenant>` writes `<root>.in.<tenant>.>` and reads `<root>.evt.<tenant>.>` only through the
  durable consumer `partner-<tenant>` the platform creates for it (filtered to its tenant): it may
  INFO, MSG.NEXT and ACK that one consumer, never create one, never use direct/message get.

Every user subscribes only below its own inbox prefix `_INBOX.<user>` (clients must connect with
`inbox_prefix=`; `common.bus.connect` does it): `_INBOX.>` would let a client read every other
client's replies, pull-consumer deliveries included. `root` is a literal (`crm`) in production; the
test suite renders one config for many per-test roots with `root="*"` (any root, any stream).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from common.config import SERVICES
from common.ids import is_valid_tenant

if TYPE_CHECKING:
    from nats.js import JetStreamContext

ADMIN = "admin"
GATEWAY = "gateway"
PARTNER_PREFIX = "partner-"
API = "$JS.API"
STREAM_KINDS = ("evt", "in", "dlq")
CONSUMED_KINDS = ("evt", "in")  # services consume events of peers and partner ingest


@dataclass(frozen=True, kw_only=True)
class Permissions:
    """Allow/deny lists of subjects for publish and subscribe (nats-server `permissions` block)."""

    publish_allow: tuple[str, ...] = ()
    publish_deny: tuple[str, ...] = ()
    subscribe_allow: tuple[str, ...] = ()
    subscribe_deny: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class User:
    """One NATS user. `password` is the secret itself, or `$VAR` to let nats-server read it from env."""

    name: str
    password: str
    permissions: Permissions | None = None  # None: no restriction (the admin)


def inbox_prefix(user: str) -> str:
    """The only inbox subtree `user` may subscribe to; pass it as nats-py's `inbox_prefix=`."""
    return f"_INBOX.{user}"


def partner_user(tenant: str) -> str:
    if not is_valid_tenant(tenant):
        raise ValueError(f"not a valid tenant for a partner credential: {tenant!r}")
    return f"{PARTNER_PREFIX}{tenant}"


def partner_durable(tenant: str) -> str:
    """The durable consumer on the events stream a partner of `tenant` reads from (created by ops)."""
    return partner_user(tenant)


def _stream(root: str, kind: str) -> str:
    from common.bus import stream_name  # common.bus imports this module for inbox_prefix

    return "*" if root == "*" else stream_name(root, kind)


def service_permissions(service: str, *, root: str) -> Permissions:
    """A service publishes its own events and dead letters, manages the streams, consumes evt/in."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    publish = [f"{root}.evt.*.{service}.>", f"{root}.dlq.{service}"]
    for kind in STREAM_KINDS:
        stream = _stream(root, kind)
        publish += [f"{API}.STREAM.{op}.{stream}" for op in ("CREATE", "UPDATE", "INFO")]
    for kind in CONSUMED_KINDS:
        stream = _stream(root, kind)
        publish += [
            f"{API}.CONSUMER.CREATE.{stream}.>",
            f"{API}.CONSUMER.DURABLE.CREATE.{stream}.*",
            f"{API}.CONSUMER.INFO.{stream}.*",
            f"{API}.CONSUMER.MSG.NEXT.{stream}.*",
            f"$JS.ACK.{stream}.>",
        ]
    # dict.fromkeys: with root "*" every stream is "*", so the per-stream entries repeat.
    return Permissions(
        publish_allow=tuple(dict.fromkeys(publish)), subscribe_allow=(f"{inbox_prefix(service)}.>",)
    )


def gateway_permissions(*, root: str) -> Permissions:
    """The gateway only listens: every tenant's events (it filters per subscriber), nothing published."""
    return Permissions(
        publish_deny=(">",),
        subscribe_allow=(f"{root}.evt.*.>", f"{inbox_prefix(GATEWAY)}.>"),
    )


def partner_permissions(tenant: str, *, root: str) -> Permissions:
    """Write the tenant's ingest; read its events through its one pre-created durable consumer."""
    user = partner_user(tenant)
    stream = _stream(root, "evt")
    durable = partner_durable(tenant)
    return Permissions(
        publish_allow=(
            f"{root}.in.{tenant}.>",
            f"{API}.CONSUMER.INFO.{stream}.{durable}",
            f"{API}.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ),
        # Belt and braces: these would read or forge any tenant's messages if an allow ever widened.
        publish_deny=(f"{root}.evt.>", f"{API}.DIRECT.GET.>", f"{API}.STREAM.MSG.GET.>"),
        subscribe_allow=(f"{inbox_prefix(user)}.>",),
    )


def users(passwords: Mapping[str, str], *, root: str, partners: Iterable[str] = ()) -> list[User]:
    """Every user of the model, passwords from `passwords` (keyed by user name)."""
    model: list[User] = [User(name=ADMIN, password=passwords[ADMIN])]
    model += [
        User(name=svc, password=passwords[svc], permissions=service_permissions(svc, root=root))
        for svc in SERVICES
    ]
    model.append(User(name=GATEWAY, password=passwords[GATEWAY], permissions=gateway_permissions(root=root)))
    model += [
        User(
            name=partner_user(t),
            password=passwords[partner_user(t)],
            permissions=partner_permissions(t, root=root),
        )
        for t in partners
    ]
    return model


def user_names(partners: Iterable[str] = ()) -> list[str]:
    return [ADMIN, *SERVICES, GATEWAY, *(partner_user(t) for t in partners)]


def password_variable(user: str) -> str:
    """The environment variable nats-server reads `user`'s password from in deploy/k8s."""
    return f"NATS_PASSWORD_{user.upper().replace('-', '_')}"


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _render_permissions(perms: Permissions) -> str:
    parts = []
    for direction, allow, deny in (
        ("publish", perms.publish_allow, perms.publish_deny),
        ("subscribe", perms.subscribe_allow, perms.subscribe_deny),
    ):
        inner = []
        if allow:
            inner.append(f"allow: {_strings(allow)}")
        if deny:
            inner.append(f"deny: {_strings(deny)}")
        if inner:
            parts.append(f"{direction}: {{ {', '.join(inner)} }}")
    return "{\n        " + "\n        ".join(parts) + "\n      }"


def render_authorization(model: Iterable[User]) -> str:
    """The `authorization { users [...] }` block of nats-server.conf for `model`."""
    lines = ["authorization {", "  users: ["]
    for user in model:
        password = user.password if user.password.startswith("$") else json.dumps(user.password)
        entry = f"    {{ user: {json.dumps(user.name)}, password: {password}"
        if user.permissions is not None:
            entry += f",\n      permissions: {_render_permissions(user.permissions)}"
        lines.append(entry + " }")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, kw_only=True)
class Credentials:
    """Generated passwords for every user of a local model (`make run`, the tests)."""

    passwords: dict[str, str] = field(default_factory=dict)
    partners: tuple[str, ...] = ()

    def password(self, user: str) -> str:
        return self.passwords[user]

    def url(self, base_url: str, user: str) -> str:
        """`base_url` with `user`'s credentials in it (token_urlsafe passwords need no escaping)."""
        scheme, _, rest = base_url.partition("://")
        return f"{scheme}://{user}:{self.passwords[user]}@{rest}"

    def users(self, *, root: str) -> list[User]:
        return users(self.passwords, root=root, partners=self.partners)


def generate(partners: Iterable[str] = ()) -> Credentials:
    """Fresh random passwords for every user."""
    partners = tuple(partners)
    return Credentials(
        passwords={name: secrets.token_urlsafe(24) for name in user_names(partners)}, partners=partners
    )


def load_or_generate(path: Path, *, partners: Iterable[str] = ()) -> Credentials:
    """Reuse the credentials in `path` (so running clients keep working), adding missing users; 0600."""
    partners = tuple(partners)
    stored: dict[str, str] = {}
    if path.exists():
        stored = dict(json.loads(path.read_text(encoding="utf-8")).get("passwords", {}))
    fresh = generate(partners)
    passwords = {name: stored.get(name) or fresh.passwords[name] for name in user_names(partners)}
    credentials = Credentials(passwords=passwords, partners=partners)
    write_private(path, json.dumps({"passwords": passwords}, indent=2) + "\n")
    return credentials


def write_private(path: Path, text: str) -> None:
    """Write `text` readable by the owner only (the directory too): it holds passwords."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)


async def ensure_partner_consumer(js: JetStreamContext, *, root: str, tenant: str) -> str:
    """Create (or keep) the durable consumer a partner of `tenant` reads its events from; ops run this.

    The partner may not create consumers itself (it could filter on another tenant), so the platform
    creates this one, filtered to `<root>.evt.<tenant>.>`, from the start of the stream with explicit
    acks. Returns the durable's name. Idempotent: an existing consumer is left as it is.
    """
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
    from nats.js.errors import NotFoundError

    from common.bus import stream_name

    durable = partner_durable(tenant)
    stream = stream_name(root, "evt")
    try:
        await js.consumer_info(stream, durable)
    except NotFoundError:
        await js.add_consumer(
            stream,
            ConsumerConfig(
                name=durable,
                durable_name=durable,
                filter_subject=f"{root}.evt.{tenant}.>",
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=30,
                max_ack_pending=1000,
            ),
        )
    return durable
