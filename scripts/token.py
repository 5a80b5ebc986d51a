"""Print a development HS256 JWT for the gateway, and nothing else (so `$(make token)` works in scripts).

    python -m scripts.token --tenant demo --roles admin,sales [--sub dev-user] [--hours 12]

The secret, issuer, audience and maximum lifetime come from JWT_SECRET / JWT_ISSUER / JWT_AUDIENCE /
JWT_MAX_LIFETIME_SECONDS, as the gateway reads them. A gateway that verifies tokens against a JWKS
URL (always the case in production) accepts only tokens from its identity provider, so this script
refuses to run there.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from common.config import ConfigError, GatewaySettings
from common.ids import is_valid_tenant
from gateway.auth import issue_token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a development JWT for the GraphQL gateway")
    parser.add_argument("--tenant", default="demo", help="tenant slug, e.g. demo")
    parser.add_argument("--roles", default="admin", help="comma-separated roles, e.g. admin,sales")
    parser.add_argument("--sub", default="dev-user", help="the caller id (JWT sub)")
    parser.add_argument("--hours", type=float, default=12.0, help="lifetime in hours")
    args = parser.parse_args(argv)
    if not is_valid_tenant(args.tenant):
        parser.error(f"--tenant {args.tenant!r} is not a tenant slug (lowercase letters, digits, _ and -)")
    try:
        settings = GatewaySettings.from_env()
    except ConfigError as err:
        parser.error(str(err))
    secret = settings.hs256_secret
    if secret is None:
        parser.error(
            "the gateway verifies tokens against JWT_JWKS_URL here; get a token from that identity provider"
        )
    if not 0 < args.hours * 3600 <= settings.jwt_max_lifetime_seconds:
        parser.error(
            f"--hours must be positive and at most JWT_MAX_LIFETIME_SECONDS ({settings.jwt_max_lifetime_seconds} s)"
        )
    token = issue_token(
        secret=secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        tenant=args.tenant,
        roles=[r.strip() for r in args.roles.split(",") if r.strip()],
        subject=args.sub,
        ttl=timedelta(hours=args.hours),
    )
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
