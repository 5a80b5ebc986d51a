"""Typed settings for every process, read once from environment variables.

Defaults suit a laptop (`make run`): everything on 127.0.0.1 with the embedded NATS and MongoDB
stand-in. In production (`CRM_ENV=prod`) secrets have no default and a missing one fails at start
with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

SERVICES = ("tags", "journey", "intent", "leads")
DEFAULT_GRPC_PORTS = {"tags": 50051, "journey": 50052, "intent": 50053, "leads": 50054}
DEV_INTERNAL_TOKEN = "dev-internal-token"
DEV_JWT_SECRET = "dev-jwt-secret-change-me-0123456789"


class ConfigError(RuntimeError):
    """A required or malformed environment variable; the message names it."""


def _get(env: Mapping[str, str], name: str, default: str | None) -> str:
    value = env.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ConfigError(f"environment variable {name} is required (CRM_ENV=prod has no default for it)")
    return default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name} must be an integer, got {raw!r}") from None


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """A positive integer variable, `default` when unset; anything else stops the process naming it."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"environment variable {name} must be positive, got {value}")
    return value


def _peers(env: Mapping[str, str]) -> dict[str, str]:
    return {svc: _get(env, f"{svc.upper()}_ADDR", f"127.0.0.1:{DEFAULT_GRPC_PORTS[svc]}") for svc in SERVICES}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Settings of one backend service process (tags, journey, intent or leads)."""

    service: str
    env: str = "dev"
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    mongodb_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongodb_db_prefix: str = "crm"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str = ""
    nats_password: str = ""
    subject_root: str = "crm"
    stream_replicas: int = 1
    internal_token: str = DEV_INTERNAL_TOKEN
    peers: dict[str, str] = field(default_factory=dict)
    consumer_max_deliver: int = 5
    log_level: str = "INFO"

    @property
    def database_name(self) -> str:
        return f"{self.mongodb_db_prefix}_{self.service}"

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings of `service` from the environment (os.environ by default)."""
        if service not in SERVICES:
            raise ConfigError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
        env = os.environ if env is None else env
        mode = _get(env, "CRM_ENV", "dev")
        dev = mode != "prod"
        return cls(
            service=service,
            env=mode,
            grpc_host=_get(env, "GRPC_HOST", "127.0.0.1"),
            grpc_port=_int(env, "GRPC_PORT", DEFAULT_GRPC_PORTS[service]),
            mongodb_uri=_get(env, "MONGODB_URI", cls.mongodb_uri),
            mongodb_db_prefix=_get(env, "MONGODB_DB_PREFIX", "crm"),
            nats_url=_get(env, "NATS_URL", cls.nats_url),
            nats_user=_get(env, "NATS_USER", ""),
            nats_password=_get(env, "NATS_PASSWORD", ""),
            subject_root=_get(env, "NATS_SUBJECT_ROOT", "crm"),
            stream_replicas=_int(env, "NATS_STREAM_REPLICAS", 1),
            internal_token=_get(env, "INTERNAL_TOKEN", DEV_INTERNAL_TOKEN if dev else None),
            peers=_peers(env),
            consumer_max_deliver=_int(env, "CONSUMER_MAX_DELIVER", 5),
            log_level=_get(env, "LOG_LEVEL", "INFO"),
        )


@dataclass(frozen=True, kw_only=True)
class GatewaySettings:
    """Settings of the GraphQL gateway process."""

    env: str = "dev"
    host: str = "127.0.0.1"
    port: int = 8000
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "crm-dev"
    internal_token: str = DEV_INTERNAL_TOKEN
    peers: dict[str, str] = field(default_factory=dict)
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str = ""
    nats_password: str = ""
    subject_root: str = "crm"
    rpc_timeout_seconds: float = 5.0
    max_page_size: int = 100
    max_query_depth: int = 10
    max_aliases: int = 30
    max_batch: int = 100
    max_tokens: int = 2000
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewaySettings:
        """Read the gateway settings from the environment (os.environ by default)."""
        env = os.environ if env is None else env
        mode = _get(env, "CRM_ENV", "dev")
        dev = mode != "prod"
        return cls(
            env=mode,
            host=_get(env, "GATEWAY_HOST", "127.0.0.1"),
            port=_int(env, "GATEWAY_PORT", 8000),
            jwt_secret=_get(env, "JWT_SECRET", DEV_JWT_SECRET if dev else None),
            jwt_issuer=_get(env, "JWT_ISSUER", "crm-dev"),
            internal_token=_get(env, "INTERNAL_TOKEN", DEV_INTERNAL_TOKEN if dev else None),
            peers=_peers(env),
            nats_url=_get(env, "NATS_URL", cls.nats_url),
            nats_user=_get(env, "NATS_USER", ""),
            nats_password=_get(env, "NATS_PASSWORD", ""),
            subject_root=_get(env, "NATS_SUBJECT_ROOT", "crm"),
            rpc_timeout_seconds=float(_get(env, "RPC_TIMEOUT_SECONDS", "5")),
            max_page_size=_int(env, "GATEWAY_MAX_PAGE_SIZE", cls.max_page_size),
            max_query_depth=_int(env, "GATEWAY_MAX_QUERY_DEPTH", cls.max_query_depth),
            max_aliases=_int(env, "GATEWAY_MAX_ALIASES", cls.max_aliases),
            max_batch=_int(env, "GATEWAY_MAX_BATCH", cls.max_batch),
            max_tokens=_int(env, "GATEWAY_MAX_TOKENS", cls.max_tokens),
            log_level=_get(env, "LOG_LEVEL", "INFO"),
        )
