"""Print a dev HS256 JWT for the gateway, and nothing else (so `$(make token)` works in scripts).

    python -m scripts.token --tenant demo --roles admin,sales [--sub dev-user] [--hours 12]

The secret and issuer come from JWT_SECRET / JWT_ISSUER, as the gateway reads them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from common.config import GatewaySettings
from common.ids import is_valid_tenant
from gateway.auth import issue_token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a dev JWT for the GraphQL gateway")
    parser.add_argument("--tenant", default="demo", help="tenant slug, e.g. demo")
    parser.add_argument("--roles", default="admin", help="comma-separated roles, e.g. admin,sales")
    parser.add_argument("--sub", default="dev-user", help="the caller id (JWT sub)")
    parser.add_argument("--hours", type=float, default=12.0, help="lifetime in hours")
    args = parser.parse_args(argv)
    if not is_valid_tenant(args.tenant):
        parser.error(f"--tenant {args.tenant!r} is not a tenant slug (lowercase letters, digits, _ and -)")
    settings = GatewaySettings.from_env()
    token = issue_token(
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
        tenant=args.tenant,
        roles=[r.strip() for r in args.roles.split(",") if r.strip()],
        subject=args.sub,
        ttl=timedelta(hours=args.hours),
    )
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
