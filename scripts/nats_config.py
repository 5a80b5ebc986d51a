"""Print the nats-server `authorization` block deploy/k8s ships, for ops adding partners or services.

    python -m scripts.nats_config                      # what deploy/k8s/base/nats.yaml carries
    python -m scripts.nats_config --partner acme       # plus a partner credential for tenant acme
    NATS_URL=nats://127.0.0.1:4222 NATS_USER=admin NATS_PASSWORD=… \
      python -m scripts.nats_config --ensure-partner-consumer acme   # the durable that partner reads

Passwords are not in the output: each user's is read by nats-server from the environment variable
`NATS_PASSWORD_<USER>` (common.nats_auth.password_variable), which the NATS pods take from the Secret
`nats-credentials`. See docs/deploy.md "NATS credentials" for adding a partner and rotating passwords.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from common import bus, nats_auth


def render(*, root: str = "crm", partners: Sequence[str] = ()) -> str:
    """The authorization block for `root` with `$NATS_PASSWORD_<USER>` references as passwords."""
    names = nats_auth.user_names(partners)
    references = {name: f"${nats_auth.password_variable(name)}" for name in names}
    return nats_auth.render_authorization(nats_auth.users(references, root=root, partners=partners))


async def ensure_partner_consumer(*, url: str, user: str, password: str, root: str, tenant: str) -> str:
    """Create the partner's durable on the events stream, connecting as the admin (or another ops user)."""
    nc = await bus.connect(url, name="crm-nats-config", user=user, password=password)
    try:
        return await nats_auth.ensure_partner_consumer(nc.jetstream(), root=root, tenant=tenant)
    finally:
        await nc.drain()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", default="crm", help="NATS subject root (NATS_SUBJECT_ROOT)")
    parser.add_argument("--partner", action="append", default=[], help="a tenant to issue a partner user for")
    parser.add_argument(
        "--ensure-partner-consumer",
        metavar="TENANT",
        help="create that partner's durable consumer (NATS_URL, NATS_USER, NATS_PASSWORD from the env)",
    )
    args = parser.parse_args(argv)
    if args.ensure_partner_consumer:
        durable = asyncio.run(
            ensure_partner_consumer(
                url=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
                user=os.environ.get("NATS_USER", nats_auth.ADMIN),
                password=os.environ.get("NATS_PASSWORD", ""),
                root=args.root,
                tenant=args.ensure_partner_consumer,
            )
        )
        print(f"durable {durable} on stream {bus.stream_name(args.root, 'evt')} is ready")
        return 0
    try:
        sys.stdout.write(render(root=args.root, partners=args.partner))
    except ValueError as err:
        parser.error(str(err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
