"""The session's NATS server as the tests see it: where it listens and the users it knows.

The session server runs with the same permission model as production (common/nats_auth.py), rendered
with the subject root as a wildcard (`root="*"`) so the per-test roots of the `namespace` fixture all
fall under it. Services in tests connect as their own user, the gateway as `gateway`, and helpers
that watch or publish events as `admin`. With an external `NATS_URL` the URL's own credentials (if
any) are used for every client: the suite cannot know that server's service passwords.
"""

from __future__ import annotations

from dataclasses import dataclass

from common import nats_auth


@dataclass(frozen=True, kw_only=True)
class SessionNats:
    """The bare server URL and, for the embedded server, the generated credentials."""

    url: str
    credentials: nats_auth.Credentials | None

    @property
    def admin_url(self) -> str:
        """The URL test helpers connect with: admin credentials embedded (external: as given)."""
        if self.credentials is None:
            return self.url
        return self.credentials.url(self.url, nats_auth.ADMIN)

    def login(self, user: str) -> tuple[str, str, str]:
        """(url, user, password) for a workload's settings; external servers keep the URL's own."""
        if self.credentials is None:
            return self.url, "", ""
        return self.url, user, self.credentials.password(user)
