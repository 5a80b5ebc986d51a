"""Print the nats-server `authorization` block deploy/k8s ships, for ops adding partners or services.

    python -m scripts.nats_config                      # what deploy/k8s/base/nats.yaml carries
    python -m scripts.nats_config --partner acme       # plus a partner credential for tenant acme

Passwords are not in the output: each user's is read by nats-server from the environment variable
`NATS_PASSWORD_<USER>` (common.nats_auth.password_variable), which the NATS pods take from the Secret
`nats-credentials`. See docs/deploy.md "NATS credentials" for adding a partner and rotating passwords.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from common import nats_auth


def render(*, root: str = "crm", partners: Sequence[str] = ()) -> str:
    """The authorization block for `root` with `$NATS_PASSWORD_<USER>` references as passwords."""
    names = nats_auth.user_names(partners)
    references = {name: f"${nats_auth.password_variable(name)}" for name in names}
    return nats_auth.render_authorization(nats_auth.users(references, root=root, partners=partners))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", default="crm", help="NATS subject root (NATS_SUBJECT_ROOT)")
    parser.add_argument("--partner", action="append", default=[], help="a tenant to issue a partner user for")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(render(root=args.root, partners=args.partner))
    except ValueError as err:
        parser.error(str(err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
